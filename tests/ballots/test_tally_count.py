"""The count: ballots read in bulk, one result per district whatever happens, publication."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from ballots.counting import selectors, services
from ballots.models import TallyRun, TallyStatus
from ballots.tally import Ballot as TallyBallot
from ballots.tally import Election, Project, ballot_hash, parse_pabulib_string, tally
from ballots.tasks_tally import count_district
from pbudget.models import Cycle, District
from proposals.models import ProposalStatus
from tests.ballots.tally_factories import add_ballots, closed_cycle, p, vote_old_town
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_cycle(db):
    cycle = closed_cycle()
    vote_old_town(cycle)
    return cycle


@pytest.fixture
def old_town(counted_cycle):
    return District.objects.get(slug="old-town")


@pytest.fixture
def citywide(counted_cycle):
    return District.objects.get(is_citywide=True)


def ids(cycle, *titles):
    return [str(p(cycle, t).pk) for t in titles]


def test_given_ballots_when_read_for_a_district_then_grouped_with_blank_ballots_counted(
    counted_cycle, old_town
):
    election = selectors.election_for(counted_cycle, old_town)

    assert election.budget == 50000
    assert election.num_voters == 11
    groups = {b.projects: b.weight for b in election.ballots}
    assert groups == {
        tuple(sorted(ids(counted_cycle, "Playground", "Bike lane"), key=int)): 6,
        tuple(ids(counted_cycle, "Benches")): 4,
        (): 1,
    }


def test_given_ballots_when_read_for_the_citywide_budget_then_every_ballot_of_the_cycle_counts(
    counted_cycle, citywide
):
    other = District.objects.create(name="Riverside", slug="riverside")
    add_ballots(counted_cycle, other, [[p(counted_cycle, "Library hours")]], copies=2)

    election = selectors.election_for(counted_cycle, citywide)

    assert election.num_voters == 13
    assert [pr.id for pr in election.projects] == ids(counted_cycle, "Tram stop", "Library hours")
    result = tally(election, "greedy")
    assert result.votes == dict(
        zip(ids(counted_cycle, "Tram stop", "Library hours"), [6, 6], strict=True)
    )


def test_the_bitmask_and_the_array_readings_of_approval_ballots_agree(counted_cycle, old_town):
    project_ids = [p.pk for p in selectors.district_projects(counted_cycle, old_town)]
    args = (counted_cycle, old_town, "approval", project_ids)

    fast = selectors.grouped_ballots(*args)
    general = selectors.grouped_ballots(*args, use_bitmask=False)

    assert fast == general
    assert sum(n for _ids, _points, n in fast) == 11


def test_given_grouped_ballots_then_the_hash_matches_the_ballots_one_by_one(
    counted_cycle, old_town
):
    election = selectors.election_for(counted_cycle, old_town)
    one_by_one = Election(
        election.projects,
        election.budget,
        [TallyBallot(b.projects, b.points, 1) for b in election.ballots for _ in range(b.weight)],
    )
    assert ballot_hash(election) == ballot_hash(one_by_one)


def test_when_the_count_runs_then_the_official_result_and_the_comparison_are_stored(
    counted_cycle, old_town
):
    count_district.delay(cycle_id=counted_cycle.pk, district_id=old_town.pk)

    run = TallyRun.objects.get(cycle=counted_cycle, district=old_town, is_official=True)
    assert run.rule == "mes-add1"
    assert run.status == TallyStatus.DONE and run.progress == 100
    assert run.winners == ids(counted_cycle, "Bike lane", "Benches")
    assert run.votes[ids(counted_cycle, "Playground")[0]] == 6
    assert run.votes[ids(counted_cycle, "Fountain")[0]] == 0
    assert (run.budget, run.spent, run.left) == (Decimal(50000), Decimal(35000), Decimal(15000))
    assert run.num_voters == 11 and run.satisfied_voters == 10
    assert run.ballot_hash == ballot_hash(selectors.election_for(counted_cycle, old_town))
    assert "pbudget" in run.software_version and "tally" in run.software_version
    assert run.started_at <= run.finished_at
    greedy = TallyRun.objects.get(cycle=counted_cycle, district=old_town, rule="greedy")
    assert not greedy.is_official
    assert greedy.winners == ids(counted_cycle, "Bike lane", "Playground")
    assert greedy.satisfied_voters == 6
    assert greedy.left == 0


def test_when_the_count_runs_twice_then_one_result_remains(counted_cycle, old_town):
    count_district.delay(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    first = TallyRun.objects.get(cycle=counted_cycle, district=old_town, is_official=True)

    count_district.delay(cycle_id=counted_cycle.pk, district_id=old_town.pk)

    runs = TallyRun.objects.filter(cycle=counted_cycle, district=old_town)
    assert runs.filter(is_official=True).count() == 1
    assert runs.count() == 2  # the official mes-add1 row and the greedy comparison
    again = runs.get(is_official=True)
    assert again.pk == first.pk
    assert (again.winners, again.ballot_hash) == (first.winners, first.ballot_hash)
    assert again.attempts == 2


def test_the_database_refuses_a_second_official_result(counted_cycle, old_town):
    TallyRun.objects.create(cycle=counted_cycle, district=old_town, rule="mes")
    with pytest.raises(IntegrityError):
        TallyRun.objects.create(cycle=counted_cycle, district=old_town, rule="greedy")


def test_given_a_run_left_half_done_when_the_task_runs_again_then_it_finishes_the_same_row(
    counted_cycle, old_town
):
    stuck = TallyRun.objects.create(
        cycle=counted_cycle,
        district=old_town,
        rule="mes-add1",
        status=TallyStatus.RUNNING,
        progress=40,
        started_at=timezone.now() - timedelta(minutes=1),
        attempts=1,
    )

    count_district.delay(cycle_id=counted_cycle.pk, district_id=old_town.pk)

    stuck.refresh_from_db()
    assert stuck.status == TallyStatus.DONE
    assert (
        TallyRun.objects.filter(cycle=counted_cycle, district=old_town, is_official=True).count()
        == 1
    )


def test_given_the_rule_changed_when_counted_again_then_the_old_official_row_is_demoted(
    counted_cycle, old_town
):
    services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    Cycle.objects.filter(pk=counted_cycle.pk).update(tally_rule="phragmen")

    services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)

    official = TallyRun.objects.get(cycle=counted_cycle, district=old_town, is_official=True)
    assert official.rule == "phragmen"


def test_given_voting_open_when_an_administrator_starts_the_count_then_it_is_refused(db):
    cycle = closed_cycle()
    Cycle.objects.filter(pk=cycle.pk).update(voting_closes=timezone.now() + timedelta(days=1))
    cycle.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        services.count_start(cycle=cycle, district=District.objects.get(slug="old-town"), user=None)

    assert error.value.code == "voting_open"
    assert not TallyRun.objects.exists()


def test_when_the_count_is_started_then_it_runs_after_commit(
    counted_cycle, old_town, django_capture_on_commit_callbacks
):
    admin = make_user("admin@example.org", roles=["administrator"])
    with django_capture_on_commit_callbacks(execute=True):
        run = services.count_start(cycle=counted_cycle, district=old_town, user=admin)
        assert run.status == TallyStatus.QUEUED
    run.refresh_from_db()
    assert run.status == TallyStatus.DONE
    assert run.requested_by == admin


def test_given_a_count_under_way_when_started_again_then_it_is_refused(counted_cycle, old_town):
    TallyRun.objects.create(
        cycle=counted_cycle,
        district=old_town,
        rule="mes-add1",
        status=TallyStatus.RUNNING,
        started_at=timezone.now(),
    )
    with pytest.raises(ValidationError) as error:
        services.count_start(cycle=counted_cycle, district=old_town, user=None)
    assert error.value.code == "already_running"


def test_when_published_then_winners_are_funded_and_the_others_not(counted_cycle, old_town):
    run = services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    admin = make_user("admin@example.org", roles=["administrator"])

    services.results_publish(run=run, user=admin)

    statuses = dict(counted_cycle.proposals.values_list("title", "status"))
    assert statuses["Bike lane"] == statuses["Benches"] == ProposalStatus.SELECTED
    assert statuses["Playground"] == statuses["Fountain"] == ProposalStatus.NOT_SELECTED
    # the city-wide projects wait for the city-wide count
    assert statuses["Tram stop"] == statuses["Library hours"] == ProposalStatus.FEASIBLE
    run.refresh_from_db()
    assert run.published_by == admin and run.published_at is not None
    # Each project's public history records the result of the count.
    bike_lane = counted_cycle.proposals.get(title="Bike lane")
    event = bike_lane.events.order_by("-pk").first()
    assert (event.to_status, event.actor) == (ProposalStatus.SELECTED, admin)


def test_given_published_results_then_they_are_not_counted_or_published_again(
    counted_cycle, old_town
):
    run = services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    services.results_publish(run=run, user=None)
    finished = run.finished_at

    with pytest.raises(ValidationError) as error:
        services.count_start(cycle=counted_cycle, district=old_town, user=None)
    assert error.value.code == "already_published"
    with pytest.raises(ValidationError):
        services.results_publish(run=run, user=None)
    count_district.delay(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    run.refresh_from_db()
    assert run.finished_at == finished


def test_given_no_finished_count_then_publishing_is_refused(counted_cycle, old_town):
    run = TallyRun.objects.create(cycle=counted_cycle, district=old_town, rule="mes-add1")
    with pytest.raises(ValidationError) as error:
        services.results_publish(run=run, user=None)
    assert error.value.code == "not_counted"


def test_cumulative_ballots_are_counted_by_points(db):
    cycle = closed_cycle(slug="points", rule="greedy", method="cumulative")
    old_town = District.objects.get(slug="old-town")
    add_ballots(cycle, old_town, [[(p(cycle, "Benches"), 5), (p(cycle, "Playground"), 1)]], 3)
    add_ballots(cycle, old_town, [[(p(cycle, "Playground"), 4)]], 2)

    run = services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)

    assert run.votes[str(p(cycle, "Benches").pk)] == 15
    assert run.votes[str(p(cycle, "Playground").pk)] == 11
    assert run.winners == ids(cycle, "Benches", "Playground")


def test_ranked_ballots_are_counted_by_borda_score(db):
    cycle = closed_cycle(slug="ranks", rule="greedy", method="ranked")
    old_town = District.objects.get(slug="old-town")
    add_ballots(cycle, old_town, [[p(cycle, "Fountain"), p(cycle, "Benches")]], 3)
    add_ballots(cycle, old_town, [[p(cycle, "Benches"), p(cycle, "Playground")]], 2)

    run = services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)

    assert run.rule == "borda"
    # Borda: Fountain 3×2 = 6, Benches 3×1 + 2×2 = 7, Playground 2×1 = 2
    assert run.votes[str(p(cycle, "Benches").pk)] == 7
    assert run.winners == ids(cycle, "Benches", "Playground")
    # The comparison runs read the ranks as approvals (see test_tally_ranked_comparison.py).
    comparison = TallyRun.objects.filter(cycle=cycle, is_official=False)
    assert sorted(comparison.values_list("rule", flat=True)) == ["greedy", "mes-add1-greedy"]


def test_a_rule_that_cannot_count_the_ballots_leaves_a_failed_run_with_the_reason(db):
    cycle = closed_cycle(slug="phr", rule="phragmen", method="cumulative")
    old_town = District.objects.get(slug="old-town")
    add_ballots(cycle, old_town, [[(p(cycle, "Benches"), 2)]], 2)

    run = services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)

    assert run.status == TallyStatus.FAILED
    assert "approval ballots" in run.error_message
    assert run.finished_at is not None


def test_the_pabulib_export_round_trips_and_recounts_to_the_same_winners(counted_cycle, old_town):
    run = services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)
    services.results_publish(run=run, user=None)

    text = services.pabulib_export(counted_cycle, old_town)
    election = parse_pabulib_string(text)

    assert election.meta["vote_type"] == "approval"
    assert election.meta["rule"] == "equalshares/add1"
    assert election.meta["budget"] == "50000"
    assert election.num_voters == 11
    assert [b.voter_id for b in election.ballots] == [str(n) for n in range(1, 12)]
    assert tally(election, "mes-add1").selected == run.winners
    assert tally(election, "mes-add1").ballot_hash == run.ballot_hash
    selected = {pr.id for pr in election.projects if pr.extra.get("selected") == "1"}
    assert selected == set(run.winners)
    assert "@" not in text  # no e-mail, no voter identity


def test_export_of_cumulative_ballots_keeps_the_points(db):
    cycle = closed_cycle(slug="points-export", rule="greedy", method="cumulative")
    old_town = District.objects.get(slug="old-town")
    add_ballots(cycle, old_town, [[(p(cycle, "Benches"), 5), (p(cycle, "Playground"), 1)]], 2)

    election = parse_pabulib_string(services.pabulib_export(cycle, old_town))

    assert election.vote_type == "cumulative"
    assert {b.points for b in election.ballots} == {
        (1, 5) if p(cycle, "Playground").pk < p(cycle, "Benches").pk else (5, 1)
    }


def test_satisfied_voters_counts_ballots_with_a_funded_choice():
    election = Election(
        [Project("1", 10), Project("2", 10)],
        10,
        [TallyBallot(("1",), None, 3), TallyBallot(("2",), None, 2), TallyBallot((), None, 1)],
    )
    assert selectors.satisfied_voters(election, ["1"]) == 3


def test_the_count_task_is_acknowledged_late_and_requeued_if_its_worker_dies():
    assert count_district.acks_late is True
    assert count_district.reject_on_worker_lost is True


def test_an_unexpected_error_marks_the_run_failed_and_is_raised(
    counted_cycle, old_town, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(selectors, "election_for", broken)

    with pytest.raises(RuntimeError):
        services.count_run(cycle_id=counted_cycle.pk, district_id=old_town.pk)

    run = TallyRun.objects.get(cycle=counted_cycle, district=old_town, is_official=True)
    assert run.status == TallyStatus.FAILED
    assert "database went away" in run.error_message
