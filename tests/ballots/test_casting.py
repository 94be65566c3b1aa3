"""Casting ballots: the rules of each voting method, replacing, phases, secrecy."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotChoice, Channel, VoterRoll
from ballots.selectors import ballots_for_tally
from ballots.services import ballot_cast
from pbudget.models import Cycle
from tests.ballots.conftest import project
from tests.ballots.factories import make_project, make_voter, mix_after_close, sealed_ballots
from tests.factories import make_cycle, make_user, phase_dates

pytestmark = pytest.mark.django_db


def _codes(error: ValidationError) -> set[str]:
    return {e.code for e in error.error_list}


def _ids(cycle, *titles):
    return {project(cycle, title).pk: 1 for title in titles}


def test_given_verified_voter_when_casting_knapsack_ballot_then_roll_and_ballot_are_written(
    voting_cycle, voter
):
    result = ballot_cast(
        user=voter, cycle=voting_cycle, values=_ids(voting_cycle, "Playground", "Tram stop")
    )
    # In the box, sealed, until it is mixed with others.
    assert not Ballot.objects.exists()
    [sealed] = sealed_ballots(voting_cycle)
    assert sealed.receipt_hash == receipt_hash(result.receipt_code)
    chosen = {project(voting_cycle, title).pk for title in ("Playground", "Tram stop")}
    assert set(sealed.proposals) == chosen
    mix_after_close(voting_cycle)
    ballot = Ballot.objects.get()
    assert ballot.channel == Channel.ONLINE
    assert ballot.receipt_hash == receipt_hash(result.receipt_code)
    assert set(ballot.choices.values_list("proposal__title", flat=True)) == {
        "Playground",
        "Tram stop",
    }
    roll = VoterRoll.objects.get()
    assert roll.voter.claimed_by == voter
    assert roll.channel == Channel.ONLINE
    assert not result.replaced


def test_given_a_ballot_when_voter_casts_again_then_the_new_one_replaces_it(voting_cycle, voter):
    first = ballot_cast(user=voter, cycle=voting_cycle, values=_ids(voting_cycle, "Playground"))
    second = ballot_cast(user=voter, cycle=voting_cycle, values=_ids(voting_cycle, "Bike lane"))
    assert second.replaced
    assert len(sealed_ballots(voting_cycle)) == 2  # replaced when mixed, never in the cast
    mix_after_close(voting_cycle)
    assert Ballot.objects.count() == 1
    assert VoterRoll.objects.count() == 1
    assert not Ballot.objects.filter(receipt_hash=receipt_hash(first.receipt_code)).exists()
    assert list(BallotChoice.objects.values_list("proposal__title", flat=True)) == ["Bike lane"]


def test_given_knapsack_when_district_choices_exceed_budget_then_refused_with_amounts(
    voting_cycle, voter
):
    with pytest.raises(ValidationError) as caught:
        ballot_cast(
            user=voter, cycle=voting_cycle, values=_ids(voting_cycle, "Playground", "Bike lane")
        )
    assert "over_budget" in _codes(caught.value)
    assert "55,000 EUR" in str(caught.value)
    assert Ballot.objects.count() == 0
    assert VoterRoll.objects.count() == 0


def test_given_knapsack_with_minimum_share_when_too_little_spent_then_refused(old_town):
    cycle = make_cycle(phase="voting", slug="min", voting_method="knapsack")
    Cycle.objects.filter(pk=cycle.pk).update(min_spend_share="0.5")
    cycle.refresh_from_db()
    cheap = make_project(cycle, old_town, "10000")
    dear = make_project(cycle, old_town, "30000")
    user = make_voter("m@example.org", old_town)
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=cycle, values={cheap.pk: 1})
    assert "under_minimum" in _codes(caught.value)
    ballot_cast(user=user, cycle=cycle, values={dear.pk: 1})


def test_given_approval_when_more_than_n_chosen_then_refused(old_town):
    cycle = make_cycle(phase="voting", slug="appr", voting_method="approval", max_choices=2)
    projects = [make_project(cycle, old_town, "1000") for _ in range(3)]
    user = make_voter("a@example.org", old_town)
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=cycle, values={p.pk: 1 for p in projects})
    assert "too_many" in _codes(caught.value)
    ballot_cast(user=user, cycle=cycle, values={p.pk: 1 for p in projects[:2]})


def test_given_cumulative_when_points_break_limits_then_refused_and_points_stored(old_town):
    cycle = make_cycle(
        phase="voting",
        slug="cum",
        voting_method="cumulative",
        points_total=10,
        points_max_per_project=5,
    )
    a, b, c = (make_project(cycle, old_town, "1000") for _ in range(3))
    user = make_voter("c@example.org", old_town)
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=cycle, values={a.pk: 6})
    assert "too_many_points_one" in _codes(caught.value)
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=cycle, values={a.pk: 5, b.pk: 5, c.pk: 1})
    assert "too_many_points" in _codes(caught.value)
    ballot_cast(user=user, cycle=cycle, values={a.pk: 5, b.pk: 3})
    mix_after_close(cycle)
    assert dict(BallotChoice.objects.values_list("proposal_id", "points")) == {a.pk: 5, b.pk: 3}


def test_given_ranked_when_ranks_repeat_or_gap_then_refused(old_town):
    cycle = make_cycle(phase="voting", slug="rank", voting_method="ranked", rank_count=3)
    a, b, c, d = (make_project(cycle, old_town, "1000") for _ in range(4))
    user = make_voter("r@example.org", old_town)
    for values, code in [
        ({a.pk: 1, b.pk: 1}, "rank_repeated"),
        ({a.pk: 1, b.pk: 3}, "rank_gap"),
        ({a.pk: 1, b.pk: 2, c.pk: 3, d.pk: 4}, "rank_range"),
    ]:
        with pytest.raises(ValidationError) as caught:
            ballot_cast(user=user, cycle=cycle, values=values)
        assert code in _codes(caught.value)
    ballot_cast(user=user, cycle=cycle, values={c.pk: 1, a.pk: 2})
    mix_after_close(cycle)
    assert ballots_for_tally(cycle, old_town) == [[(c.pk, 1), (a.pk, 2)]]


def test_given_project_of_another_district_when_cast_then_refused(voting_cycle, voter):
    other = make_project(voting_cycle, make_cycle_district("riverside"), "1000")
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=voter, cycle=voting_cycle, values={other.pk: 1})
    assert "unknown_project" in _codes(caught.value)


def make_cycle_district(slug):
    from tests.factories import DistrictFactory

    return DistrictFactory(name=slug.title(), slug=slug)


@pytest.mark.parametrize("phase", ["ideas", "review", "results", "implementation"])
def test_given_cycle_outside_voting_when_cast_then_refused(old_town, phase):
    cycle = make_cycle(phase=phase, slug=f"p-{phase}", voting_method="approval")
    item = make_project(cycle, old_town, "1000")
    user = make_voter(f"{phase}@example.org", old_town)
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=cycle, values={item.pk: 1})
    assert _codes(caught.value) & {"voting_closed", "voting_not_open"}


def test_given_voter_under_minimum_age_when_cast_then_refused(voting_cycle, old_town):
    from datetime import date

    young = make_voter("young@example.org", old_town, birth=date.today().replace(year=2015))
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=young, cycle=voting_cycle, values=_ids(voting_cycle, "Benches"))
    assert "too_young" in _codes(caught.value)


def test_given_unverified_account_when_cast_then_refused(voting_cycle):
    user = make_user("nobody@example.org")
    with pytest.raises(ValidationError) as caught:
        ballot_cast(user=user, cycle=voting_cycle, values=_ids(voting_cycle, "Benches"))
    assert "not_verified" in _codes(caught.value)


def test_given_ballot_page_when_rule_broken_then_message_and_choices_kept(
    client, voting_cycle, voter
):
    client.force_login(voter)
    url = reverse("ballots:ballot", args=[voting_cycle.slug])
    chosen = [project(voting_cycle, "Playground").pk, project(voting_cycle, "Bike lane").pk]
    response = client.post(url, {"choice": chosen, "action": "cast"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "more than the budget" in html
    for pk in chosen:
        assert f'value="{pk}" id="choice-{pk}" data-cost' in html
        assert " checked " in html.split(f'id="choice-{pk}"')[1].split(">")[0]
    assert not Ballot.objects.exists()


def test_given_ballot_page_when_cast_then_receipt_shown_once(client, voting_cycle, voter):
    client.force_login(voter)
    url = reverse("ballots:ballot", args=[voting_cycle.slug])
    response = client.post(url, {"choice": [project(voting_cycle, "Benches").pk], "action": "cast"})
    assert response.status_code == 302
    receipt = client.get(response.url).content.decode()
    code = receipt.split('id="receipt-code">')[1].split("<")[0]
    mix_after_close(voting_cycle)
    assert Ballot.objects.get().receipt_hash == receipt_hash(code)
    again = client.get(response.url).content.decode()
    assert code not in again
    assert "shown once" in again


def test_given_check_action_when_choices_fit_then_nothing_is_cast(client, voting_cycle, voter):
    client.force_login(voter)
    url = reverse("ballots:ballot", args=[voting_cycle.slug])
    response = client.post(
        url, {"choice": [project(voting_cycle, "Benches").pk], "action": "check"}
    )
    assert response.status_code == 200
    assert "Left: 40,000 EUR" in response.content.decode()
    assert not Ballot.objects.exists()


def test_secrecy_schema_has_no_link_between_ballots_and_voters(voting_cycle):
    """No foreign key from ballots to users, census or roll; no shared column but
    cycle, district and channel; no time on a ballot."""
    tables = {
        "ballot": Ballot._meta.db_table,
        "choice": BallotChoice._meta.db_table,
        "roll": VoterRoll._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tc.table_name, ccu.table_name
            FROM information_schema.table_constraints tc
            JOIN information_schema.constraint_column_usage ccu
              ON tc.constraint_name = ccu.constraint_name
            WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name IN (%s, %s)
            """,
            [tables["ballot"], tables["choice"]],
        )
        targets = {target for _table, target in cursor.fetchall()}
        columns = {}
        for name, table in tables.items():
            cursor.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s",
                [table],
            )
            columns[name] = dict(cursor.fetchall())
    forbidden = {"pbudget_user", "ballots_voterroll", "ballots_censusentry", "ballots_booth"}
    assert not targets & forbidden
    assert targets <= {"pbudget_cycle", "pbudget_district", "proposals_proposal", tables["ballot"]}
    assert set(columns["ballot"]) & set(columns["roll"]) <= {
        "id",
        "cycle_id",
        "district_id",
        "channel",
    }
    # Ballot ids are random (uuid), not a sequence that orders ballots like the roll.
    assert columns["ballot"]["id"] == "uuid"
    assert not any("time" in kind or "date" in kind for kind in columns["ballot"].values())
    assert not any("time" in kind or "date" in kind for kind in columns["choice"].values())


