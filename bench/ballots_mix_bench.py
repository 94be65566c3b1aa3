"""Benchmark: mixing 250,000 sealed ballots out of the ballot box after voting closes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/ballots_mix_bench.py [--ballots 250000] [--projects 40] \
        [--recast 0.05] [--worker]

Seals the ballots as casting does (approval ballots of 1 to 5 of ``--projects`` projects,
popular projects more often, a share ``--recast`` of voters casting twice), puts them in
the box with COPY, then times the mixing of the whole box: in this process
(``ballot_box_mix``), or with ``--worker`` through a real Celery worker (from sending the
task to the box being empty). Target: under 60 s for 250,000. The bench data are removed
at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from closed_vote import closed_vote, remove_vote  # noqa: E402
from django.db import connection  # noqa: E402

SLUG = "bench-mix"


def prepare(ballots: int, projects: int, recast: float, seed: int = 2026):
    """A cycle whose vote closed a minute ago, its projects, and a full ballot box."""
    from ballots import box
    from ballots.models import SealedBallot

    rng = random.Random(seed)
    cycle, district, ids = closed_vote(
        slug=SLUG, name="Mixing benchmark", projects=projects, rng=rng, max_choices=5
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(projects)]
    voters = int(ballots / (1 + recast))
    links = [secrets.token_hex(32) for _ in range(voters)]
    start = time.perf_counter()
    table = connection.ops.quote_name(SealedBallot._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} (cycle_id, district_id, sealed) FROM STDIN") as copy,
    ):
        for n in range(ballots):
            link = links[n] if n < voters else rng.choice(links)  # the rest cast again
            chosen = set()
            while len(chosen) < rng.randint(1, 5):
                chosen.add(rng.choices(ids, weights)[0])
            record = box.pack(
                channel="online",
                link=link,
                receipt_hash=secrets.token_hex(32),
                proposals=sorted(chosen),
                points=[1] * len(chosen),
                ranks=[None] * len(chosen),
                projects_on_ballot=projects,
            )
            copy.write_row((cycle.pk, district.pk, box.seal(record)))
    print(
        f"sealed {ballots:,} ballots of {voters:,} voters and put them in the box "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return cycle


def cleanup() -> None:
    remove_vote(SLUG)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_in_process(cycle) -> None:
    from ballots.mixing import ballot_box_mix
    from ballots.models import Ballot

    start, cpu = time.perf_counter(), _cpu()
    report = ballot_box_mix(cycle_id=cycle.pk)
    elapsed, used = time.perf_counter() - start, _cpu() - cpu
    assert report.left == 0 and report.links_erased, report
    mixed = Ballot.objects.filter(cycle=cycle).count()
    print(
        f"mixing in process: {elapsed:.1f} s wall, {used:.1f} s CPU of this process; "
        f"{report.mixed:,} sealed ballots in {len(report.batches)} batches → {mixed:,} "
        f"ballots ({report.mixed / elapsed:,.0f} sealed ballots/s)"
    )


def run_through_worker(cycle) -> None:
    from django.conf import settings

    from ballots.models import Ballot, SealedBallot
    from ballots.tasks import mix_ballot_box

    queue = f"pbudget-bench-mix-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pbudget", "worker", "--pool=solo",
         "--loglevel=WARNING", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(5)  # let the worker connect
        waiting = SealedBallot.objects.filter(cycle=cycle).count()
        start = time.perf_counter()
        mix_ballot_box.apply_async(kwargs={"cycle_id": cycle.pk}, queue=queue)
        while SealedBallot.objects.filter(cycle=cycle).exists():
            time.sleep(0.2)
            if time.perf_counter() - start > 600:
                raise RuntimeError("the worker did not empty the box within 600 s")
        elapsed = time.perf_counter() - start
        mixed = Ballot.objects.filter(cycle=cycle).count()
        print(
            f"mixing through a real worker (send → box empty): {elapsed:.1f} s for "
            f"{waiting:,} sealed ballots → {mixed:,} ballots"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=250_000)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--recast", type=float, default=0.05, help="share cast twice")
    parser.add_argument("--worker", action="store_true", help="mix through a real worker")
    parser.add_argument("--keep", action="store_true", help="keep the bench data")
    args = parser.parse_args()
    cycle = prepare(args.ballots, args.projects, args.recast)
    try:
        if args.worker:
            run_through_worker(cycle)
        else:
            run_in_process(cycle)
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
