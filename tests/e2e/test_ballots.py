"""In Chromium: verify, cast a knapsack ballot, change it, see the receipt; a booth officer
marks a person, then enters the box's paper ballot, and that person cannot vote online;
axe-core; keyboard only."""

from __future__ import annotations

import pytest

from ballots.hashing import receipt_hash
from ballots.models import Ballot, VoterRoll
from pbudget import roles
from pbudget.models import District
from tests.ballots.factories import (
    make_booth,
    make_entry,
    make_project,
    mix_after_close,
    sealed_ballots,
)
from tests.factories import make_cycle, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cycle(db):
    cycle = make_cycle(phase="voting", slug="vote-2026", voting_method="knapsack")
    old_town = District.objects.get(slug="old-town")
    make_project(cycle, old_town, "30000", "Playground")
    make_project(cycle, old_town, "25000", "Bike lane")
    make_project(cycle, old_town, "10000", "Benches")
    make_project(cycle, District.objects.get(is_citywide=True), "60000", "Tram stop")
    return cycle


def test_resident_verifies_casts_changes_and_sees_receipt(page, sign_in_as, axe_check, cycle):
    make_entry("X1234567A", District.objects.get(slug="old-town"), postal="28001")
    sign_in_as(page, make_user("ana@example.org"), mfa=False)
    page.goto("/vote/vote-2026/")
    page.wait_for_url("**/census/verify/**")
    axe_check(page)
    page.get_by_label("Document number").fill("X1234567A")
    page.get_by_label("Date of birth").fill("1990-05-17")
    page.get_by_label("Postal code").fill("28001")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/vote/vote-2026/")
    axe_check(page)

    # The live bar follows the choices; over budget is shown before submitting.
    page.get_by_label("Playground").check()
    assert (
        "Left: 20,000 EUR"
        in page.locator("#section-%d" % District.objects.get(slug="old-town").pk).inner_text()
    )
    page.get_by_label("Bike lane").check()
    assert "Over budget by 5,000 EUR" in page.content()
    page.get_by_role("button", name="Cast my ballot").click()
    assert "more than the budget" in page.locator("#form-errors").inner_text()
    assert page.get_by_label("Bike lane").is_checked()  # choices kept
    axe_check(page)
    page.get_by_label("Bike lane").uncheck()
    page.get_by_label("Tram stop").check()
    page.get_by_role("button", name="Cast my ballot").click()
    page.wait_for_url("**/vote/vote-2026/receipt/")
    first_code = page.locator("#receipt-code").inner_text()
    axe_check(page)

    page.goto("/vote/vote-2026/")
    page.get_by_label("Playground").check()
    page.get_by_label("Benches").check()
    page.get_by_role("button", name="Replace my ballot").click()
    page.wait_for_url("**/receipt/")
    assert "replaces your earlier one" in page.content()
    assert page.locator("#receipt-code").inner_text() != first_code
    assert VoterRoll.objects.count() == 1
    assert len(sealed_ballots(cycle)) == 2  # both sealed; mixing keeps the later one
    mix_after_close(cycle)
    assert Ballot.objects.get().receipt_hash == receipt_hash(
        page.locator("#receipt-code").inner_text()
    )


def test_ballot_usable_with_keyboard_alone(page, sign_in_as, cycle):
    user = make_user("keys@example.org")
    make_entry("K1", District.objects.get(slug="old-town"), claimed_by=user)
    sign_in_as(page, user, mfa=False)
    page.goto("/vote/vote-2026/")
    page.get_by_label("Benches").focus()
    page.keyboard.press("Space")
    assert page.get_by_label("Benches").is_checked()
    # Tab on to the cast button and press Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Cast my ballot":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/receipt/")
    [sealed] = sealed_ballots(cycle)
    assert sealed.proposals == (cycle.proposals.get(title="Benches").pk,)


def test_booth_officer_enters_paper_ballot_and_person_cannot_vote_online(
    page, sign_in_as, axe_check, cycle, browser, live_server
):
    resident = make_user("paper@example.org")
    make_entry(
        "P7654321B", District.objects.get(slug="old-town"), postal="28001", claimed_by=resident
    )
    booth = make_booth(cycle)
    sign_in_as(page, make_user("officer@example.org", roles=[roles.BOOTH_OFFICER]))
    page.goto(f"/booth/{booth.pk}/")
    axe_check(page)
    page.get_by_label("Document number").fill("P7654321B")
    page.get_by_label("Date of birth").fill("1990-05-17")
    page.get_by_label("Postal code").fill("28001")
    page.get_by_role("button", name="Check against the census").click()
    assert "Census check: found" in page.content()
    axe_check(page)
    page.get_by_role("button", name="Mark as voted in person").click()
    page.wait_for_url(f"**/booth/{booth.pk}/")  # back to the booth, not to "their" ballot
    assert "Marked as voted in person" in page.content()
    # Later, the box's ballots are entered as a stack.
    page.get_by_role("link", name="Enter the ballots from the box").click()
    page.get_by_label("District").select_option(label="Old Town")
    page.get_by_role("button", name="Show the ballot").click()
    page.get_by_label("Benches").check()
    axe_check(page)
    page.get_by_role("button", name="Enter this paper ballot").click()
    page.wait_for_url("**/ballot/?district=*")
    assert "Paper ballot entered: 1 of 1 people marked for Old Town" in page.content()
    assert page.locator("#receipt-code").count() == 0
    axe_check(page)
    page.goto(f"/booth/{booth.pk}/reconciliation/")
    axe_check(page)

    context = browser.new_context(base_url=live_server.url)
    online = context.new_page()
    sign_in_as(online, resident, mfa=False)
    online.goto("/vote/vote-2026/")
    assert "You voted in person at Town Hall" in online.content()
    assert online.get_by_role("button", name="Cast my ballot").count() == 0
    context.close()
