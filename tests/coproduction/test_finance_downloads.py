"""Exports through the page: progress, one download by the person who asked, 24-hour expiry,
the audit log, and the task through a real Celery worker."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduction.finance import formats, services
from coproduction.models import ExportJob, FinanceAuditLog
from coproduction.tasks_finance import run_export
from tests.coproduction.test_finance_world import (  # noqa: F401
    build_world,
    export_dir_fixture,
    world_fixture,
)
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db


def _ask(client, world, fmt, capture):
    staff_login(client, world["finance"])
    url = reverse("coproduction:finance_export_create", args=[world["cycle"].slug])
    with capture(execute=True):
        response = client.post(url, {"format": fmt})
    assert response.status_code == 302
    return ExportJob.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_officer_downloads_the_csv_once_and_then_gets_a_clear_page(
    client, world, django_capture_on_commit_callbacks, export_dir
):
    job = _ask(client, world, "csv", django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.progress) == ("done", 100)
    page = client.get(reverse("coproduction:finance_export", args=[job.pk]))
    link = reverse("coproduction:finance_download", args=[job.token])
    assert link in page.text

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(link)
    again = client.get(link)

    assert first.status_code == 200
    assert first["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="finance-2026-2026-budget-lines.csv"' in first["Content-Disposition"]
    assert first["Cache-Control"] == "no-store"
    body = _body(first).decode()
    assert body.startswith("fiscal_year,fund,department,")
    assert "Benches for the riverside" in body
    assert again.status_code == 410
    assert "used already" in again.text
    assert list(export_dir.iterdir()) == []  # the file is gone once handed out
    actions = list(
        FinanceAuditLog.objects.filter(job=job).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["export-requested", "export-finished", "downloaded", "download-refused"]
    downloaded = FinanceAuditLog.objects.get(job=job, action="downloaded")
    assert downloaded.actor == world["finance"]
    assert downloaded.detail["sha256"] == job.sha256


@pytest.mark.parametrize(("fmt", "kind"), [("xlsx", "spreadsheetml"), ("fdp", "zip")])
def test_the_workbook_and_the_package_download_as_files(
    client, world, django_capture_on_commit_callbacks, fmt, kind
):
    job = _ask(client, world, fmt, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.rows_total == 4 and job.rows_written == 4

    response = client.get(reverse("coproduction:finance_download", args=[job.token]))

    assert response.status_code == 200
    assert kind in response["Content-Type"]
    assert _body(response)[:2] == b"PK"


def test_the_link_works_for_24_hours_and_then_expires(
    client, world, django_capture_on_commit_callbacks
):
    job = _ask(client, world, "disclosure-csv", django_capture_on_commit_callbacks)
    link = reverse("coproduction:finance_download", args=[job.token])

    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        staff_login(client, world["finance"])
        expired = client.get(link)
    assert expired.status_code == 410
    assert "expired" in expired.text
    refused = FinanceAuditLog.objects.get(job=job, action="download-refused")
    assert refused.detail == {"reason": "expired"}


def test_the_link_still_works_just_before_it_expires(
    client, world, django_capture_on_commit_callbacks
):
    job = _ask(client, world, "csv", django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + timedelta(hours=23, minutes=59)):
        staff_login(client, world["finance"])
        response = client.get(reverse("coproduction:finance_download", args=[job.token]))

    assert response.status_code == 200


def test_expired_files_are_purged_but_the_job_stays_for_the_audit(world, export_dir):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    services.export_run(job_id=job.pk)
    assert len(list(export_dir.iterdir())) == 1

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert services.export_purge_expired() == 1

    assert list(export_dir.iterdir()) == []
    assert ExportJob.objects.filter(pk=job.pk).exists()


def test_the_progress_partial_polls_while_running_and_stops_when_done(client, world):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="fdp")
    staff_login(client, world["finance"])
    url = reverse("coproduction:finance_export", args=[job.pk])

    waiting = client.get(url, headers={"HX-Request": "true"})
    services.export_run(job_id=job.pk)
    done = client.get(url, headers={"HX-Request": "true"})
    full = client.get(url)

    assert 'hx-trigger="every 1s"' in waiting.text and "<h1>" not in waiting.text
    assert "Waiting for a worker" in waiting.text and "Refresh" in waiting.text
    assert "hx-trigger" not in done.text
    assert reverse("coproduction:finance_download", args=[job.token]) in done.text
    assert full.text.count("<h1>") == 1


def test_running_the_task_twice_writes_the_file_once(world, export_dir):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")

    assert run_export(job_id=job.pk) == "done"
    finished = ExportJob.objects.get(pk=job.pk).finished_at
    assert run_export(job_id=job.pk) == "done"

    assert ExportJob.objects.get(pk=job.pk).finished_at == finished
    assert FinanceAuditLog.objects.filter(job=job, action="export-finished").count() == 1
    assert [path.name for path in export_dir.iterdir()] == [f"export-{job.pk}.csv"]


def test_a_person_may_have_three_exports_in_progress_at_most(world):
    for _ in range(services.MAX_OPEN_EXPORTS):
        services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")

    with pytest.raises(services.ValidationError) as error:
        services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")

    assert error.value.code == "too_many_exports"


def test_the_finance_audit_log_refuses_update_and_delete(world):
    entry = FinanceAuditLog.objects.filter(action="code-changed").first()
    assert entry is not None

    for change in (
        lambda: FinanceAuditLog.objects.filter(pk=entry.pk).update(new_value="forged"),
        lambda: FinanceAuditLog.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()

    entry.refresh_from_db()
    assert entry.new_value == "100 General Fund"


def test_a_failed_export_is_reported_and_offers_nothing(client, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(formats, "write_export", broken)
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    services.export_run(job_id=job.pk)
    staff_login(client, world["finance"])

    page = client.get(reverse("coproduction:finance_export", args=[job.pk]))
    download = client.get(reverse("coproduction:finance_download", args=[job.token]))

    assert "The export failed" in page.text
    assert download.status_code == 410
    assert FinanceAuditLog.objects.filter(job=job, action="export-failed").exists()


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_on_a_real_worker_with_progress(client, celery_worker, settings):
    # The worker is another process: it writes where its own settings say.
    var = Path(os.environ.get("PBUDGET_VAR_DIR", settings.BASE_DIR / "var"))
    settings.PBUDGET_EXPORT_DIR = var / "exports"
    world = build_world()
    other = make_user("other-finance@example.org", roles=["finance officer"])

    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="fdp")
    deadline = time.monotonic() + 120  # the worker may still be starting
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.2)

    assert job.status == "done", job.error
    assert job.progress == 100 and job.rows_written == 4
    staff_login(client, other)
    assert client.get(reverse("coproduction:finance_download", args=[job.token])).status_code == 403
    staff_login(client, world["finance"])
    response = client.get(reverse("coproduction:finance_download", args=[job.token]))
    assert response.status_code == 200
    assert _body(response)[:2] == b"PK"


def test_a_head_request_does_not_use_up_the_link(client, world):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    services.export_run(job_id=job.pk)
    staff_login(client, world["finance"])
    link = reverse("coproduction:finance_download", args=[job.token])

    assert client.head(link).status_code == 405
    assert client.get(link).status_code == 200
