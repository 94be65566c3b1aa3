"""Benchmark: export 100,000 ledger rows as a Fiscal Data Package and as XLSX.

Usage: .venv/bin/python bench/finance_export_bench.py [--entries 10000,100000] [--budget S]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/pb_finance_bench), created and migrated if missing; the
ledger is emptied with TRUNCATE between sizes (it refuses DELETE). For each size it seeds
the entries with SQL (50 funded projects, 2,000 contributors, 60% general hours, 20%
skilled, 10% materials, 10% space, 95% verified), values them with the valuation code,
then runs the export job code path (``services.export_run``: batches, progress updates,
temporary file, rename, SHA-256) for each format twice: once for the time, once under
tracemalloc for the peak Python memory. A flat peak across sizes shows the export streams.
Exits 1 when the 100,000-row FDP export takes longer than --budget seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger_seed import seed_ledger, seed_projects_and_users  # noqa: E402  (bench/ is on the path when run as a script)

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pb_finance_bench")
os.environ["DATABASE_URL"] = URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")


def ensure_database() -> None:
    import psycopg

    name = URL.rsplit("/", 1)[1]
    admin = URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(entries: int):
    from django.db import connection

    from coproduction.skills import ensure_taxonomy
    from pbudget.models import User

    ensure_taxonomy()
    cycle, projects, users = seed_projects_and_users(
        cycle_slug="finance-bench",
        cycle_name="Finance bench",
        currency="USD",
        project_fields=lambda n: {
            "department": "Public Works",
            "program": "PB 2025",
            "account_code": f"PB-2025-{n:04d}",
        },
    )
    with connection.cursor() as cursor:
        seed_ledger(
            cursor,
            entries=entries,
            projects=projects,
            users=users,
            description="Timber and paint",
            currency="USD",
        )
    from coproduction.valuation import value_unvalued

    value_unvalued()
    requester, _ = User.objects.get_or_create(email="bench-finance@example.org")
    return cycle, requester


def export_once(cycle, requester, fmt: str, *, trace: bool) -> tuple[float, int, int, int]:
    """(seconds, rows, peak traced bytes, file size) of one export via the job code path."""
    import secrets

    from django.utils import timezone

    from coproduction.finance import selectors, services
    from coproduction.models import ExportJob

    # Made directly, not with export_request: nothing is queued for a worker that may be
    # listening on this Redis with another database.
    job = ExportJob.objects.create(
        requested_by=requester,
        cycle=cycle,
        format=fmt,
        token=secrets.token_urlsafe(32),
        expires_at=timezone.now() + services.link_lifetime(),
        rows_total=selectors.ledger_count(cycle),
    )
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    job = services.export_run(job_id=job.pk)
    elapsed = time.perf_counter() - began
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert job.status == "done", job.error
    (services.export_dir() / job.file_name).unlink()
    return elapsed, job.rows_written, peak, job.size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", default="10000,100000")
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    ensure_database()
    os.environ["PBUDGET_EXPORT_DIR"] = tempfile.mkdtemp(prefix="finance-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ok = True
    for entries in [int(n) for n in args.entries.split(",")]:
        began = time.perf_counter()
        cycle, requester = seed(entries)
        print(f"seeded and valued {entries:,} entries in {time.perf_counter() - began:.1f} s")
        for fmt in ("fdp", "xlsx", "csv"):
            seconds, rows, _peak, size = export_once(cycle, requester, fmt, trace=False)
            _seconds, _rows, peak, _size = export_once(cycle, requester, fmt, trace=True)
            print(
                f"  {fmt:5} {rows:>7,} rows  {seconds:6.2f} s  {size / 1e6:6.1f} MB file  "
                f"peak Python memory {peak / 1e6:6.1f} MB"
            )
            if fmt == "fdp" and entries >= 100_000 and seconds > args.budget:
                ok = False
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max resident set size of the whole run: {rss:.0f} MB")
    print("OK" if ok else f"OVER BUDGET ({args.budget} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
