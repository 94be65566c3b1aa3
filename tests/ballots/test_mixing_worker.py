"""A real Celery worker is killed (SIGKILL) in the middle of mixing a batch; another one
starts; every ballot ends up mixed exactly once."""

from __future__ import annotations

import signal
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from ballots.hashing import receipt_hash
from ballots.models import Ballot, BallotLink, SealedBallot, VoterRoll
from ballots.services import ballot_cast
from ballots.tasks import mix_ballot_box
from pbudget.models import Cycle
from tests.ballots.conftest import project
from tests.ballots.factories import make_voter
from tests.ballots.workers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VOTERS = 30


def _dsn() -> str:
    params = connection.get_connection_params()
    keys = ("dbname", "user", "host", "port", "password")
    return " ".join(f"{key}={params[key]}" for key in keys if params.get(key))


def _mixing_backends(conn) -> list[tuple]:
    """Backends of other connections writing mixed ballots, and what they wait for."""
    return conn.execute(
        "SELECT pid, wait_event_type, state FROM pg_stat_activity "
        "WHERE pid <> pg_backend_pid() AND query LIKE 'COPY \"ballots_ballot\" %'"
    ).fetchall()


def test_given_a_worker_killed_mid_batch_when_another_starts_then_each_ballot_is_mixed_once(
    workers, voting_cycle, old_town
):
    receipts = set()
    for n in range(VOTERS):
        user = make_voter(f"k{n}@example.org", old_town, document=f"KILL-{n}")
        result = ballot_cast(
            user=user, cycle=voting_cycle, values={project(voting_cycle, "Benches").pk: 1}
        )
        receipts.add(receipt_hash(result.receipt_code))
    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_closes=timezone.now() - timedelta(minutes=1)
    )

    def state() -> str:
        return f"sealed {SealedBallot.objects.count()}, mixed {Ballot.objects.count()}"

    # Hold the ballot table so the worker stops inside its batch's transaction, after it
    # took the batch out of the box and before the batch's ballots are written.
    with psycopg.connect(_dsn()) as blocker, psycopg.connect(_dsn(), autocommit=True) as watch:
        blocker.execute("LOCK TABLE ballots_ballot IN SHARE MODE")
        first = workers.start()
        mix_ballot_box.apply_async(kwargs={"cycle_id": voting_cycle.pk}, queue=workers.queue)
        wait_for(
            lambda: any(wait == "Lock" for _pid, wait, _s in _mixing_backends(watch)),
            timeout=60,
            what="the worker to be in the middle of a batch",
            workers=workers,
            state=state,
        )
        workers.kill(first)
        assert first.returncode == -signal.SIGKILL
        blocker.rollback()  # the lock goes; the dead worker's transaction is rolled back
        wait_for(
            lambda: not _mixing_backends(watch),
            timeout=60,
            what="the killed worker's transaction to end",
            workers=workers,
            state=state,
        )

    # Nothing half done: every ballot is still sealed, none mixed.
    assert SealedBallot.objects.filter(cycle=voting_cycle).count() == VOTERS
    assert not Ballot.objects.exists()
    assert VoterRoll.objects.filter(cycle=voting_cycle).count() == VOTERS

    workers.start()  # the unacknowledged task is delivered to it again
    wait_for(
        lambda: not SealedBallot.objects.exists(),
        timeout=60,
        what="the second worker to mix the box",
        workers=workers,
        state=state,
    )
    assert Ballot.objects.filter(cycle=voting_cycle).count() == VOTERS
    assert set(Ballot.objects.values_list("receipt_hash", flat=True)) == receipts
    assert not BallotLink.objects.exists()  # erased after the close
