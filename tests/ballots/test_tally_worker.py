"""A real Celery worker is killed (SIGKILL) in the middle of a count; another one starts;
exactly one result is left in the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from ballots import tasks_tally
from ballots.counting import services
from ballots.models import TallyRun, TallyStatus
from pbudget.models import District
from tests.ballots.tally_factories import closed_cycle, vote_old_town

pytestmark = pytest.mark.django_db(transaction=True)


class Workers:
    """Start and kill real Celery workers on a queue of this test's own."""

    def __init__(self, queue: str) -> None:
        self.queue = queue
        self.processes: list[subprocess.Popen] = []
        self.log = Path(settings.BASE_DIR) / "var" / f"celery-tally-kill-{queue}.log"

    def start(self, *, delay: float = 0) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.ballots.tally_worker_settings",
            "PBUDGET_TEST_DB_NAME": connection.settings_dict["NAME"],
            "PBUDGET_TALLY_KILL_QUEUE": self.queue,
            "PBUDGET_TALLY_TEST_DELAY": str(delay),
        }
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "a") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "pbudget", "worker", "--pool=solo",
                 "--loglevel=INFO", "-Q", self.queue, "-n", f"{uuid.uuid4().hex[:8]}@tally",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"],
                env=env, cwd=settings.BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        self.log.unlink(missing_ok=True)


@pytest.fixture
def workers(monkeypatch):
    from pbudget.celery import app

    queue = f"pbudget-tally-kill-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(tasks_tally, "ENQUEUE_OPTIONS", {"queue": queue})
    app.conf.task_always_eager = False
    pool = Workers(queue)
    yield pool
    pool.stop_all()
    app.conf.task_always_eager = True


def wait_for(check, *, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    state = list(TallyRun.objects.values_list("rule", "status", "progress", "attempts"))
    log = workers.log.read_text()[-3000:] if workers.log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}; runs: {state}\n{log}")


def test_given_a_worker_killed_mid_count_when_another_starts_then_exactly_one_result(workers):
    cycle = closed_cycle()
    vote_old_town(cycle)
    old_town = District.objects.get(slug="old-town")
    slow = workers.start(delay=3)  # pauses 3 s after each step of the count

    services.count_start(cycle=cycle, district=old_town, user=None)  # queued on commit

    def mid_count():
        run = TallyRun.objects.filter(cycle=cycle, district=old_town, is_official=True).first()
        return run if run and run.status == TallyStatus.RUNNING and run.progress >= 40 else None

    run = wait_for(mid_count, timeout=60, what="the count to be half done", workers=workers)
    workers.kill(slow)
    run.refresh_from_db()
    assert run.status == TallyStatus.RUNNING and run.finished_at is None
    assert slow.returncode == -signal.SIGKILL

    workers.start(delay=0)

    def done():
        run.refresh_from_db()
        return run.status == TallyStatus.DONE

    wait_for(done, timeout=60, what="the second worker to finish the count", workers=workers)
    runs = TallyRun.objects.filter(cycle=cycle, district=old_town)
    assert runs.filter(is_official=True).count() == 1
    assert sorted(runs.values_list("rule", flat=True)) == ["greedy", "mes-add1"]
    official = runs.get(is_official=True)
    assert official.pk == run.pk
    assert official.attempts == 2  # started by the killed worker, then by the second one
    assert official.winners == [
        str(cycle.proposals.get(title=t).pk) for t in ("Bike lane", "Benches")
    ]
