"""Benchmark: ballot casting through gunicorn on loopback, with an asyncio load generator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pb_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/ballots_load_bench.py [--workers 2 --threads 8] [--in-process 300]

Each request is the POST of one knapsack ballot by a distinct, pre-created, verified and
signed-in voter (session cookie made beforehand), answered by a 302 to the receipt page,
which is not followed. gunicorn runs ``gthread`` workers with persistent database
connections (``DB_CONN_MAX_AGE``) and the cached_db session engine.

1. Saturation: a closed loop of --connections keep-alive connections casts --saturation
   ballots as fast as the server answers; reports ballots/s and p50/p95.
2. Fixed rate: an open loop at --rate ballots/s for --seconds seconds; reports p50/p95.
3. Accounting: sealed ballots in the box must equal the successful responses, and every
   successful voter must have exactly one voter-roll row.

--in-process N first casts N ballots (and replaces 50) in this process through Django's
test client, reporting the median time and the query count of one cast: relative figures
that hold up on a busy machine. Everything stays on 127.0.0.1, every phase is bounded in
requests and in time (--max-seconds), and the bench data are removed at the end. The
machine's load (``os.getloadavg``) is printed next to every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
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

from ballots import box  # noqa: E402

SLUG = "bench-ballots"
HOST = "127.0.0.1"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
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
    for index, user in enumerate(users):
        session = engine.SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "pbudget.auth_backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.save()
        sessions.append({"i": index, "session": session.session_key, "csrf": secrets.token_hex(16)})
    return sessions, projects


def cleanup() -> None:
    from allauth.account.models import EmailAddress

    from ballots.models import Ballot, CensusEntry, SealedBallot, VoterRoll
    from pbudget.models import Cycle, User

    SealedBallot.objects.filter(cycle__slug=SLUG).delete()
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


def chosen(voter: dict, projects: list[int]) -> list[int]:
    """Four projects, always within the budget."""
    return projects[voter["i"] % 6 :][:4]


def request_bytes(voter: dict, projects: list[int]) -> bytes:
    body = urlencode(
        [("csrfmiddlewaretoken", voter["csrf"]), ("action", "cast")]
        + [("choice", str(pk)) for pk in chosen(voter, projects)]
    ).encode()
    head = (
        f"POST /vote/{SLUG}/ HTTP/1.1\r\nHost: {HOST}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Cookie: {settings.SESSION_COOKIE_NAME}={voter['session']}; "
        f"{settings.CSRF_COOKIE_NAME}={voter['csrf']}\r\n\r\n"
    )
    return head.encode() + body


# --- load generator: raw HTTP/1.1 keep-alive over asyncio, cheap on the client's CPU ----


class Connection:
    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, payload: bytes) -> bool:
        """Send one request; True for a 302 to the receipt page."""
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            self.writer.write(payload)
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    key, value = line.split(":", 1)
                    headers[key.strip().lower()] = value.strip()
            await self.reader.readexactly(int(headers.get("content-length", "0")))
            if headers.get("connection", "").lower() == "close":
                self.close()
            return status == 302 and "/receipt/" in headers.get("location", "")
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            self.close()
            return False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def timed(connection: Connection, payload: bytes, timeout: float) -> tuple[bool, float]:
    started = time.perf_counter()
    try:
        ok = await asyncio.wait_for(connection.send(payload), timeout)
    except TimeoutError:
        connection.close()
        ok = False
    return ok, time.perf_counter() - started


async def saturation(port, payloads, *, connections, max_seconds):
    """A closed loop: each connection sends the next ballot as soon as it has an answer."""
    queue = list(reversed(payloads))
    results: list[tuple[bool, float]] = []
    deadline = time.perf_counter() + max_seconds

    async def worker():
        connection = Connection(port)
        while queue and time.perf_counter() < deadline:
            results.append(await timed(connection, queue.pop(), 30))
        connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return results, time.perf_counter() - started


async def fixed_rate(port, payloads, *, rate, max_seconds):
    """An open loop: one ballot every 1/rate s whatever the answers, on idle connections."""
    idle: list[Connection] = []
    results: list[tuple[bool, float]] = []

    async def one(payload):
        connection = idle.pop() if idle else Connection(port)
        results.append(await timed(connection, payload, max_seconds))
        idle.append(connection)

    tasks = []
    start = time.perf_counter()
    for index, payload in enumerate(payloads):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(payload)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return results


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def summary(results) -> str:
    latencies = [latency for _, latency in results]
    return (
        f"p50 {pct(latencies, 0.5):.0f} ms, p95 {pct(latencies, 0.95):.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )


# --- CPU accounting: what one ballot costs the server, PostgreSQL and this process ------


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def _backends() -> list[int]:
    """PostgreSQL backends of the bench database but this process's own (the server's)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


