"""Benchmark: value 1,000,000 verified ledger entries with the `value_entries` code path.

Usage: .venv/bin/python bench/coproduction_valuation_bench.py [--entries N] [--budget S]

Uses its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/pb_coproduction_bench), created and migrated if
missing, and emptied with TRUNCATE between runs (the ledger refuses DELETE). Entries are
written with SQL: 60% general hours, 20% skilled hours (half in the volunteer's own
profession, with an occupation rate), 10% materials, 10% space; 95% verified. Then it
times `coproduction.valuation.value_unvalued()` — what the Celery task runs — and a
second call (idempotency: it must write nothing) and exits 1 when over budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger_seed import seed_ledger, seed_projects_and_users  # noqa: E402  (bench/ is on the path when run as a script)

URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pb_coproduction_bench"
)
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


def seed(entries: int) -> None:
    from datetime import date
    from decimal import Decimal

    from django.db import connection

    from coproduction.models import ValuationRate

    _cycle, projects, users = seed_projects_and_users(cycle_slug="bench", cycle_name="Bench")
    if not ValuationRate.objects.filter(occupation_code="47-2031", series="bench").exists():
        ValuationRate.objects.create(
            kind="occupation",
            occupation_code="47-2031",
            amount=Decimal("29.80"),
            fringe_percent=Decimal("42"),
            currency="USD",
            publisher="BLS",
            series="bench",
            data_year=2023,
            geography="US",
            source_url="https://www.bls.gov/oes/",
            valid_from=date(2024, 1, 1),
        )
    with connection.cursor() as cursor:
        seed_ledger(
            cursor,
            entries=entries,
            projects=projects,
            users=users,
            description="",
            currency="EUR",
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--budget", type=float, default=60.0)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    seed(args.entries)
    print(f"seeded {args.entries:,} entries in {time.perf_counter() - began:.1f} s")

    from coproduction.valuation import value_unvalued

    began = time.perf_counter()
    written = value_unvalued()
    elapsed = time.perf_counter() - began
    print(f"valued {written:,} verified entries in {elapsed:.1f} s "
          f"({written / elapsed:,.0f} entries/s)")  # fmt: skip
    began = time.perf_counter()
    again = value_unvalued()
    print(f"second run wrote {again} rows in {time.perf_counter() - began:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT method, count(*), sum(amount), currency FROM coproduction_valuation "
            "GROUP BY method, currency ORDER BY method"
        )
        for row in cursor.fetchall():
            print("  ", *row)
    ok = elapsed <= args.budget and again == 0
    print("OK" if ok else f"OVER BUDGET ({args.budget} s) or not idempotent")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
