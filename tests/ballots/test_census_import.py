"""Census import: COPY into staging, checked, moved in one transaction."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from ballots import census
from ballots.hashing import document_hash, normalise_document
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


def _census_text(rows: list[str]) -> str:
    return "document_number,birth_date,postal_code,district\n" + "\n".join(rows) + "\n"


@pytest.mark.django_db(transaction=True)
def test_given_file_with_new_and_known_numbers_then_each_counted_once_and_claims_kept(
    old_town, admin
):
    """Known numbers are updated (written in any form), the others added."""
    holder = make_user("holder@example.org")
    make_entry("10000001A", old_town, postal="99999", claimed_by=holder)
    make_entry("10000002B", old_town, postal="99999")
    rows = [f"{10000000 + n}{'AB'[n % 2]},1980-02-03,28001,old-town" for n in range(3, 203)]
    rows[50:50] = ["10.000.001-a,1970-01-01,28 010,Old Town", "10000002b,1971-01-01,28011,old-town"]
    record = _start(_census_text(rows), admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.error_message
    assert (record.total_rows, record.created_rows, record.updated_rows) == (202, 200, 2)
    assert CensusEntry.objects.count() == 202
    first = CensusEntry.objects.get(document_hash=document_hash("10000001A"))
    assert (str(first.birth_date), first.postal_code, first.claimed_by) == (
        "1970-01-01",
        "28010",
        holder,
    )
    second = CensusEntry.objects.get(document_hash=document_hash("10000002B"))
    assert (str(second.birth_date), second.postal_code) == ("1971-01-01", "28011")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("last_row", "problem"),
    [
        ("90000000Z,1980-02-30,28001,old-town", "not a birth date"),
        ("00000100A,1990-01-01,28001,old-town", "already on line 101"),  # a new number
        ("00000001a,1990-01-01,28001,old-town", "already on line 2"),  # a known number
    ],
)
def test_given_bad_row_at_the_end_of_a_long_file_then_nothing_changes(
    old_town, admin, last_row, problem
):
    """Rows before the bad one, updates and additions alike, are not kept."""
    make_entry("00000001A", old_town, postal="11111")
    rows = [f"{n:08d}A,1980-02-03,28001,old-town" for n in range(1, 20_000)]
    record = _start(_census_text([*rows, last_row]), admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert record.error_line == 20_001
    assert problem in record.error_message
    assert list(CensusEntry.objects.values_list("postal_code", flat=True)) == ["11111"]


@pytest.mark.django_db(transaction=True)
def test_given_database_refuses_the_new_rows_then_the_updates_are_undone_too(
    old_town, admin, monkeypatch
):
    """Updates and additions are two statements of one transaction."""
    make_entry("11111111A", old_town, postal="99999")
    lookup = census._district_lookup
    # A district that is gone by the time the rows are written: the foreign key refuses
    # the new rows when the transaction commits, after the update has run.
    monkeypatch.setattr(census, "_district_lookup", lambda: {**lookup(), "old-town": 10**9})
    record = _start(GOOD, admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.FAILED
    assert "nothing was changed" in record.error_message
    entry = CensusEntry.objects.get()
    assert (entry.postal_code, entry.district) == ("99999", old_town)


@pytest.mark.django_db(transaction=True)
def test_given_import_when_rows_are_copied_then_progress_is_in_the_cache(old_town, tmp_path):
    rows = [f"{n:08d}A,1980-02-03,28001,old-town" for n in range(1, 120_001)]
    path = tmp_path / "census.csv"
    path.write_text(_census_text(rows))
    counts = census.import_census_file(path, import_id=777, today=date(2026, 11, 30))
    assert (counts.created, counts.updated, counts.kept_district) == (120_000, 0, 0)
    assert cache.get(census.progress_key(777)) == 120_000
    cache.delete(census.progress_key(777))


@pytest.mark.django_db
def test_given_entry_when_same_hash_added_again_then_database_refuses(old_town):
    """One census entry per document number, enforced by the database itself."""
    make_entry("11111111A", old_town)
    with pytest.raises(IntegrityError), transaction.atomic():
        CensusEntry.objects.bulk_create(
            [
                CensusEntry(
                    document_hash=document_hash("11111111A"),
                    district=old_town,
                    birth_date=date(1990, 1, 1),
                    postal_code="28001",
                )
            ]
        )


@pytest.mark.parametrize(
    "number", ["11111111A", "12.345.678-z", " x9y ", "ÑANDU123", "a" * 40, "Straße-77"]
)
@pytest.mark.parametrize("key", ["short", "k" * 64, "a much longer key " * 8])
def test_census_import_hash_is_the_document_hash(settings, number, key):
    settings.PBUDGET_HMAC_KEY = key
    assert census._census_hasher()(normalise_document(number)) == document_hash(number)


@pytest.mark.django_db(transaction=True)
def test_given_a_voter_in_an_open_vote_when_the_census_moves_them_then_they_keep_their_district(
    voting_cycle, old_town, admin, client
):
    """Their ballot (and any new one) counts where their voter-roll row says, with that
    district's projects; the import says so, and moves them once voting has closed."""
    from datetime import timedelta

    from django.utils import timezone

    from ballots.services import ballot_cast
    from pbudget.models import Cycle
    from tests.ballots.conftest import project
    from tests.ballots.factories import make_voter
    from tests.factories import DistrictFactory

    riverside = DistrictFactory(name="Riverside", slug="riverside")
    voter = make_voter("moved@example.org", old_town, document="11111111A")
    ballot_cast(user=voter, cycle=voting_cycle, values={project(voting_cycle, "Benches").pk: 1})
    make_entry("22222222B", old_town)  # has not voted
    moves = (
        "document_number,birth_date,postal_code,district\n"
        "11111111A,1990-05-17,28001,riverside\n"
        "22222222B,1990-05-17,28002,riverside\n"
    )
    record = _start(moves, admin)
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE, record.error_message
    assert (record.updated_rows, record.kept_district_rows) == (2, 1)
    voted = CensusEntry.objects.get(document_hash=document_hash("11111111A"))
    assert voted.district == old_town
    assert CensusEntry.objects.get(document_hash=document_hash("22222222B")).district == riverside
    staff_login(client, admin)
    page = client.get(reverse("ballots:census_import", args=[record.pk])).content.decode()
    assert "1 person moves to another district in the file but has already voted" in page

    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_closes=timezone.now() - timedelta(minutes=1)
    )
    again = _start(moves, admin)
    again.refresh_from_db()
    assert again.kept_district_rows == 0
    voted.refresh_from_db()
    assert voted.district == riverside
