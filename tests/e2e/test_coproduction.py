"""In Chromium: a resident pledges and staff accept; a contributor logs hours and a
finance officer verifies them and sees the value. Pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from pbudget import roles
from tests.factories import make_cycle, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    from coproduction.skills import ensure_taxonomy

    ensure_taxonomy()


def _url_exists(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def test_a_resident_pledges_staff_accept_and_the_proposal_shows_it(page, sign_in_as, axe_check):
    from tests.coproduction.factories import make_proposal

    cycle = make_cycle(phase="voting", slug="vote-2026")
    proposal = make_proposal(cycle, title="Community garden")
    resident = make_user("ana@example.org")
    reviewer = make_user("rita@example.org", roles=[roles.REVIEWER])

    sign_in_as(page, resident)
    page.goto(reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk}))
    axe_check(page)
    page.get_by_label("General labour (hours)").check()
    # Only the fields of the kind chosen are shown (progressive enhancement).
    assert page.locator('fieldset[data-kinds="materials equipment space"]').is_hidden()
    assert page.get_by_label("Skill", exact=True).is_hidden()
    page.get_by_label("Hours", exact=True).fill("6")
    page.get_by_role("button", name="Pledge").click()
    page.wait_for_load_state()
    assert "staff have reviewed it" in page.locator(".messages").inner_text()

    page.context.clear_cookies()
    sign_in_as(page, reviewer)
    page.goto(reverse("coproduction:pledge_review_list"))
    axe_check(page)
    page.get_by_role("link", name="Review").first.click()
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Save decision").click()
    assert "accepted" in page.locator(".messages").inner_text()

    expected = "40,000 EUR public cost + 200.94 USD in residents' time and materials from 1 person"
    detail = _url_exists("proposals:detail", pk=proposal.pk)
    page.goto(detail or reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk}))
    assert expected in page.locator(".inkind").first.inner_text()
    axe_check(page)

    if _url_exists("ballots:ballot", slug=cycle.slug):
        from tests.ballots.factories import make_entry as make_census_entry

        make_census_entry("X1234567", proposal.district, claimed_by=resident)
        page.context.clear_cookies()
        sign_in_as(page, resident)
        page.goto(reverse("ballots:ballot", kwargs={"slug": cycle.slug}))
        assert expected in page.locator(".inkind").first.inner_text()
        axe_check(page)


def test_a_contributor_logs_hours_and_a_finance_officer_verifies_and_sees_the_value(
    page, sign_in_as, axe_check, celery_worker
):
    from tests.coproduction.factories import make_project

    cycle = make_cycle(phase="implementation", slug="build-2024")
    project = make_project(cycle, title="Riverside benches")
    contributor = make_user("carla@example.org")
    finance = make_user("fin@example.org", roles=[roles.FINANCE_OFFICER])

    sign_in_as(page, contributor)
    page.goto(reverse("coproduction:project", kwargs={"pk": project.pk}))
    axe_check(page)
    page.get_by_role("link", name="Log a contribution").click()
    axe_check(page)
    page.get_by_label("General labour (hours)").check()
    page.get_by_label("Date").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    page.get_by_label("Hours", exact=True).fill("5")
    page.get_by_label("Place").fill("Riverside park")
    page.get_by_role("button", name="Log contribution").click()
    assert "Submitted, waiting for verification" in page.locator("main").inner_text()
    page.goto(reverse("coproduction:mine"))
    axe_check(page)

    page.context.clear_cookies()
    sign_in_as(page, finance)
    page.goto(reverse("coproduction:ledger_queue"))
    axe_check(page)
    page.get_by_role("link", name="#").first.click()
    page.get_by_role("link", name="Verify or decline").click()
    page.get_by_label("Verify").check()
    page.get_by_role("button", name="Save decision").click()
    # The value is written by the Celery worker; reload until it is there.
    for _attempt in range(20):
        if page.locator(".value-amount").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator(".value-amount").first.inner_text() == "167.45 USD"
    assert "Independent Sector" in page.locator("main").inner_text()
    axe_check(page)

    page.goto(reverse("coproduction:cycle_dashboard", kwargs={"slug": cycle.slug}))
    assert page.locator("svg title").first.text_content() == "Verified hours by project"
    axe_check(page)
    page.goto(reverse("coproduction:rate_list"))
    axe_check(page)
