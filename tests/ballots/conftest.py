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