def test_ballots_are_not_in_the_admin():
    from django.contrib import admin

    for model in (Ballot, BallotChoice, VoterRoll):
        assert model not in admin.site._registry


def test_ballots_for_tally_groups_by_budget_and_counts_every_voter(
    voting_cycle, old_town, citywide
):
    first = make_voter("one@example.org", old_town)
    second = make_voter("two@example.org", old_town)
    ballot_cast(user=first, cycle=voting_cycle, values=_ids(voting_cycle, "Benches", "Tram stop"))
    ballot_cast(user=second, cycle=voting_cycle, values=_ids(voting_cycle, "Library hours"))
    mix_after_close(voting_cycle)
    district = ballots_for_tally(voting_cycle, old_town)
    city = ballots_for_tally(voting_cycle, citywide)
    benches = project(voting_cycle, "Benches").pk
    assert sorted(district) == sorted([[(benches, 1)], []])
    assert sorted(city) == sorted(
        [
            [(project(voting_cycle, "Tram stop").pk, 1)],
            [(project(voting_cycle, "Library hours").pk, 1)],
        ]
    )


def test_ballots_for_tally_runs_two_queries(voting_cycle, old_town, django_assert_num_queries):
    for n in range(5):
        ballot_cast(
            user=make_voter(f"q{n}@example.org", old_town),
            cycle=voting_cycle,
            values=_ids(voting_cycle, "Benches"),
        )
    mix_after_close(voting_cycle)
    with django_assert_num_queries(2):
        assert len(ballots_for_tally(voting_cycle, old_town)) == 5


def test_phase_dates_helper_is_consistent():
    assert phase_dates("voting")["voting_opens"] < phase_dates("voting")["voting_closes"]


def test_given_a_voter_who_voted_then_the_ballot_page_says_why_it_starts_empty(
    client, voting_cycle, voter
):
    ballot_cast(user=voter, cycle=voting_cycle, values=_ids(voting_cycle, "Benches"))
    client.force_login(voter)
    html = client.get(reverse("ballots:ballot", args=[voting_cycle.slug])).content.decode()
    assert "nobody, this site included, can show you your choices" in html
    assert "Replace my ballot" in html
    benches = project(voting_cycle, "Benches").pk
    assert " checked" not in html.split(f'id="choice-{benches}"')[1].split(">")[0]
