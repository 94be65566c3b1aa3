"""Benchmark the proposal list page with 5,000 proposals: median and p95 per scenario.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/proposals_list_bench.py [--proposals 5000] [--runs 50]

Creates a throw-away test database (test_<db>), fills it, requests /proposals/ through
Django's test client (the whole stack but the network) and drops the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).absolute().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

SCENARIOS = [
    ("first page, 20 a page", {}),
    ("100 a page", {"per_page": "100"}),
    ("search 'trees', ranked", {"q": "trees"}),
    ("search + district + most supported", {"q": "bench", "district": "d-2", "sort": "supports"}),
    ("category + cost high→low, page 40", {"category": "c-1", "sort": "cost_high", "page": "40"}),
    ("phase filter, page 100", {"phase": "ideas", "page": "100"}),
]
WORDS = ["trees", "bench", "lights", "garden", "library", "court", "mural", "fountain"]


def populate(count: int) -> None:
    from pbudget.models import District, User
    from proposals.models import Category, Proposal, ProposalStatus
    from tests.factories import make_cycle

    cycle = make_cycle(phase="ideas", slug="bench-cycle")
    districts = [District.objects.create(name=f"D {i}", slug=f"d-{i}") for i in range(8)]
    categories = [Category.objects.create(name=f"C {i}", slug=f"c-{i}") for i in range(6)]
    authors = [User.objects.create_user(email=f"a{i}@example.org") for i in range(50)]
    statuses = [ProposalStatus.SUBMITTED, ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN]
    Proposal.objects.bulk_create(
        [
            Proposal(
                cycle=cycle,
                district=districts[i % 8],
                category=categories[i % 6],
                author=authors[i % 50],
                title=f"New {WORDS[i % 8]} for street {i}",
                summary=f"A {WORDS[(i + 3) % 8]} and a {WORDS[(i + 5) % 8]} for neighbours.",
                description=f"Residents ask for {WORDS[i % 8]}. " * 20,
                status=statuses[i % 3],
                estimated_cost=Decimal(1000 + (i * 37) % 90000),
                support_count=(i * 7) % 120,
            )
            for i in range(count)
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_proposal")


def measure(runs: int) -> list[tuple[str, float, float, int]]:
    client = Client()
    rows = []
    for name, params in SCENARIOS:
        client.get("/proposals/", params)  # warm up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get("/proposals/", params)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get("/proposals/", params)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        rows.append((name, statistics.median(times), p95, len(queries)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
    try:
        start = time.perf_counter()
        populate(args.proposals)
        print(f"{args.proposals} proposals created in {time.perf_counter() - start:.1f} s")
        print(f"{'scenario':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
        for name, median, p95, queries in measure(args.runs):
            print(f"{name:<40} {median:>10.1f} {p95:>8.1f} {queries:>8}")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
