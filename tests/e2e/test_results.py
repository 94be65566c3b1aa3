"""In Chromium: voting closes, an administrator runs the count and publishes it; the public
results page shows the winners. axe-core checks the count and results pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pbudget import roles
from pbudget.models import Cycle
from proposals.models import ProposalStatus
from tests.ballots.tally_factories import closed_cycle, vote_old_town
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_counts_after_the_vote_closes_and_publishes(page, sign_in_as, axe_check):
    cycle = closed_cycle(slug="city-2026")
    vote_old_town(cycle)
    # The vote is still open for a day…
    Cycle.objects.filter(pk=cycle.pk).update(voting_closes=timezone.now() + timedelta(days=1))
    admin = make_user("ada@example.org", roles=[roles.ADMINISTRATOR])
    sign_in_as(page, admin)

    page.goto("/count/")
    axe_check(page)
    page.get_by_role("link", name=cycle.name).click()
    page.get_by_role("link", name="Old Town").click()
    assert page.locator("h1").inner_text() == f"Count: {cycle.name}, Old Town"
    page.get_by_role("button", name="Start the count").click()
    assert page.get_by_text("the count can start after that").first.is_visible()

    # …then voting closes (time moves on) and the count runs (a Celery task).
    Cycle.objects.filter(pk=cycle.pk).update(voting_closes=timezone.now() - timedelta(minutes=1))
    page.reload()
    page.get_by_role("button", name="Start the count").click()
    page.wait_for_selector("text=Counted on")
    assert page.get_by_text("The count has started.").is_visible()
    winners = page.locator("ol.winner-list li")
    assert winners.nth(0).inner_text().startswith("Bike lane")
    axe_check(page)

    # Publishing cannot be undone: the browser asks for the confirmation first.
    page.get_by_role("button", name="Publish the results").click()
    assert page.get_by_label("I have checked this count").evaluate("e => !e.validity.valid")
    page.get_by_label("I have checked this count").check()
    page.get_by_role("button", name="Publish the results").click()
    page.wait_for_url(f"**/results/{cycle.slug}/old-town/")
    assert page.get_by_text("The results are published.").is_visible()
    assert cycle.proposals.get(title="Bike lane").status == ProposalStatus.SELECTED
    assert cycle.proposals.get(title="Playground").status == ProposalStatus.NOT_SELECTED

    # Anyone sees the winners, the chart and the rule comparison.
    page.context.clear_cookies()
    page.goto(f"/results/{cycle.slug}/old-town/")
    assert page.locator("h1").inner_text() == f"Results: {cycle.name}, Old Town"
    winners = page.locator("ol.winner-list li")
    assert winners.count() == 2
    assert winners.nth(0).inner_text().startswith("Bike lane")
    assert winners.nth(1).inner_text().startswith("Benches")
    assert page.locator("figure.results-chart svg").is_visible()
    assert page.get_by_role("heading", name="How the rule changes the outcome").is_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="The anonymised ballots (Pabulib .pb file)").click()
    assert download.value.suggested_filename == f"{cycle.slug}-old-town.pb"
