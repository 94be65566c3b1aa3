"""Census import: COPY into staging, checked, moved in one transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ballots.hashing import document_hash
from ballots.models import CensusEntry, CensusImport, ImportStatus
from ballots.services import census_import_run, census_import_start
from pbudget import roles
from tests.ballots.factories import make_entry
from tests.factories import make_user, staff_login

GOOD = (
    "document_number,birth_date,postal_code,district\n"
    "11111111A,1980-02-03,28001,old-town\n"
    "22222222B,1975-12-31,28 002,Old Town\n"
    "33333333C,2001-07-04,28003,old-town\n"
)


@pytest.fixture(autouse=True)
def _census_dir(settings, tmp_path):
    settings.PBUDGET_CENSUS_DIR = tmp_path / "census"


def _start(text: str, admin) -> CensusImport:
    upload = SimpleUploadedFile("census.csv", text.encode(), content_type="text/csv")
    return census_import_start(user=admin, uploaded_file=upload)


@pytest.fixture
def admin(db):
    return make_user("admin@example.org", roles=[roles.ADMINISTRATOR])


@pytest.mark.django_db(transaction=True)
def test_given_good_file_when_imported_then_entries_hashed_and_file_deleted(old_town, admin):
    record = _start(GOOD, admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.error_message
    assert (record.total_rows, record.created_rows, record.updated_rows) == (3, 3, 0)
    entry = CensusEntry.objects.get(document_hash=document_hash("22222222B"))
    assert entry.postal_code == "28002"
    assert str(entry.birth_date) == "1975-12-31"
    assert not Path(record.source_path).exists()
    assert "22222222B" not in str(list(CensusEntry.objects.values_list()))


@pytest.mark.django_db(transaction=True)
def test_given_existing_entry_when_reimported_then_updated_and_claim_kept(old_town, admin):
    holder = make_user("holder@example.org")
    make_entry("11111111A", old_town, postal="99999", claimed_by=holder)
    record = _start(GOOD, admin)
    record.refresh_from_db()
    assert (record.created_rows, record.updated_rows) == (2, 1)
    entry = CensusEntry.objects.get(document_hash=document_hash("11111111A"))
    assert entry.postal_code == "28001"
    assert entry.claimed_by == holder


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("bad_line", "line", "problem"),
    [
        ("44444444D,1980-13-01,28004,old-town", 4, "not a birth date"),
        ("44444444D,1980-01-01,28004,atlantis", 4, "Unknown district"),
        ("44444444D,1980-01-01,28004,city-wide", 4, "not in the city-wide one"),
        ("44444444D,1980-01-01,28004", 4, "Expected 4 columns"),
        ("X,1980-01-01,28004,old-town", 4, "3 to 40 letters"),
        ("44444444D,1980-01-01,28 00#4,old-town", 4, "not a postal code"),
        ("22-222-222-b,1980-01-01,28004,old-town", 4, "already on line 3"),
    ],
)
def test_given_bad_row_then_nothing_changes_and_report_names_line(
    old_town, citywide, admin, bad_line, line, problem
):
    make_entry("55555555E", old_town, postal="11111")
    lines = GOOD.splitlines()
    text = "\n".join([*lines[:3], bad_line, lines[3]]) + "\n"
    record = _start(text, admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert record.error_line == line
    assert problem in record.error_message
    assert CensusEntry.objects.count() == 1
    assert not Path(record.source_path).exists()


@pytest.mark.django_db(transaction=True)
def test_given_header_missing_a_column_then_line_1_is_named(old_town, admin):
    record = _start("document_number,birth_date,district\nA1,1980-01-01,old-town\n", admin)
    record.refresh_from_db()
    assert record.error_line == 1
    assert "postal_code" in record.error_message


@pytest.mark.django_db
def test_given_finished_import_when_task_runs_again_then_nothing_happens(old_town, admin):
    record = CensusImport.objects.create(
        created_by=admin, file_name="x.csv", status=ImportStatus.DONE, created_rows=7
    )
    assert census_import_run(census_import_id=record.pk).created_rows == 7


@pytest.mark.django_db(transaction=True)
def test_given_admin_uploads_on_page_then_progress_page_reports_done(client, old_town, admin):
    staff_login(client, admin)
    upload = SimpleUploadedFile("census.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("ballots:census_home"), {"file": upload})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Imported 3 rows" in page
    progress = client.get(response.url + "progress/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in progress.content.decode()  # finished: polling stops


@pytest.mark.django_db(transaction=True)
def test_given_running_import_then_progress_block_polls_and_offers_refresh(client, admin):
    record = CensusImport.objects.create(
        created_by=admin, file_name="x.csv", status=ImportStatus.RUNNING, total_rows=10
    )
    staff_login(client, admin)
    html = client.get(reverse("ballots:census_import_progress", args=[record.pk])).content
    assert b'hx-trigger="every 1s"' in html
    assert b"Refresh" in html


@pytest.mark.django_db(transaction=True)
def test_given_real_worker_when_file_uploaded_then_worker_imports_it(
    old_town, admin, celery_worker, settings
):
    import time

    from django.conf import settings as live

    settings.PBUDGET_CENSUS_DIR = Path(live.BASE_DIR) / "var" / "census"
    record = _start(GOOD, admin)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.is_finished:
            break
        time.sleep(0.2)
    log = Path(live.BASE_DIR) / "var" / f"celery-test-{live.RUN_ID}.log"
    assert record.status == ImportStatus.DONE, log.read_text()[-3000:]
    assert CensusEntry.objects.count() == 3
