"""Under concurrent submissions: one ballot per voter, and never an over-budget one."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ballots.models import Ballot, BallotChoice, VoterRoll
from ballots.services import ballot_cast
from tests.ballots.conftest import project
from tests.ballots.factories import mix_after_close, sealed_ballots

pytestmark = pytest.mark.django_db(transaction=True)


def _run_concurrently(count, work):
    barrier = threading.Barrier(count)
    outcomes = []
    lock = threading.Lock()

    def runner(index):
        try:
            barrier.wait()
            result = work(index)
            with lock:
                outcomes.append(("ok", result))
        except ValidationError as error:
            with lock:
                outcomes.append(("refused", error))
        except Exception as error:  # an IntegrityError here would be a bug
            with lock:
                outcomes.append(("error", error))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_fifty_concurrent_submissions_from_one_account_leave_one_ballot(voting_cycle, voter):
    benches = project(voting_cycle, "Benches").pk
    outcomes = _run_concurrently(
        50, lambda _n: ballot_cast(user=voter, cycle=voting_cycle, values={benches: 1})
    )
    assert [kind for kind, _ in outcomes].count("ok") == 50, outcomes
    assert len(sealed_ballots(voting_cycle)) == 50
    mix_after_close(voting_cycle)
    assert Ballot.objects.count() == 1
    assert VoterRoll.objects.count() == 1
    assert BallotChoice.objects.count() == 1


def test_concurrent_edits_never_leave_an_over_budget_or_mixed_ballot(voting_cycle, voter):
    """Each submission fits the 50,000 budget alone; mixing two would not."""
    options = [
        {project(voting_cycle, "Playground").pk: 1, project(voting_cycle, "Benches").pk: 1},
        {project(voting_cycle, "Bike lane").pk: 1, project(voting_cycle, "Benches").pk: 1},
        {project(voting_cycle, "Playground").pk: 1},
        {project(voting_cycle, "Bike lane").pk: 1},
    ]
    outcomes = _run_concurrently(
        24,
        lambda n: ballot_cast(user=voter, cycle=voting_cycle, values=options[n % len(options)]),
    )
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    mix_after_close(voting_cycle)
    ballot = Ballot.objects.get()
    chosen = {c.proposal_id: 1 for c in ballot.choices.all()}
    assert chosen in options
    total = sum(
        (c.proposal.official_cost for c in ballot.choices.select_related("proposal")),
        Decimal("0"),
    )
    assert total <= Decimal("50000")
