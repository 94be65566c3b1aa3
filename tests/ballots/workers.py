"""Real Celery workers that a test starts and kills (SIGKILL), on a queue of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection


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


def wait_for(check, *, timeout: float, what: str, workers: Workers, state=lambda: ""):
    """Poll ``check`` until it returns something true; fail with the workers' log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    log = workers.log.read_text()[-3000:] if workers.log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}; {state()}\n{log}")
