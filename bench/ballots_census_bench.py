"""Benchmark: import a census of N rows (default 1,000,000) with COPY; target under 60 s.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench \
        .venv/bin/python bench/ballots_census_bench.py [rows]

Uses the database in DATABASE_URL (migrated first); writes a CSV to a temporary file,
times ``census_import_run`` (parse + HMAC + COPY + checks + upsert), then runs it again
on the same file (every row an update) and removes the bench rows.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from ballots.models import CensusEntry, CensusImport  # noqa: E402
from ballots.services import census_import_run  # noqa: E402
from pbudget.models import District  # noqa: E402


def write_csv(path: Path, rows: int, districts: list[str]) -> None:
    with open(path, "w") as handle:
        handle.write("document_number,birth_date,postal_code,district\n")
        for n in range(rows):
            handle.write(
                f"BENCH{n:09d},{1940 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d},"
                f"{28000 + n % 50},{districts[n % len(districts)]}\n"
            )


def run_once(path: Path, rows: int) -> float:
    record = CensusImport.objects.create(
        file_name=path.name, source_path=str(path), total_rows=rows
    )
    keep = path.with_suffix(".keep")
    keep.write_bytes(path.read_bytes()) if not keep.exists() else None
    started = time.perf_counter()
    record = census_import_run(census_import_id=record.pk)
    elapsed = time.perf_counter() - started
    assert record.status == "done", record.error_message
    keep.rename(path)  # the run deletes its file; put it back for the next run
    return elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    call_command("migrate", verbosity=0)
    for slug in ("bench-north", "bench-south"):
        District.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "census.csv"
        started = time.perf_counter()
        write_csv(path, rows, ["bench-north", "bench-south"])
        print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s")
        first = run_once(path, rows)
        print(f"import (all new):     {first:6.1f} s  {rows / first:,.0f} rows/s")
        second = run_once(path, rows)
        print(f"import (all updates): {second:6.1f} s  {rows / second:,.0f} rows/s")
    CensusEntry.objects.filter(district__slug__startswith="bench-").delete()
    District.objects.filter(slug__startswith="bench-").delete()


if __name__ == "__main__":
    main()
