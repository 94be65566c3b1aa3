"""Fixtures of the coproduction tests."""

from __future__ import annotations

import pytest

from pbudget import roles
from tests.coproduction.factories import make_project, make_proposal
from tests.factories import make_cycle, make_user


@pytest.fixture
def voting_cycle(db):
    return make_cycle(phase="voting", slug="vote-cycle")


@pytest.fixture
def delivery_cycle(db):
    return make_cycle(phase="implementation", slug="build-cycle")


@pytest.fixture
def proposal(voting_cycle):
    return make_proposal(voting_cycle)


@pytest.fixture
def project(delivery_cycle):
    return make_project(delivery_cycle)


@pytest.fixture
def finance(db):
    return make_user("finance@example.org", roles=[roles.FINANCE_OFFICER])


@pytest.fixture
def reviewer(db):
    return make_user("reviewer@example.org", roles=[roles.REVIEWER])


@pytest.fixture
def neighbour(db):
    return make_user("neighbour@example.org", roles=[roles.RESIDENT])


@pytest.fixture(autouse=True)
def _taxonomy(request):
    """Skills and the default rate come from a data migration; a transactional test
    elsewhere may have emptied the tables, so put them back."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("django_db_blocker")
    from coproduction.skills import ensure_taxonomy

    ensure_taxonomy()
