"""Fixtures shared by every test: users in each role, cycles in each phase, clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import make_cycle, make_user, staff_login


def clear_this_runs_cache() -> None:
    """Delete this test run's cache keys only.

    `cache.clear()` would FLUSHDB the whole Redis database: the Celery queues and any other
    run's keys (a `make run` or another test run on the same Redis) with it.
    """
    from django.conf import settings

    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (rate limits, used TOTP codes)."""
    clear_this_runs_cache()
    yield
    clear_this_runs_cache()


@pytest.fixture(autouse=True)
def _english():
    """Each test starts in English, whatever language an earlier request switched to."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def resident(db):
    return make_user("resident@example.org", roles=["resident"])


@pytest.fixture
def role_user(db):
    """Make a user holding ``role`` (with an authenticator app for staff roles)."""
    return make_user


@pytest.fixture
def cycle(db):
    """A cycle in its ideas phase with budgets for two districts."""
    return make_cycle(phase="ideas")


@pytest.fixture
def login():
    """Sign a client in as ``user``; staff sessions also pass the second factor."""

    def _login(client, user, *, mfa: bool = True):
        if mfa:
            staff_login(client, user)
        else:
            client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker):
    """Start one real Celery worker (solo pool) on this run's own Redis queue."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbudget.settings_test",
        "PBUDGET_TEST_DB_NAME": connection.settings_dict["NAME"],
    }
    log = Path(settings.BASE_DIR) / "var" / f"celery-test-{settings.RUN_ID}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pbudget", "worker", "--pool=solo",
             "--loglevel=INFO", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, cwd=settings.BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.unlink(missing_ok=True)


@pytest.fixture
def celery_worker(_celery_worker_session):
    """Send tasks to the real worker instead of running them in-process."""
    from pbudget.celery import app

    app.conf.task_always_eager = False
    yield _celery_worker_session
    app.conf.task_always_eager = True