class CpuMeter:
    """CPU seconds spent by gunicorn (master and workers), their PostgreSQL backends and
    this load generator between ``start`` and ``stop``. Other jobs on the machine do not
    count, so the cost per ballot holds on a busy machine, unlike ballots per second."""

    def __init__(self, server_pid: int):
        self.server = [server_pid, *_children(server_pid)]

    def start(self) -> None:
        self.backends = {pid: _cpu_of(pid) for pid in _backends()}
        self.before = (sum(_cpu_of(pid) for pid in self.server), time.process_time())

    def stop(self, ballots: int) -> str:
        # Connections are persistent: a backend is either there from the start or opened
        # during the run (then all of its CPU counts).
        backends = _backends()
        database = sum(_cpu_of(pid) - self.backends.get(pid, 0.0) for pid in backends)
        server = sum(_cpu_of(pid) for pid in self.server) - self.before[0]
        client = time.process_time() - self.before[1]
        self.backends = backends
        each = [value / max(ballots, 1) * 1000 for value in (server, database, client)]
        total = sum(each)
        cores = os.cpu_count() or 1
        return (
            f"CPU per ballot: server {each[0]:.2f} ms, PostgreSQL {each[1]:.2f} ms "
            f"({len(self.backends)} backends), load generator {each[2]:.2f} ms; "
            f"total {total:.2f} ms = at most {cores / total * 1000:.0f} ballots/s on "
            f"{cores} otherwise idle cores"
        )


# --- in-process: per-cast time and query count through Django's test client ------------


def in_process(voters: list[dict], projects: list[int]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    url = f"/vote/{SLUG}/"
    for label, batch in (("first cast", voters), ("replacing", voters[:50])):
        times, queries = [], []
        for voter in batch:
            client.cookies[settings.SESSION_COOKIE_NAME] = voter["session"]
            data = {"action": "cast", "choice": [str(pk) for pk in chosen(voter, projects)]}
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.post(url, data)
                times.append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
            queries.append(len(captured.captured_queries))
        print(
            f"in-process {label}: {len(batch)} casts, median {statistics.median(times) * 1000:.1f}"
            f" ms, mean {statistics.mean(times) * 1000:.1f} ms, {max(queries)} queries "
            f"(with BEGIN/COMMIT); {load()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saturation", type=int, default=2000, help="ballots, closed loop")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=int, default=20, help="duration of the fixed rate")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--worker-class", default="gthread", help="gunicorn -k")
    parser.add_argument("--max-seconds", type=float, default=180, help="bound on each phase")
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.in_process:
        os.environ["ALLOWED_HOSTS"] = "testserver"
        settings.ALLOWED_HOSTS = ["testserver"]
        sessions, projects = prepare(args.in_process)
        try:
            in_process(sessions, projects)
        finally:
            cleanup()
        return

    warm = args.workers * args.threads
    fixed = int(args.rate * args.seconds)
    sessions, projects = prepare(warm + args.saturation + fixed)
    payloads = [request_bytes(voter, projects) for voter in sessions]
    port = free_port()
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": settings.SECRET_KEY,
        "PBUDGET_HMAC_KEY": settings.PBUDGET_HMAC_KEY, "ALLOWED_HOSTS": HOST,
        # The web processes hold the ballot box's public key only, as in production.
        "PBUDGET_BALLOT_PUBLIC_KEY": base64.b64encode(bytes(box.public_key())).decode(),
        "PBUDGET_BALLOT_PRIVATE_KEY": "",
        "PBUDGET_MFA_KEY": getattr(settings, "PBUDGET_MFA_KEY", ""),
        "PBUDGET_SITE_URL": settings.PBUDGET_SITE_URL,
        "SECURE_SSL_REDIRECT": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "600",
    }  # fmt: skip
    call_command("collectstatic", interactive=False, verbosity=0)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pbudget.wsgi", "-b", f"{HOST}:{port}",
         "-k", args.worker_class, "-w", str(args.workers), "--threads", str(args.threads),
         "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    config = f"gunicorn {args.worker_class} {args.workers} workers x {args.threads} threads"
    try:
        for _ in range(100):
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        warm_results, _elapsed = asyncio.run(
            saturation(port, payloads[:warm], connections=warm, max_seconds=args.max_seconds)
        )
        batch = payloads[warm : warm + args.saturation]
        print(f"before saturation: {load()}")
        meter = CpuMeter(server.pid)
        meter.start()
        results, elapsed = asyncio.run(
            saturation(port, batch, connections=args.connections, max_seconds=args.max_seconds)
        )
        ok = sum(success for success, _ in results)
        cost = meter.stop(len(results))
        print(
            f"saturation: {ok}/{len(batch)} ok in {elapsed:.1f} s = {ok / elapsed:.0f} ballots/s"
            f" ({summary(results)}; {config}, {args.connections} connections); {load()}"
        )
        print(cost)
        rest = payloads[warm + args.saturation :]
        rate_results = asyncio.run(
            fixed_rate(port, rest, rate=args.rate, max_seconds=args.max_seconds)
        )
        ok_rate = sum(success for success, _ in rate_results)
        print(
            f"{args.rate:.0f} ballots/s for {args.seconds} s: {ok_rate}/{len(rest)} ok, "
            f"{summary(rate_results)}; {load()}"
        )
        from ballots.models import SealedBallot, VoterRoll

        counted = SealedBallot.objects.filter(cycle__slug=SLUG).count()
        rolled = VoterRoll.objects.filter(cycle__slug=SLUG).count()
        successes = sum(success for success, _ in warm_results) + ok + ok_rate
        print(
            f"sealed ballots in the box: {counted}; voter-roll rows: {rolled}; "
            f"successful responses: {successes}"
        )
        assert counted == successes == rolled, "ballots lost or duplicated"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        cleanup()


if __name__ == "__main__":
    main()
