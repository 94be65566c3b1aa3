"""Housekeeping: expired export files, images held for abandoned forms and expired sessions
are deleted on a schedule (Celery beat), by `manage.py housekeeping`, and nothing else is."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from coproduction.finance import services
from pbudget import registry
from pbudget.celery import app
from pbudget.tasks import housekeeping
from proposals import pending
from tests.coproduction.test_finance_world import (  # noqa: F401
    build_world,
    export_dir_fixture,
    world_fixture,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _taxonomy(request):
    """The finance world needs the skills of a data migration, which a transactional test
    may have emptied: put them back first."""
    if "world" in request.fixturenames:
        from coproduction.skills import ensure_taxonomy

        ensure_taxonomy()


def _session(key: str, expires) -> None:
    Session.objects.create(session_key=key, session_data="e30:", expire_date=expires)


def _held(name: str, modified) -> str:
    path = default_storage.save(f"{pending.FOLDER}/{name}", ContentFile(b"image"))
    stamp = modified.timestamp()
    os.utime(default_storage.path(path), (stamp, stamp))
    return path


def test_every_app_registers_its_cleanup():
    assert sorted(name for name, _fn in registry.CLEANUPS) == [
        "census uploads",
        "expired export files",
        "expired sessions",
        "held proposal images",
    ]


def test_housekeeping_removes_what_has_expired_and_keeps_the_rest(world, export_dir):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    services.export_run(job_id=job.pk)
    later = timezone.now() + timedelta(hours=25)  # the export link (24 h) has expired
    _session("expired", later - timedelta(minutes=1))
    _session("live", later + timedelta(days=1))
    stale = _held("stale.jpg", later - timedelta(hours=25))
    fresh = _held("fresh.jpg", later - timedelta(hours=23))

    with time_machine.travel(later):
        assert housekeeping() == {
            "expired sessions": 1,
            "held proposal images": 1,
            "census uploads": 0,
            "expired export files": 1,
        }
        # A second pass finds nothing more.
        assert set(housekeeping().values()) == {0}

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert not default_storage.exists(stale) and default_storage.exists(fresh)
    assert list(export_dir.iterdir()) == []
    assert type(job).objects.filter(pk=job.pk).exists()  # the audit keeps the job


def test_an_unexpired_export_file_is_kept(world, export_dir):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    services.export_run(job_id=job.pk)

    assert housekeeping()["expired export files"] == 0
    assert len(list(export_dir.iterdir())) == 1


def test_no_held_images_folder_is_not_an_error():
    assert pending.purge_stale() == 0


def test_a_failing_cleanup_is_logged_and_the_others_still_run(monkeypatch, caplog):
    ran = []

    def broken() -> int:
        raise OSError("disk gone")

    monkeypatch.setattr(
        registry, "CLEANUPS", [("broken", broken), ("fine", lambda: ran.append(1) or 3)]
    )

    assert housekeeping() == {"broken": None, "fine": 3}
    assert ran == [1]
    assert "housekeeping: broken failed" in caplog.text and "disk gone" in caplog.text


def test_the_command_prints_what_it_removed(capsys):
    _session("expired", timezone.now() - timedelta(minutes=1))

    call_command("housekeeping")

    out = capsys.readouterr().out
    assert "expired sessions: 1 removed" in out
    assert "held proposal images: 0 removed" in out


def test_the_command_fails_when_a_cleanup_fails(monkeypatch):
    monkeypatch.setattr(registry, "CLEANUPS", [("broken", lambda: 1 / 0)])

    with pytest.raises(CommandError, match="a clean-up failed"):
        call_command("housekeeping")


def test_beat_schedules_housekeeping_every_configured_interval():
    entry = django_settings.CELERY_BEAT_SCHEDULE["housekeeping"]
    assert entry["task"] == "pbudget.tasks.housekeeping" and entry["task"] in app.tasks
    assert entry["schedule"] == django_settings.PBUDGET_HOUSEKEEPING_SECONDS == 3600


@pytest.mark.django_db(transaction=True)
def test_a_real_beat_sends_housekeeping_to_a_real_worker(celery_worker, tmp_path):
    """`celery beat` (what `make run` starts inside its worker) queues the task on time."""
    _session("expired", timezone.now() - timedelta(minutes=1))
    _session("live", timezone.now() + timedelta(days=1))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbudget.settings_test",
        "PBUDGET_TEST_DB_NAME": connection.settings_dict["NAME"],
        "PBUDGET_HOUSEKEEPING_SECONDS": "1",
    }
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pbudget", "beat", "--loglevel=INFO",
         f"--schedule={tmp_path / 'beat-schedule'}", "--max-interval=1"],
        env=env, cwd=django_settings.BASE_DIR, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while Session.objects.filter(session_key="expired").exists():
            assert time.monotonic() < deadline, "beat did not run housekeeping within 60 s"
            assert beat.poll() is None, "celery beat exited"
            time.sleep(0.5)
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=20)
    assert Session.objects.filter(session_key="live").exists()
