"""Benchmark: ballot casting through gunicorn on loopback, with a Python load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/ballots_load_bench.py [--voters 4000] [--workers 4]

1. Saturation: a closed loop of 32 client threads casts one knapsack ballot per voter
   (bounded: --saturation requests) and reports ballots/s.
2. Fixed rate: 50 ballots/s for --seconds seconds (open loop), reporting p50/p95 latency.
Afterwards the ballots in the database must equal the successful responses (302 to the
receipt). Everything stays on 127.0.0.1; the bench data are removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

SLUG = "bench-ballots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(voters: int) -> tuple[list[dict], list[int]]:
    """A knapsack cycle in its voting phase, projects, and signed-in verified voters."""
    from datetime import timedelta
    from decimal import Decimal
    from importlib import import_module

    from allauth.account.models import EmailAddress
    from django.utils import timezone

    from ballots.hashing import document_hash
    from ballots.models import CensusEntry
    from pbudget.models import Cycle, District, DistrictBudget, User
    from proposals.models import Proposal

    call_command("migrate", verbosity=0)
    cleanup()
    now = timezone.now()
    cycle = Cycle.objects.create(
        name="Bench", slug=SLUG, fiscal_year=2030, voting_method="knapsack",
        ideas_opens=now - timedelta(days=60), review_opens=now - timedelta(days=30),
        voting_opens=now - timedelta(days=1), voting_closes=now + timedelta(days=10),
        implementation_opens=now + timedelta(days=40),
    )  # fmt: skip
    district, _ = District.objects.get_or_create(slug="bench-d", defaults={"name": "Bench D"})
    DistrictBudget.objects.create(cycle=cycle, district=district, amount=Decimal("100000"))
    projects = [
        Proposal.objects.create(
            cycle=cycle, district=district, title=f"Bench project {n}", summary="s",
            description="d", status="feasible", official_cost=Decimal(5000 + 1000 * n),
        ).pk
        for n in range(12)
    ]  # fmt: skip
    users = User.objects.bulk_create(
        [User(email=f"bench{n}@bench.invalid", password="!") for n in range(voters)]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(
                document_hash=document_hash(f"BENCHV{u.pk}"), birth_date="1980-01-01",
                postal_code="99999", district=district, claimed_by=u, claimed_channel="online",
            )
            for u in users
        ]
    )  # fmt: skip
    engine = import_module(settings.SESSION_ENGINE)
    sessions = []
    for user in users:
        session = engine.SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.save()
        sessions.append({"session": session.session_key, "csrf": secrets.token_hex(16)})
    return sessions, projects


def cleanup() -> None:
    from allauth.account.models import EmailAddress

    from ballots.models import Ballot, CensusEntry, VoterRoll
    from pbudget.models import Cycle, User

    Ballot.objects.filter(cycle__slug=SLUG).delete()
    VoterRoll.objects.filter(cycle__slug=SLUG).delete()
    CensusEntry.objects.filter(claimed_by__email__endswith="@bench.invalid").delete()
    EmailAddress.objects.filter(email__endswith="@bench.invalid").delete()
    User.objects.filter(email__endswith="@bench.invalid").delete()
    cycle = Cycle.objects.filter(slug=SLUG).first()
    if cycle:
        cycle.proposals.all().delete()
        cycle.budgets.all().delete()
        cycle.delete()


def cast(port: int, voter: dict, projects: list[int], local: threading.local) -> tuple[bool, float]:
    connection = getattr(local, "connection", None)
    if connection is None:
        connection = local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    chosen = projects[voter["i"] % 6 :][:4]  # 4 projects, always within the budget
    body = urlencode(
        [("csrfmiddlewaretoken", voter["csrf"]), ("action", "cast")]
        + [("choice", str(pk)) for pk in chosen]
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={voter['session']}; "
        f"{settings.CSRF_COOKIE_NAME}={voter['csrf']}",
        "Host": "127.0.0.1",
    }
    started = time.perf_counter()
    try:
        connection.request("POST", f"/vote/{SLUG}/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        ok = response.status == 302 and "/receipt/" in (response.getheader("Location") or "")
    except (OSError, http.client.HTTPException):
        local.connection = None
        ok = False
    return ok, time.perf_counter() - started


def saturation(port, voters, projects, threads=32):
    local = threading.local()
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda v: cast(port, v, projects, local), voters))
    elapsed = time.perf_counter() - started
    ok = sum(1 for success, _ in results if success)
    return ok, elapsed, [latency for _, latency in results]


def fixed_rate(port, voters, projects, rate=50.0):
    local = threading.local()
    futures = []
    start = time.perf_counter()
    with ThreadPoolExecutor(64) as pool:
        for index, voter in enumerate(voters):
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(cast, port, voter, projects, local))
        results = [future.result() for future in futures]
    ok = sum(1 for success, _ in results if success)
    return ok, [latency for _, latency in results]


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=4000)
    parser.add_argument("--saturation", type=int, default=2500)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2)
    args = parser.parse_args()
    needed = args.saturation + 50 * args.seconds
    sessions, projects = prepare(max(args.voters, needed))
    for index, voter in enumerate(sessions):
        voter["i"] = index
    port = free_port()
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
        "PBUDGET_HMAC_KEY": settings.PBUDGET_HMAC_KEY, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    call_command("collectstatic", interactive=False, verbosity=0)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pbudget.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", str(args.workers), "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        warm = sessions[: 2 * args.workers]
        warm_ok, _elapsed, _latencies = saturation(port, warm, projects, threads=args.workers)
        batch = sessions[2 * args.workers : 2 * args.workers + args.saturation]
        ok, elapsed, latencies = saturation(port, batch, projects)
        print(
            f"saturation: {ok}/{len(batch)} ok in {elapsed:.1f} s = {ok / elapsed:.0f} ballots/s "
            f"(p50 {pct(latencies, 0.5):.0f} ms, p95 {pct(latencies, 0.95):.0f} ms, "
            f"{args.workers} gunicorn workers, 32 client threads)"
        )
        rest = sessions[2 * args.workers + args.saturation :][: 50 * args.seconds]
        ok_rate, latencies = fixed_rate(port, rest, projects)
        print(
            f"50 ballots/s for {args.seconds} s: {ok_rate}/{len(rest)} ok, "
            f"p50 {pct(latencies, 0.5):.0f} ms, p95 {pct(latencies, 0.95):.0f} ms, "
            f"mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
        from ballots.models import Ballot

        counted = Ballot.objects.filter(cycle__slug=SLUG).count()
        successes = warm_ok + ok + ok_rate
        print(f"ballots in the database: {counted}; successful responses: {successes}")
        assert counted == successes, "ballots lost or duplicated"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        cleanup()


if __name__ == "__main__":
    main()
