"""Benchmark: import a census of N rows (default 1,000,000) with COPY; target under 60 s.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench \\
        .venv/bin/python bench/ballots_census_bench.py [--rows N] [--runs R]

Uses the database in DATABASE_URL (migrated first); writes a CSV to a temporary file,
times ``census_import_run`` (parse + HMAC + COPY + checks + update + insert + commit),
then runs it again on the same file (every row an update), R times each, and removes the
bench rows. For each run it prints the wall time, the CPU time of this Python process and
of the PostgreSQL backend serving it (read from /proc, so the database must run on this
machine for that column), the time of each phase of the import, and the load average:
on a shared machine the CPU times move much less than the wall time.
"""

from __future__ import annotations

import argparse
import logging
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
from django.db import connection  # noqa: E402

from ballots.models import CensusImport  # noqa: E402
from ballots.services import census_import_run  # noqa: E402
from pbudget.models import District  # noqa: E402

DISTRICTS = ("bench-north", "bench-south")


def write_csv(path: Path, rows: int, districts: list[str]) -> None:
    with open(path, "w") as handle:
        handle.write("document_number,birth_date,postal_code,district\n")
        for n in range(rows):
            handle.write(
                f"BENCH{n:09d},{1940 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d},"
                f"{28000 + n % 50},{districts[n % len(districts)]}\n"
            )


class PhaseLog(logging.Handler):
    """Keeps the phase timings the census import logs."""

    def __init__(self) -> None:
        super().__init__()
        self.timings: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.timings = getattr(record, "census_timings", self.timings)


def backend_cpu_seconds() -> float | None:
    """CPU seconds used so far by the PostgreSQL process serving this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_once(path: Path, rows: int, phases: PhaseLog) -> dict:
    record = CensusImport.objects.create(
        file_name=path.name, source_path=str(path), total_rows=rows
    )
    keep = path.with_suffix(".keep")
    keep.write_bytes(path.read_bytes()) if not keep.exists() else None
    load_before = os.getloadavg()[0]
    backend_before = backend_cpu_seconds()
    cpu_before = time.process_time()
    started = time.perf_counter()
    record = census_import_run(census_import_id=record.pk)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    backend_after = backend_cpu_seconds()
    assert record.status == "done", record.error_message
    assert record.created_rows + record.updated_rows == rows
    keep.rename(path)  # the run deletes its file; put it back for the next run
    return {
        "wall": elapsed,
        "python_cpu": cpu,
        "backend_cpu": None if backend_before is None else backend_after - backend_before,
        "load": (load_before, os.getloadavg()[0]),
        "created": record.created_rows,
        "updated": record.updated_rows,
        "phases": dict(phases.timings),
    }


def report(label: str, rows: int, result: dict) -> None:
    backend = result["backend_cpu"]
    phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in result["phases"].items())
    print(
        f"{label}: {result['wall']:6.1f} s wall  {rows / result['wall']:,.0f} rows/s  "
        f"cpu python {result['python_cpu']:.1f} s, postgres "
        + ("n/a" if backend is None else f"{backend:.1f} s")
        + f"  load {result['load'][0]:.2f} → {result['load'][1]:.2f}\n"
        f"    {result['created']:,} new, {result['updated']:,} updated; phases (s): {phases}",
        flush=True,
    )


def remove_bench_rows() -> None:
    # Raw SQL: the ORM's delete() would load a million entries to cascade them.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM ballots_censusentry WHERE district_id IN "
            "(SELECT id FROM pbudget_district WHERE slug = ANY(%s))",
            [list(DISTRICTS)],
        )
    District.objects.filter(slug__in=DISTRICTS).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the file")
    parser.add_argument("--runs", type=int, default=1, help="imports of each kind")
    args = parser.parse_args()
    rows = args.rows
    call_command("migrate", verbosity=0)
    phases = PhaseLog()
    logging.getLogger("ballots.census").addHandler(phases)
    remove_bench_rows()  # left over from an interrupted run
    for slug in DISTRICTS:
        District.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "census.csv"
            started = time.perf_counter()
            write_csv(path, rows, list(DISTRICTS))
            print(f"wrote {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
            for run in range(args.runs):
                if run:
                    remove_bench_rows()
                    for slug in DISTRICTS:
                        District.objects.get_or_create(slug=slug, defaults={"name": slug})
                    with connection.cursor() as cursor:
                        cursor.execute("VACUUM ANALYZE ballots_censusentry")
                report("import (all new)    ", rows, run_once(path, rows, phases))
                report("import (all updates)", rows, run_once(path, rows, phases))
    finally:
        remove_bench_rows()


if __name__ == "__main__":
    main()
