"""Work whose message was lost is redelivered or given up, and leaves no secrets behind.

A task taken by a worker that dies goes back to the queue within minutes; an export still
"preparing" long after it started is marked failed and frees its place among the three
open exports; census uploads (document numbers in clear) that no import waits for are
deleted by housekeeping after an hour.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ballots.models import CensusImport, ImportStatus
from coproduction.finance import services as finance
from coproduction.models import ExportJob, ExportStatus
from pbudget import roles
from pbudget.celery import app
from pbudget.tasks import housekeeping
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db


def test_a_lost_task_is_redelivered_within_minutes_not_an_hour():
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 15 * 60
    with app.connection_for_write() as connection:
        # What kombu's Redis channel actually uses to restore unacknowledged messages.
        assert connection.default_channel.visibility_timeout <= 15 * 60


@pytest.fixture
def officer(db):
    return make_user("treasurer@example.org", roles=[roles.FINANCE_OFFICER])


@pytest.fixture
def cycle(db):
    return make_cycle(phase="implementation", slug="finance-2026")


def _job(user, cycle, status, *, minutes_ago: int) -> ExportJob:
    job = ExportJob.objects.create(
        requested_by=user,
        cycle=cycle,
        format="csv",
        status=status,
        token=os.urandom(16).hex(),
        expires_at=timezone.now() + timedelta(hours=24),
    )
    then = timezone.now() - timedelta(minutes=minutes_ago)
    started = then if status == ExportStatus.RUNNING else None
    ExportJob.objects.filter(pk=job.pk).update(created_at=then, started_at=started)
    return job


def test_exports_stuck_preparing_are_marked_failed_and_stop_counting_against_the_limit(
    officer, cycle, settings, tmp_path
):
    settings.PBUDGET_EXPORT_DIR = tmp_path / "exports"
    stuck = [
        _job(officer, cycle, ExportStatus.RUNNING, minutes_ago=120),
        _job(officer, cycle, ExportStatus.QUEUED, minutes_ago=90),
    ]
    live = _job(officer, cycle, ExportStatus.RUNNING, minutes_ago=5)

    finance.export_request(user=officer, cycle=cycle, fmt="csv")

    for job in stuck:
        job.refresh_from_db()
        assert job.status == ExportStatus.FAILED
        assert job.error
    live.refresh_from_db()
    assert live.status == ExportStatus.RUNNING
    # The live one and the new one count, with one more place left.
    finance.export_request(user=officer, cycle=cycle, fmt="csv")
    with pytest.raises(ValidationError) as error:
        finance.export_request(user=officer, cycle=cycle, fmt="csv")
    assert error.value.code == "too_many_exports"


def test_housekeeping_marks_stuck_exports_failed(officer, cycle):
    job = _job(officer, cycle, ExportStatus.RUNNING, minutes_ago=120)
    housekeeping()
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED


def _upload(directory, name: str, *, minutes_ago: int):
    path = directory / name
    path.write_text("document,district\nX1234567A,old-town\n")
    stamp = time.time() - minutes_ago * 60
    os.utime(path, (stamp, stamp))
    return path


def test_housekeeping_deletes_old_census_uploads_no_import_waits_for(settings, tmp_path):
    directory = settings.PBUDGET_CENSUS_DIR = tmp_path / "census"
    directory.mkdir()
    orphan = _upload(directory, "orphan.csv", minutes_ago=120)
    of_finished = _upload(directory, "finished.csv", minutes_ago=120)
    fresh = _upload(directory, "fresh.csv", minutes_ago=10)
    queued = _upload(directory, "queued.csv", minutes_ago=120)
    running = _upload(directory, "running.csv", minutes_ago=120)
    for path, status in (
        (of_finished, ImportStatus.DONE),
        (queued, ImportStatus.QUEUED),
        (running, ImportStatus.RUNNING),
    ):
        CensusImport.objects.create(file_name=path.name, source_path=str(path), status=status)

    assert housekeeping()["census uploads"] == 2

    assert not orphan.exists() and not of_finished.exists()
    assert fresh.exists() and queued.exists() and running.exists()
