"""Benchmark: the whole Celery count of 250,000 ballots read from PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/ballots_tally_bench.py [--ballots 250000] [--projects 40] \
        [--rule mes-add1] [--worker]

Inserts the ballots with COPY (approval ballots of 1 to 5 projects, popular projects more
often), then times the count task end to end: in this process (``task.apply``), with a
breakdown of its steps, and with ``--worker`` through a real Celery worker as well (from
sending the task to the result row being done). The count is the cycle's rule plus the
greedy comparison, as in production. The bench data are removed at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import random
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

SLUG = "bench-tally"


def prepare(ballots: int, projects: int, rule: str, seed: int = 2026):
    """A cycle whose vote closed yesterday, ``projects`` projects and ``ballots`` ballots."""
    from ballots.models import Ballot, BallotChoice

    rng = random.Random(seed)
    cycle, district, ids = closed_vote(
        slug=SLUG, name="Tally benchmark", projects=projects, rng=rng, tally_rule=rule
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(projects)]
    ballot_buf, choice_buf = io.StringIO(), io.StringIO()
    choices = 0
    for n in range(ballots):
        ballot_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        ballot_buf.write(
            f"{ballot_id}\t{cycle.pk}\t{district.pk}\tpaper\t{uuid.uuid4().hex}{n:08x}\n"
        )
        size = rng.randint(1, 5)
        chosen = set()
        while len(chosen) < size:
            chosen.add(rng.choices(ids, weights)[0])
        for pk in chosen:
            choice_buf.write(f"{ballot_id}\t{pk}\t1\t\\N\n")
            choices += 1
    start = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY {Ballot._meta.db_table} (id, cycle_id, district_id, channel, "
            "receipt_hash) FROM STDIN"
        ) as copy:
            copy.write(ballot_buf.getvalue())
        with raw.copy(
            f"COPY {BallotChoice._meta.db_table} (ballot_id, proposal_id, points, rank) FROM STDIN"
        ) as copy:
            copy.write(choice_buf.getvalue())
        cursor.execute(f"ANALYZE {Ballot._meta.db_table}")
        cursor.execute(f"ANALYZE {BallotChoice._meta.db_table}")
    print(
        f"generated {ballots:,} ballots and inserted them and {choices:,} choices with COPY "
        f"in {time.perf_counter() - start:.1f} s"
    )
    return cycle, district


def cleanup() -> None:
    remove_vote(SLUG)


def breakdown(cycle, district, rule: str) -> None:
    from ballots.counting import selectors
    from ballots.tally import tally

    t0 = time.perf_counter()
    election = selectors.election_for(cycle, district)
    t1 = time.perf_counter()
    election.profile  # noqa: B018  (grouping and indexing)
    t2 = time.perf_counter()
    official = tally(election, rule)
    t3 = time.perf_counter()
    tally(election, "greedy")
    t4 = time.perf_counter()
    print(f"  read ballots (SQL, grouped): {t1 - t0:.2f} s ({len(election.ballots):,} distinct)")
    print(f"  profile:                     {t2 - t1:.2f} s")
    print(f"  {rule:<28} {t3 - t2:.2f} s ({len(official.selected)} winners)")
    print(f"  greedy (comparison):         {t4 - t3:.2f} s")


def run_in_process(cycle, district) -> float:
    from ballots.models import TallyRun
    from ballots.tasks_tally import count_district

    TallyRun.objects.filter(cycle=cycle).delete()
    start = time.perf_counter()
    result = count_district.apply(kwargs={"cycle_id": cycle.pk, "district_id": district.pk})
    elapsed = time.perf_counter() - start
    assert result.get() == "done", result.get()
    return elapsed


def run_through_worker(cycle, district) -> float:
    from django.conf import settings

    from ballots.models import TallyRun
    from ballots.tasks_tally import count_district

    TallyRun.objects.filter(cycle=cycle).delete()
    queue = f"pbudget-bench-tally-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pbudget", "worker", "--pool=solo",
         "--loglevel=WARNING", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat"],
        cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(5)  # let the worker connect
        start = time.perf_counter()
        count_district.apply_async(
            kwargs={"cycle_id": cycle.pk, "district_id": district.pk}, queue=queue
        )
        while not TallyRun.objects.filter(cycle=cycle, is_official=True, status="done").exists():
            time.sleep(0.05)
            if time.perf_counter() - start > 120:
                raise RuntimeError("the worker did not finish within 120 s")
        elapsed = time.perf_counter() - start
        run = TallyRun.objects.get(cycle=cycle, is_official=True)
        inside = (run.finished_at - run.started_at).total_seconds()
        print(f"  inside the worker (started → finished): {inside:.2f} s")
        return elapsed
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=250_000)
    parser.add_argument("--projects", type=int, default=40)
    parser.add_argument("--rule", default="mes-add1")
    parser.add_argument("--worker", action="store_true", help="also time a real worker")
    parser.add_argument("--keep", action="store_true", help="keep the bench data")
    args = parser.parse_args()
    cycle, district = prepare(args.ballots, args.projects, args.rule)
    try:
        print("steps:")
        breakdown(cycle, district, args.rule)
        elapsed = run_in_process(cycle, district)
        print(f"count task, in process (task.apply): {elapsed:.2f} s")
        if args.worker:
            elapsed = run_through_worker(cycle, district)
            print(f"count task, real worker (send → result stored): {elapsed:.2f} s")
    finally:
        if not args.keep:
            cleanup()


if __name__ == "__main__":
    main()
