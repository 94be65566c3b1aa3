"""A small fixed dataset for the finance tests (imported by the other test_finance_* files).

A cycle "finance-2026" (fiscal year 2026, EUR) in its implementation phase with:
- "Benches for the riverside" (Old Town, 40,000.00, in progress): codes from the review,
  fund "100 General Fund" set by finance; an accepted pledge of materials worth 300.00;
  verified ledger: 4 general hours at 30.00 (memo), 2 skilled hours in the volunteer's
  profession at 40.00 + 25 % fringe (specialised), timber worth 250.00 (fair market);
- "=1+1 Street art" (City-wide, 12,500.50, completed): no codes, one unverified entry;
- a feasible proposal that was not funded (no budget line).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coproduction.finance import selectors, services
from coproduction.models import Pledge, PledgeStatus, RateKind, ValuationRate
from coproduction.valuation import value_unvalued
from pbudget import roles
from pbudget.models import District
from proposals.models import DeliveryStatus
from tests.coproduction.factories import make_entry, make_project, make_proposal, skill
from tests.factories import make_cycle, make_user


def build_world() -> dict:
    cycle = make_cycle(phase="implementation", slug="finance-2026", fiscal_year=2026)
    cycle.name = "Finance 2026"
    cycle.save(update_fields=["name"])
    finance = make_user("treasurer@example.org", roles=[roles.FINANCE_OFFICER])
    ana = make_user("ana@example.org")
    ben = make_user("ben@example.org")
    for kind, code, title, amount, fringe in (
        (RateKind.GENERAL, "", "", "30.00", "0"),
        (RateKind.OCCUPATION, "47-2031", "Carpenters", "40.00", "25"),
    ):
        ValuationRate.objects.create(
            kind=kind,
            occupation_code=code,
            occupation_title=title,
            amount=Decimal(amount),
            currency="EUR",
            fringe_percent=Decimal(fringe),
            publisher="City statistics office",
            series="Test wages",
            data_year=2025,
            geography="Riverton",
            source_url="https://stats.example.org/wages",
            valid_from=date(2020, 1, 1),
        )
    benches = make_project(
        cycle,
        title="Benches for the riverside",
        cost="40000",
        department="Public Works",
        program="Parks",
        account_code="5100-200",
        delivery_status=DeliveryStatus.IN_PROGRESS,
    )
    art = make_project(
        cycle,
        title="=1+1 Street art",
        cost="12500.50",
        district=District.objects.get(slug="city-wide"),
        delivery_status=DeliveryStatus.COMPLETED,
    )
    make_proposal(cycle, title="A pool on the roof")  # feasible, not funded
    Pledge.objects.create(
        proposal=benches,
        pledger=ana,
        kind="materials",
        description="Paint",
        estimated_value=Decimal("300"),
        status=PledgeStatus.ACCEPTED,
        value=Decimal("300"),
        currency="EUR",
    )
    general = make_entry(benches, ana, verified_by=finance, hours=Decimal("4"))
    skilled = make_entry(
        benches,
        ben,
        verified_by=finance,
        kind="skilled",
        hours=Decimal("2"),
        skill=skill("carpentry"),
        is_own_profession=True,
    )
    timber = make_entry(
        benches,
        ben,
        verified_by=finance,
        kind="materials",
        fair_value=Decimal("250"),
        description="@SUM(A1) timber",
    )
    pending = make_entry(art, ana, hours=Decimal("3"))
    value_unvalued()
    services.budget_coding_set(project=benches, actor=finance, fund="100 General Fund")
    return {
        "cycle": cycle,
        "finance": finance,
        "ana": ana,
        "ben": ben,
        "benches": benches,
        "art": art,
        "entries": [general, skilled, timber, pending],
    }


@pytest.fixture(name="world")
def world_fixture(db):
    return build_world()


@pytest.fixture(name="export_dir", autouse=True)
def export_dir_fixture(settings, tmp_path):
    """Exports of each test go to its own folder."""
    settings.PBUDGET_EXPORT_DIR = tmp_path / "exports"
    return settings.PBUDGET_EXPORT_DIR


@pytest.mark.django_db
def test_given_the_world_then_two_funded_projects_make_two_budget_lines(world):
    lines = selectors.budget_lines(world["cycle"])

    assert [line["project_id"] for line in lines] == [world["art"].pk, world["benches"].pk]
    benches = lines[1]
    assert benches["cash_cost"] == Decimal("40000.00")
    assert benches["inkind_pledged"] == Decimal("300.00")
    assert benches["inkind_verified"] == Decimal("470.00")  # 120 + 100 + 250, never netted
    assert benches["sources"] == {
        "department": "review",
        "program": "review",
        "account_code": "review",
        "fund": "finance",
    }
