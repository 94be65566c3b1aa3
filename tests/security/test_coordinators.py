"""Who may log a contribution for someone else is decided by the service, not only the page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coproduction import services
from coproduction.models import LedgerEntry, Pledge
from pbudget import roles
from tests.coproduction.factories import make_entry, make_project
from tests.factories import make_cycle, make_user


@pytest.fixture
def world(db):
    from coproduction.skills import ensure_taxonomy

    ensure_taxonomy()
    cycle = make_cycle(phase="implementation", slug="build-cycle")
    coordinator = make_user("coord@example.org")
    project = make_project(cycle, coordinator=coordinator)
    other_project = make_project(cycle, coordinator=make_user("other-coord@example.org"))
    pledger = make_user("pledger@example.org")
    Pledge.objects.create(
        proposal=project, pledger=pledger, kind="general", hours=Decimal("4"),
        status="accepted", value=Decimal("1"), currency="EUR",
    )  # fmt: skip
    return {
        "project": project,
        "other_project": other_project,
        "coordinator": coordinator,
        "pledger": pledger,
        "stranger": make_user("stranger@example.org"),
        "finance": make_user("finance@example.org", roles=[roles.FINANCE_OFFICER]),
    }


def _log(project, *, contributor, entered_by):
    return services.ledger_entry_create(
        project=project,
        contributor=contributor,
        entered_by=entered_by,
        kind="general",
        worked_on=timezone.localdate() - timedelta(days=1),
        hours=Decimal("3"),
    )


def _code(error: ValidationError) -> str:
    return error.error_dict["contributor"][0].code


def test_a_coordinator_logs_for_a_person_whose_pledge_was_accepted(world):
    entry = _log(world["project"], contributor=world["pledger"], entered_by=world["coordinator"])

    assert (entry.contributor, entry.entered_by) == (world["pledger"], world["coordinator"])


def test_a_coordinator_logs_for_a_person_already_on_the_ledger(world):
    make_entry(world["project"], world["stranger"])

    entry = _log(world["project"], contributor=world["stranger"], entered_by=world["coordinator"])

    assert entry.contributor == world["stranger"]


def test_a_coordinator_cannot_log_for_a_person_unknown_to_the_project(world):
    with pytest.raises(ValidationError) as caught:
        _log(world["project"], contributor=world["stranger"], entered_by=world["coordinator"])

    assert _code(caught.value) == "not_a_project_contributor"
    assert not LedgerEntry.objects.exists()


def test_a_coordinator_cannot_log_for_someone_on_another_project(world):
    with pytest.raises(ValidationError) as caught:
        _log(world["other_project"], contributor=world["pledger"], entered_by=world["coordinator"])

    assert _code(caught.value) == "not_allowed_on_behalf"
    assert not LedgerEntry.objects.exists()


def test_a_resident_cannot_log_for_someone_else(world):
    with pytest.raises(ValidationError) as caught:
        _log(world["project"], contributor=world["pledger"], entered_by=world["stranger"])

    assert _code(caught.value) == "not_allowed_on_behalf"


def test_a_finance_officer_logs_only_for_people_known_to_the_project(world):
    entry = _log(world["project"], contributor=world["pledger"], entered_by=world["finance"])
    assert entry.entered_by == world["finance"]

    with pytest.raises(ValidationError) as caught:
        _log(world["project"], contributor=world["stranger"], entered_by=world["finance"])

    assert _code(caught.value) == "not_a_project_contributor"


def test_anyone_logs_for_themselves_without_a_pledge(world):
    entry = _log(world["project"], contributor=world["stranger"], entered_by=world["stranger"])

    assert entry.contributor == entry.entered_by == world["stranger"]
