"""A real Celery worker is killed (SIGKILL) in the middle of a count; another one starts;
exactly one result is left in the end."""

from __future__ import annotations

import signal

import pytest

from ballots.counting import services
from ballots.models import TallyRun, TallyStatus
from pbudget.models import District
from tests.ballots.tally_factories import closed_cycle, vote_old_town
from tests.ballots.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_a_worker_killed_mid_count_when_another_starts_then_exactly_one_result(workers):
    cycle = closed_cycle()
    vote_old_town(cycle)
    old_town = District.objects.get(slug="old-town")
    slow = workers.start(delay=3)  # pauses 3 s after each step of the count

    services.count_start(cycle=cycle, district=old_town, user=None)  # queued on commit

    def mid_count():
        run = TallyRun.objects.filter(cycle=cycle, district=old_town, is_official=True).first()
        return run if run and run.status == TallyStatus.RUNNING and run.progress >= 40 else None

    def runs():
        return list(TallyRun.objects.values_list("rule", "status", "progress", "attempts"))

    run = wait_for(
        mid_count, timeout=60, what="the count to be half done", workers=workers, state=runs
    )
    workers.kill(slow)
    run.refresh_from_db()
    assert run.status == TallyStatus.RUNNING and run.finished_at is None
    assert slow.returncode == -signal.SIGKILL

    workers.start(delay=0)

    def done():
        run.refresh_from_db()
        return run.status == TallyStatus.DONE

    wait_for(done, timeout=60, what="the second count", workers=workers, state=runs)
    runs = TallyRun.objects.filter(cycle=cycle, district=old_town)
    assert runs.filter(is_official=True).count() == 1
    assert sorted(runs.values_list("rule", flat=True)) == ["greedy", "mes-add1"]
    official = runs.get(is_official=True)
    assert official.pk == run.pk
    assert official.attempts == 2  # started by the killed worker, then by the second one
    assert official.winners == [
        str(cycle.proposals.get(title=t).pk) for t in ("Bike lane", "Benches")
    ]
