"""In Chromium: a resident proposes with an image, a reviewer costs it, the public sees it.

axe-core checks the list, proposal, form and review pages on the way.
"""

import io

import pytest
from PIL import Image

from pbudget import roles
from pbudget.models import Cycle
from tests.factories import make_cycle, make_user, phase_dates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), "forestgreen").save(out, format="PNG")
    return out.getvalue()


def test_resident_proposes_reviewer_costs_public_sees_answer(page, sign_in_as, axe_check):
    from proposals.models import Category, Proposal, ProposalStatus

    cycle = make_cycle(phase="ideas", slug="green", name="Green Budget")
    Category.objects.create(name="Parks", slug="parks")
    resident = make_user("ana@example.org", roles=[roles.RESIDENT])
    reviewer = make_user("rita@example.org", roles=[roles.REVIEWER])

    # A resident writes a proposal with an image and submits it.
    sign_in_as(page, resident)
    page.goto("/proposals/")
    page.get_by_role("link", name="Propose a project for Green Budget").click()
    assert page.locator("h1").inner_text() == "Propose a project"
    axe_check(page)
    page.get_by_label("Title").fill("Shade trees on the river walk")
    page.get_by_label("One-line summary").fill("Forty native trees for summer shade.")
    page.get_by_label("Description", exact=True).fill("Plant **forty** trees.")
    page.get_by_label("Category").select_option(label="Parks")
    page.get_by_label("District").select_option(label="Old Town")
    page.get_by_label("Place", exact=True).fill("River walk")
    page.get_by_label("Estimated cost (EUR)").fill("30000")
    page.get_by_label("Image 1", exact=True).set_input_files(
        files=[{"name": "trees.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_label("Description of image 1").fill("A drawing of trees along the river")
    page.get_by_role("button", name="Submit proposal").click()
    page.wait_for_url("**/proposals/*/")
    assert page.locator("h1").inner_text() == "Shade trees on the river walk"
    assert page.get_by_text("Your proposal has been submitted").is_visible()
    assert page.locator('img[alt="A drawing of trees along the river"]').count() == 1
    axe_check(page)
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.images.count() == 1

    # The ideas phase ends; a reviewer marks it feasible with an official cost.
    Cycle.objects.filter(pk=cycle.pk).update(**phase_dates("review"))
    page.context.clear_cookies()
    sign_in_as(page, reviewer)
    page.goto("/staff/proposals/review/")
    axe_check(page)
    page.get_by_role("link", name="Review Shade trees on the river walk").click()
    axe_check(page)
    page.get_by_label("Feasible: it goes to the ballot").check()
    page.get_by_label("Official cost (EUR)").fill("32500")
    page.get_by_label("Public explanation").fill("Parks will plant them in the autumn.")
    page.get_by_label("Responsible department").fill("Parks")
    page.get_by_label("Internal notes").fill("Check the irrigation budget.")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url("**/staff/proposals/review/")
    assert page.get_by_text("Review of “Shade trees on the river walk” saved.").is_visible()

    # The public page shows the answer, never the internal notes.
    page.context.clear_cookies()
    page.goto(proposal.get_absolute_url())
    answer = page.locator(".review-answer")
    assert "Parks will plant them in the autumn." in answer.inner_text()
    assert "32,500 EUR" in answer.inner_text()
    assert "irrigation" not in page.content()
    axe_check(page)
    page.goto("/proposals/")
    assert page.get_by_role("link", name="Shade trees on the river walk").is_visible()
    axe_check(page)


def test_support_button_updates_the_count_without_a_reload(page, sign_in_as):
    from tests.proposals.factories import make_proposal

    cycle = make_cycle(phase="ideas", slug="green")
    proposal = make_proposal(cycle=cycle, title="Benches")
    sign_in_as(page, make_user("ben@example.org"))
    page.goto(proposal.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Support this proposal").click()
    page.get_by_role("button", name="Take back my support").wait_for()
    assert "1 support" in page.locator("#support-block").inner_text()
    assert page.evaluate("window.notReloaded") is True
    proposal.refresh_from_db()
    assert proposal.support_count == 1
