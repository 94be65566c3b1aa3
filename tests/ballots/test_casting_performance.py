"""Casting on the hot path: few queries, one read of each thing, and the same rules."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotChoice, Channel, VoterRoll
from ballots.selectors import cycle_and_entry_for_ballot
from ballots.views import RECEIPT_COOKIE, _may_cast
from pbudget.models import District
from tests.ballots.conftest import project
from tests.ballots.factories import (
    make_booth,
    make_entry,
    make_voter,
    mix_after_close,
    sealed_ballots,
)
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db

# user; cycle with the census entry and the e-mail check; ballot sections; and one call
# of the database function that writes the voter-roll row and puts the sealed ballot in
# the box (one statement: no BEGIN/COMMIT). No session write. While voting is open the sections
# are kept in memory, so a later cast on the same ballot needs one query fewer.
CAST_QUERIES = 4


def _voted_on_paper(cycle, voter) -> None:
    VoterRoll.objects.create(
        voter=voter.census_entry,
        cycle=cycle,
        district=voter.census_entry.district,
        channel=Channel.PAPER,
        voted_at=cycle.voting_opens,
        booth=make_booth(cycle),
    )


def _cast(client, cycle, *titles, choices=()):
    url = reverse("ballots:ballot", args=[cycle.slug])
    choices = list(choices) or [project(cycle, title).pk for title in titles]
    return client.post(url, {"choice": choices, "action": "cast"})


def test_given_verified_voter_when_casting_on_the_page_then_at_most_four_queries(
    client, voting_cycle, voter, django_assert_max_num_queries
):
    client.force_login(voter)
    choices = [project(voting_cycle, title).pk for title in ("Benches", "Tram stop")]
    with django_assert_max_num_queries(CAST_QUERIES):
        response = _cast(client, voting_cycle, choices=choices)
    assert response.status_code == 302
    assert not Ballot.objects.exists()
    [sealed] = sealed_ballots(voting_cycle)
    assert set(sealed.proposals) == set(choices)


def test_given_a_ballot_when_replacing_it_on_the_page_then_as_few_queries_and_one_ballot(
    client, voting_cycle, voter, django_assert_max_num_queries
):
    client.force_login(voter)
    _cast(client, voting_cycle, "Benches")
    choices = [project(voting_cycle, title).pk for title in ("Playground", "Library hours")]
    with django_assert_max_num_queries(CAST_QUERIES - 1):  # the sections are kept
        response = _cast(client, voting_cycle, choices=choices)
    assert response.status_code == 302
    mix_after_close(voting_cycle)
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
    mix_after_close(voting_cycle)
    assert Ballot.objects.get().receipt_hash == receipt_hash(code)


def test_given_a_cast_then_the_receipt_cookie_is_opaque(client, voting_cycle, voter):
    """The cookie is encrypted: neither the user id nor the code can be read from it."""
    import base64

    client.force_login(voter)
    response = _cast(client, voting_cycle, "Benches")
    value = client.cookies[RECEIPT_COOKIE].value
    html = client.get(response.url).content.decode()
    code = html.split('id="receipt-code">')[1].split("<")[0]
    raw = base64.urlsafe_b64decode(value.encode())
    for secret in (code, code.replace("-", ""), f'"user": {voter.pk}', '"user"'):
        assert secret.encode() not in raw
        assert secret not in value
    # A tampered cookie shows nothing.
    client.cookies[RECEIPT_COOKIE] = value[:-4] + ("AAAA" if value[-4:] != "AAAA" else "BBBB")
    client.cookies[RECEIPT_COOKIE]["path"] = response.url
    assert 'id="receipt-code"' not in client.get(response.url).content.decode()


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
    _voted_on_paper(voting_cycle, voter)
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
    _cycle, entry = cycle_and_entry_for_ballot(cycle.slug, user)
    assert entry.email_verified is email_verified
    assert _may_cast(user, cycle, entry) == user.has_perm("ballots.cast_ballot", cycle)


def test_only_choices_point_at_ballots_so_the_one_statement_delete_is_complete():
    """Mixing deletes a replaced ballot's choices and link, then the ballot: nothing else
    points at it."""
    from ballots.models import BallotLink

    related = {rel.related_model for rel in Ballot._meta.related_objects}
    assert related == {BallotChoice, BallotLink}


def test_given_voting_closed_after_the_page_read_the_cycle_then_the_database_refuses(
    voting_cycle, voter
):
    """The window is checked again where the ballot is written, at that moment."""
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from ballots.services import ballot_cast
    from pbudget.models import Cycle

    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_closes=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as raised:
        ballot_cast(  # voting_cycle still holds the dates read before voting closed
            user=voter, cycle=voting_cycle, values={project(voting_cycle, "Benches").pk: 1}
        )
    assert raised.value.code == "voting_closed"
    assert not Ballot.objects.exists()
    assert not VoterRoll.objects.exists()


def test_given_a_paper_vote_then_the_cast_function_writes_nothing(voting_cycle, voter):
    from django.core.exceptions import ValidationError

    from ballots.services import ballot_cast

    _voted_on_paper(voting_cycle, voter)
    with pytest.raises(ValidationError) as raised:
        ballot_cast(user=voter, cycle=voting_cycle, values={project(voting_cycle, "Benches").pk: 1})
    assert raised.value.code == "voted_on_paper"
    assert not Ballot.objects.exists()
    assert VoterRoll.objects.get().channel == Channel.PAPER


def test_the_cast_function_stores_points_and_ranks_as_the_orm_would(old_town):
    from ballots.services import ballot_cast
    from tests.ballots.factories import make_project

    for method, values, stored in (
        ("cumulative", (3, 2), [(3, None), (2, None)]),
        ("ranked", (2, 1), [(1, 2), (1, 1)]),
        ("approval", (1, 1), [(1, None), (1, None)]),
    ):
        cycle = make_cycle(
            phase="voting", slug=f"fn-{method}", voting_method=method, points_total=10
        )
        first = make_project(cycle, old_town, "1000", f"First {method}")
        second = make_project(cycle, old_town, "2000", f"Second {method}")
        user = make_voter(f"fn-{method}@example.org", old_town, document=f"FN{method.upper()}1")
        ballot_cast(user=user, cycle=cycle, values={first.pk: values[0], second.pk: values[1]})
        mix_after_close(cycle)
        ballot = Ballot.objects.get(cycle=cycle)
        rows = {c.proposal_id: (c.points, c.rank) for c in ballot.choices.all()}
        assert rows == {first.pk: stored[0], second.pk: stored[1]}
        assert ballot.district_id == old_town.pk and ballot.channel == Channel.ONLINE


def test_kept_sections_are_reused_while_voting_and_dropped_when_a_project_changes(
    voting_cycle, old_town, settings
):
    from ballots.selectors import ballot_sections_for_casting

    settings.PBUDGET_BALLOT_SECTIONS_SECONDS = 30
    first = ballot_sections_for_casting(voting_cycle, old_town)
    assert ballot_sections_for_casting(voting_cycle, old_town) is first
    benches = project(voting_cycle, "Benches")
    benches.title = "Benches and shade"
    benches.save()
    again = ballot_sections_for_casting(voting_cycle, old_town)
    assert again is not first
    assert "Benches and shade" in {p.title for s in again for p in s.projects}


@pytest.mark.parametrize("phase", ["review", "results"])
def test_sections_are_read_every_time_outside_voting_or_when_turned_off(phase, old_town, settings):
    from ballots.selectors import ballot_sections_for_casting

    settings.PBUDGET_BALLOT_SECTIONS_SECONDS = 30
    cycle = make_cycle(phase=phase, slug=f"kept-{phase}", voting_method="knapsack")
    assert ballot_sections_for_casting(cycle, old_town) is not ballot_sections_for_casting(
        cycle, old_town
    )
    voting = make_cycle(phase="voting", slug=f"kept-off-{phase}", voting_method="knapsack")
    settings.PBUDGET_BALLOT_SECTIONS_SECONDS = 0
    assert ballot_sections_for_casting(voting, old_town) is not ballot_sections_for_casting(
        voting, old_town
    )
