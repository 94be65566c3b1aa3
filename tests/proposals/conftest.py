"""Fixtures for proposal tests."""

from __future__ import annotations

import pytest

from pbudget import roles
from tests.factories import make_cycle, make_user, staff_login


@pytest.fixture
def ideas_cycle(db):
    return make_cycle(phase="ideas", slug="ideas-cycle")


@pytest.fixture
def review_cycle(db):
    return make_cycle(phase="review", slug="review-cycle")


@pytest.fixture
def author(db):
    return make_user("author@example.org", roles=[roles.RESIDENT])


@pytest.fixture
def neighbour(db):
    return make_user("neighbour@example.org", roles=[roles.RESIDENT])


@pytest.fixture
def reviewer(db):
    return make_user("reviewer@example.org", roles=[roles.REVIEWER])


@pytest.fixture
def reviewer_client(client, reviewer):
    staff_login(client, reviewer)
    return client
