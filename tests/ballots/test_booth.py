"""Booth officers: check a person, mark them voted in person, enter paper ballots, reconcile."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ballots.models import Ballot, BallotLink, BoothBallotCount, Channel, VoterRoll
from ballots.selectors import booth_reconciliation
from ballots.services import ballot_cast, paper_ballot_enter, voter_mark_paper
from pbudget import roles
from tests.ballots.conftest import project
from tests.ballots.factories import make_booth, make_entry, mix_after_close, sealed_ballots
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    return make_user("booth@example.org", roles=[roles.BOOTH_OFFICER])


def test_given_officer_when_checking_marking_and_entering_then_person_cannot_vote_online(
    client, voting_cycle, old_town, officer, voter
):
    booth = make_booth(voting_cycle)
    staff_login(client, officer)
    details = {"document_number": "X1234567A", "birth_date": "1990-05-17", "postal_code": "28001"}
    check = client.post(reverse("ballots:booth_detail", args=[booth.pk]), details)
    html = check.content.decode()
    assert check.status_code == 200
    assert "Census check: found" in html
    assert "Old Town" in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    marked = client.post(reverse("ballots:booth_mark", args=[booth.pk]), {"token": token})
    # Marking leads back to the booth, never to "this person's" ballot.
    assert marked.status_code == 302
    assert marked.url == reverse("ballots:booth_detail", args=[booth.pk])
    roll = VoterRoll.objects.get()
    assert (roll.channel, roll.booth) == (Channel.PAPER, booth)

    benches = project(voting_cycle, "Benches").pk
    entry_url = reverse("ballots:booth_ballot", args=[booth.pk])
    entered = client.post(entry_url, {"district": old_town.pk, "choice": [benches]})
    assert entered.status_code == 302
    assert entered.url == f"{entry_url}?district={old_town.pk}"  # ready for the next paper
    after = client.get(entered.url).content.decode()
    assert "Paper ballot entered: 1 of 1 people marked for Old Town" in after
    # The officer sees no receipt code.
    assert "receipt-code" not in after
    assert not re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", after)
    [sealed] = sealed_ballots(voting_cycle)
    assert (sealed.channel, sealed.link, sealed.receipt_hash) == (Channel.PAPER, None, None)
    mix_after_close(voting_cycle)
    ballot = Ballot.objects.get()
    assert (ballot.channel, ballot.receipt_hash) == (Channel.PAPER, None)
    assert not BallotLink.objects.exists()

    # The same person, online: refused, and the site says why.
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=voter, cycle=voting_cycle, values={benches: 1})
    assert caught.value.code == "voted_on_paper"
    client.force_login(voter)
    page = client.get(reverse("ballots:ballot", args=[voting_cycle.slug]))
    assert page.status_code == 403
    assert "You voted in person at Town Hall" in page.content.decode()

    # Checked again at the booth: shown as having voted, no mark button.
    staff_login(client, officer)
    again = client.post(reverse("ballots:booth_detail", args=[booth.pk]), details).content
    assert b"already voted" in again
    assert b'name="token"' not in again


def test_given_person_voted_online_when_marking_then_refused(voting_cycle, officer, voter):
    booth = make_booth(voting_cycle)
    ballot_cast(user=voter, cycle=voting_cycle, values={project(voting_cycle, "Benches").pk: 1})
    with pytest.raises(ValidationError) as caught:
        voter_mark_paper(officer=officer, booth=booth, entry=voter.census_entry)
    assert "voted online" in caught.value.messages[0]


def test_given_paper_ballot_over_budget_then_refused_with_same_rules(
    client, voting_cycle, old_town, officer
):
    booth = make_booth(voting_cycle)
    staff_login(client, officer)
    chosen = [project(voting_cycle, "Playground").pk, project(voting_cycle, "Bike lane").pk]
    response = client.post(
        reverse("ballots:booth_ballot", args=[booth.pk]),
        {"district": old_town.pk, "choice": chosen},
    )
    assert response.status_code == 400
    assert "more than the budget" in response.content.decode()
    assert not Ballot.objects.exists()


def test_reconciliation_shows_marked_entered_and_difference(voting_cycle, old_town, officer):
    booth = make_booth(voting_cycle)
    for n in range(3):
        voter_mark_paper(officer=officer, booth=booth, entry=make_entry(f"P{n}xx", old_town))
    for _ in range(2):
        paper_ballot_enter(officer=officer, booth=booth, district=old_town, values={})
    data = booth_reconciliation(booth)
    assert data["rows"][0]["marked"] == 3
    assert data["rows"][0]["entered"] == 2
    assert data["total"]["difference"] == -1
    assert BoothBallotCount.objects.get().entered == 2
    assert [b.channel for b in sealed_ballots(voting_cycle)] == [Channel.PAPER] * 2
    mix_after_close(voting_cycle)
    assert Ballot.objects.filter(channel=Channel.PAPER).count() == 2


def test_under_age_person_cannot_be_marked(voting_cycle, old_town, officer):
    from datetime import date

    booth = make_booth(voting_cycle)
    child = make_entry("KID1", old_town, birth=date.today().replace(year=date.today().year - 10))
    with pytest.raises(ValidationError) as caught:
        voter_mark_paper(officer=officer, booth=booth, entry=child)
    assert caught.value.code == "too_young"


def test_given_every_marked_person_has_a_ballot_when_entering_another_then_refused(
    client, voting_cycle, old_town, officer
):
    """A booth never enters more paper ballots of a district than people it marked."""
    booth = make_booth(voting_cycle)
    voter_mark_paper(officer=officer, booth=booth, entry=make_entry("P1xx", old_town))
    paper_ballot_enter(officer=officer, booth=booth, district=old_town, values={})
    with pytest.raises(ValidationError) as caught:
        paper_ballot_enter(officer=officer, booth=booth, district=old_town, values={})
    assert caught.value.code == "more_ballots_than_people"
    assert "marked 1 person for Old Town and entered 1 paper ballots" in caught.value.messages[0]
    staff_login(client, officer)
    page = client.post(reverse("ballots:booth_ballot", args=[booth.pk]), {"district": old_town.pk})
    assert page.status_code == 400
    assert "no ballot is left to enter" in page.content.decode()
    assert len(sealed_ballots(voting_cycle)) == 1
    assert BoothBallotCount.objects.get().entered == 1


def test_given_nobody_marked_when_entering_a_paper_ballot_then_refused(
    voting_cycle, old_town, officer
):
    booth = make_booth(voting_cycle)
    with pytest.raises(ValidationError) as caught:
        paper_ballot_enter(officer=officer, booth=booth, district=old_town, values={})
    assert caught.value.code == "more_ballots_than_people"
    assert sealed_ballots(voting_cycle) == []


def test_the_database_refuses_more_ballots_entered_than_people_marked(voting_cycle, old_town):
    from django.db import IntegrityError, transaction

    booth = make_booth(voting_cycle)
    counts = BoothBallotCount.objects.create(booth=booth, district=old_town, marked=2, entered=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        BoothBallotCount.objects.filter(pk=counts.pk).update(entered=3)
