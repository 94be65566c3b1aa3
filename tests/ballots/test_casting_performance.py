"""Casting on the hot path: few queries, one read of each thing, and the same rules."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotChoice, Channel, VoterRoll
from ballots.views import RECEIPT_COOKIE, _may_cast
from pbudget.models import District
from tests.ballots.conftest import project
from tests.ballots.factories import make_booth, make_entry, make_voter
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db

# user, cycle, census entry, e-mail check, ballot sections; BEGIN, voter-roll upsert,
# old ballot delete, ballot insert, choices insert, COMMIT. No session write.
CAST_QUERIES = 11


def _cast(client, cycle, *titles, choices=()):
    url = reverse("ballots:ballot", args=[cycle.slug])
    choices = list(choices) or [project(cycle, title).pk for title in titles]
    return client.post(url, {"choice": choices, "action": "cast"})


def test_given_verified_voter_when_casting_on_the_page_then_at_most_eleven_queries(
    client, voting_cycle, voter, django_assert_max_num_queries
):
    client.force_login(voter)
    choices = [project(voting_cycle, title).pk for title in ("Benches", "Tram stop")]
    with django_assert_max_num_queries(CAST_QUERIES):
        response = _cast(client, voting_cycle, choices=choices)
    assert response.status_code == 302
    assert Ballot.objects.count() == 1


def test_given_a_ballot_when_replacing_it_on_the_page_then_as_few_queries_and_one_ballot(
    client, voting_cycle, voter, django_assert_max_num_queries
):
    client.force_login(voter)
    _cast(client, voting_cycle, "Benches")
    choices = [project(voting_cycle, title).pk for title in ("Playground", "Library hours")]
    with django_assert_max_num_queries(CAST_QUERIES):
        response = _cast(client, voting_cycle, choices=choices)
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert set(ballot.choices.values_list("proposal__title", flat=True)) == {
        "Playground",
        "Library hours",
    }
    assert BallotChoice.objects.count() == 2
    assert VoterRoll.objects.count() == 1


def test_given_a_replaced_ballot_then_receipt_says_so_and_new_code_matches(
    client, voting_cycle, voter
):
    client.force_login(voter)
    _cast(client, voting_cycle, "Benches")
    response = _cast(client, voting_cycle, "Bike lane")
    html = client.get(response.url).content.decode()
    assert "replaces your earlier one" in html
    code = html.split('id="receipt-code">')[1].split("<")[0]
    assert Ballot.objects.get().receipt_hash == receipt_hash(code)


def test_given_a_cast_then_the_server_keeps_no_receipt_code_next_to_the_voter(
    client, voting_cycle, voter
):
    client.force_login(voter)
    response = _cast(client, voting_cycle, "Benches")
    code_cookie = client.cookies[RECEIPT_COOKIE]
    assert code_cookie["path"] == response.url
    assert code_cookie["httponly"]
    html = client.get(response.url).content.decode()
    code = html.split('id="receipt-code">')[1].split("<")[0]
    for session in Session.objects.all():
        assert code not in str(session.get_decoded())


def test_given_someone_elses_receipt_cookie_then_no_code_is_shown(
    client, voting_cycle, voter, old_town
):
    client.force_login(voter)
    response = _cast(client, voting_cycle, "Benches")
    stolen = client.cookies[RECEIPT_COOKIE].value
    other = make_voter("other@example.org", old_town, document="Y7654321B")
    client.force_login(other)
    client.cookies[RECEIPT_COOKIE] = stolen
    client.cookies[RECEIPT_COOKIE]["path"] = response.url
    html = client.get(response.url).content.decode()
    assert 'id="receipt-code"' not in html
    assert "shown once" in html


def test_given_a_paper_voter_when_posting_an_online_ballot_then_closed_page_and_no_ballot(
    client, voting_cycle, voter
):
    VoterRoll.objects.create(
        voter=voter.census_entry,
        cycle=voting_cycle,
        district=voter.census_entry.district,
        channel=Channel.PAPER,
        voted_at=voting_cycle.voting_opens,
        booth=make_booth(voting_cycle),
    )
    client.force_login(voter)
    for titles in (["Benches"], ["Playground", "Bike lane"]):  # a valid and a broken ballot
        response = _cast(client, voting_cycle, *titles)
        assert response.status_code == 403
        assert "You voted in person" in response.content.decode()
    assert not Ballot.objects.exists()
    assert VoterRoll.objects.get().channel == Channel.PAPER


@pytest.mark.parametrize("phase", ["review", "voting", "results"])
@pytest.mark.parametrize("email_verified", [True, False])
def test_the_page_gate_agrees_with_the_cast_ballot_rule(phase, email_verified):
    cycle = make_cycle(phase=phase, slug=f"gate-{phase}", voting_method="knapsack")
    user = make_user(f"gate-{phase}@example.org", verified=email_verified)
    make_entry(f"GATE-{user.pk}", District.objects.get(slug="old-town"), claimed_by=user)
    assert _may_cast(user, cycle) == user.has_perm("ballots.cast_ballot", cycle)


def test_only_choices_point_at_ballots_so_the_one_statement_delete_is_complete():
    """ballot_cast deletes a replaced ballot and its choices in SQL, without the collector."""
    related = {rel.related_model for rel in Ballot._meta.related_objects}
    assert related == {BallotChoice}
