"""Fixtures for ballot tests: a cycle in its voting phase with projects on the ballot."""

from __future__ import annotations

import pytest

from pbudget.models import District
from tests.ballots.factories import make_project, make_voter
from tests.factories import make_cycle


@pytest.fixture
def voting_cycle(db):
    """A knapsack cycle in its voting phase: Old Town (50,000) and city-wide (100,000)."""
    cycle = make_cycle(phase="voting", slug="vote-2026", voting_method="knapsack")
    old_town = District.objects.get(slug="old-town")
    citywide = District.objects.get(is_citywide=True)
    make_project(cycle, old_town, "30000", "Playground")
    make_project(cycle, old_town, "25000", "Bike lane")
    make_project(cycle, old_town, "10000", "Benches")
    make_project(cycle, citywide, "60000", "Tram stop")
    make_project(cycle, citywide, "50000", "Library hours")
    return cycle


@pytest.fixture
def old_town(voting_cycle):
    return District.objects.get(slug="old-town")


@pytest.fixture
def citywide(voting_cycle):
    return District.objects.get(is_citywide=True)


@pytest.fixture
def voter(old_town):
    return make_voter("voter@example.org", old_town, document="X1234567A")


def project(cycle, title):
    return cycle.proposals.get(title=title)


@pytest.fixture
def workers(monkeypatch):
    """Real Celery workers to start and kill; counts are sent to their queue."""
    import uuid

    from ballots import tasks_tally
    from pbudget.celery import app
    from tests.ballots.workers import Workers

    queue = f"pbudget-tally-kill-{uuid.uuid4().hex[:10]}"
    monkeypatch.setattr(tasks_tally, "ENQUEUE_OPTIONS", {"queue": queue})
    app.conf.task_always_eager = False
    pool = Workers(queue)
    yield pool
    pool.stop_all()
    app.conf.task_always_eager = True
