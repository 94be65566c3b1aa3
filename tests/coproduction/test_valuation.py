"""Valuation by replacement cost: each kind, rate changes, reversals and currencies."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from coproduction import services
from coproduction.models import ValuationRate, ValuationRun
from coproduction.valuation import revalue_cycle, value_unvalued
from tests.coproduction.factories import make_entry, make_project, skill
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    return make_user("contributor@example.org"), make_user("verifier@example.org")


def carpentry_rate(**fields) -> ValuationRate:
    values = {
        "kind": "occupation",
        "occupation_code": "47-2031",
        "occupation_title": "Carpenters",
        "amount": Decimal("30.00"),
        "currency": "USD",
        "fringe_percent": Decimal("40"),
        "publisher": "U.S. Bureau of Labor Statistics",
        "series": "OEWS mean hourly wage",
        "data_year": 2023,
        "geography": "United States",
        "source_url": "https://www.bls.gov/oes/",
        "valid_from": date(2024, 1, 1),
    }
    values.update(fields)
    return ValuationRate.objects.create(**values)


def general_rate(amount: str, currency: str = "USD", valid_from=date(2024, 1, 1)):
    return ValuationRate.objects.create(
        kind="general",
        amount=Decimal(amount),
        currency=currency,
        publisher="City finance office",
        series="Local volunteer rate",
        data_year=2025,
        geography="Riverton",
        source_url="https://example.org/rates",
        valid_from=valid_from,
    )


def value_of(entry):
    value_unvalued(entry_ids=[entry.pk])
    return entry.valuations.order_by("-revision").first()


def test_general_hours_are_valued_at_the_default_independent_sector_rate_as_memo(project, people):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("4"), verified_by=verifier)

    valuation = value_of(entry)

    assert valuation.amount == Decimal("133.96")  # 4 h × USD 33.49
    assert valuation.currency == "USD"
    assert valuation.method == "general-rate"
    assert valuation.rate.publisher == "Independent Sector"
    assert valuation.rate_amount == Decimal("33.49")
    assert "Independent Sector" in valuation.source and "2023 data" in valuation.source
    assert valuation.is_recognisable is False
    assert valuation.basis == "memo"


def test_skilled_work_in_own_profession_is_valued_at_the_occupation_wage_plus_fringe(
    project, people
):
    contributor, verifier = people
    rate = carpentry_rate()
    entry = make_entry(
        project,
        contributor,
        kind="skilled",
        skill=skill("carpentry"),
        is_own_profession=True,
        hours=Decimal("5"),
        verified_by=verifier,
    )

    valuation = value_of(entry)

    assert valuation.rate == rate
    assert valuation.amount == Decimal("210.00")  # 5 h × (30.00 + 40 %)
    assert valuation.fringe_percent == Decimal("40")
    assert valuation.method == "specialist-rate"
    assert valuation.is_recognisable is True
    assert valuation.basis == "specialised-skill"


def test_skilled_person_outside_their_profession_is_valued_at_the_general_rate(project, people):
    contributor, verifier = people
    carpentry_rate()
    entry = make_entry(
        project,
        contributor,
        kind="skilled",
        skill=skill("carpentry"),
        is_own_profession=False,
        hours=Decimal("2"),
        verified_by=verifier,
    )

    valuation = value_of(entry)

    assert valuation.method == "general-rate"
    assert valuation.amount == Decimal("66.98")
    assert valuation.is_recognisable is False


def test_professional_work_without_an_occupation_rate_falls_back_to_the_general_rate(
    project, people
):
    contributor, verifier = people
    entry = make_entry(
        project,
        contributor,
        kind="skilled",
        skill=skill("legal"),
        is_own_profession=True,
        hours=Decimal("1"),
        verified_by=verifier,
    )

    assert value_of(entry).method == "general-rate"


def test_general_work_that_builds_an_asset_is_recognisable(project, people):
    contributor, verifier = people
    entry = make_entry(project, contributor, creates_asset=True, verified_by=verifier)

    valuation = value_of(entry)

    assert valuation.is_recognisable is True
    assert valuation.basis == "asset"


@pytest.mark.parametrize(
    ("kind", "method"),
    [("materials", "fair-market"), ("equipment", "fair-rental"), ("space", "fair-rental")],
)
def test_goods_and_loans_are_valued_at_their_fair_value_in_the_cycle_currency(
    project, people, kind, method
):
    contributor, verifier = people
    entry = make_entry(
        project, contributor, kind=kind, fair_value=Decimal("250.50"), verified_by=verifier
    )

    valuation = value_of(entry)

    assert valuation.method == method
    assert valuation.amount == Decimal("250.50")
    assert valuation.currency == "EUR"
    assert valuation.rate is None
    assert valuation.is_recognisable is True
    assert valuation.basis == "goods"


def test_only_verified_entries_are_valued(project, people):
    contributor, verifier = people
    submitted = make_entry(project, contributor)
    declined = make_entry(project, contributor, hours=Decimal("3"))
    services.ledger_entry_decide(entry=declined, by=verifier, verify=False, reason="Not ours")

    assert value_unvalued(entry_ids=[submitted.pk, declined.pk]) == 0
    assert value_unvalued() == 0


def test_valuing_twice_writes_one_value(project, people):
    contributor, verifier = people
    entry = make_entry(project, contributor, verified_by=verifier)

    assert value_unvalued(entry_ids=[entry.pk]) == 1
    assert value_unvalued(entry_ids=[entry.pk]) == 0
    assert value_unvalued() == 0
    assert entry.valuations.count() == 1


def test_a_new_rate_never_changes_recorded_values_and_revaluing_writes_new_ones(
    project, people, finance
):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("10"), verified_by=verifier)
    first = value_of(entry)
    assert first.amount == Decimal("334.90")

    general_rate("40.00", valid_from=date(2025, 1, 1))
    value_unvalued()
    first.refresh_from_db()
    assert first.amount == Decimal("334.90")
    assert entry.valuations.count() == 1

    run = ValuationRun.objects.create(
        cycle=project.cycle, requested_by=finance, reason="New local rate"
    )
    assert revalue_cycle(run_id=run.pk, cycle_id=project.cycle_id) == 1
    assert revalue_cycle(run_id=run.pk, cycle_id=project.cycle_id) == 0  # idempotent
    latest = entry.valuations.order_by("-revision").first()
    assert (latest.revision, latest.amount, latest.run) == (2, Decimal("400.00"), run)
    first.refresh_from_db()
    assert first.amount == Decimal("334.90")


def test_the_rate_valid_on_the_day_of_the_work_is_used(project, people):
    contributor, verifier = people
    today = timezone.localdate()
    general_rate("50.00", valid_from=today - timedelta(days=1))
    old_work = make_entry(
        project, contributor, worked_on=today - timedelta(days=10), verified_by=verifier
    )
    new_work = make_entry(project, contributor, worked_on=today, verified_by=verifier)

    assert value_of(old_work).rate_amount == Decimal("33.49")
    assert value_of(new_work).rate_amount == Decimal("50.00")


def test_work_before_any_rate_is_left_unvalued(project, people):
    contributor, verifier = people
    entry = make_entry(project, contributor, worked_on=date(2020, 5, 1), verified_by=verifier)

    assert value_unvalued(entry_ids=[entry.pk]) == 0


def test_a_rate_in_the_cycle_currency_is_preferred_and_the_currency_is_stored(people):
    contributor, verifier = people
    general_rate("25.00", currency="EUR")
    euro_project = make_project(make_cycle(phase="implementation", slug="euro"))
    dollar_project = make_project(
        make_cycle(phase="implementation", slug="dollar", currency="USD"), title="Dollar park"
    )
    in_euro = make_entry(euro_project, contributor, hours=Decimal("2"), verified_by=verifier)
    in_dollars = make_entry(dollar_project, contributor, hours=Decimal("2"), verified_by=verifier)

    assert (value_of(in_euro).amount, value_of(in_euro).currency) == (Decimal("50.00"), "EUR")
    assert (value_of(in_dollars).amount, value_of(in_dollars).currency) == (
        Decimal("66.98"),
        "USD",
    )


def test_a_reversal_is_valued_at_minus_the_value_of_the_entry_it_reverses(project, people, finance):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("6"), verified_by=verifier)
    value_of(entry)

    reversal = services.ledger_entry_reverse(entry=entry, by=finance, reason="Counted twice")
    valuation = value_of(reversal)

    assert valuation.method == "reversal"
    assert valuation.amount == Decimal("-200.94")
    assert valuation.hours == Decimal("-6")
    assert f"Reverses entry #{entry.pk}" in valuation.source
    assert reversal.hours == Decimal("-6")
    assert reversal.status == "verified"


def test_revaluing_keeps_a_reversal_netting_its_entry_to_zero(project, people, finance):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("3"), verified_by=verifier)
    value_of(entry)
    reversal = services.ledger_entry_reverse(entry=entry, by=finance, reason="Wrong project")
    value_of(reversal)
    general_rate("45.00")

    run = ValuationRun.objects.create(cycle=project.cycle, requested_by=finance, reason="New")
    revalue_cycle(run_id=run.pk, cycle_id=project.cycle_id)

    latest = [e.valuations.order_by("-revision").first().amount for e in (entry, reversal)]
    assert latest == [Decimal("135.00"), Decimal("-135.00")]


def test_bulk_valuation_in_small_chunks_values_everything_once(project, people, finance):
    contributor, verifier = people
    entries = [
        make_entry(project, contributor, hours=Decimal(n), verified_by=verifier)
        for n in range(1, 6)
    ]
    make_entry(project, contributor)  # not verified
    assert value_unvalued(chunk=2) == 5
    reversal = services.ledger_entry_reverse(entry=entries[0], by=finance, reason="Typo")
    assert value_unvalued(chunk=2) == 1
    assert reversal.valuations.get().amount == Decimal("-33.49")


def test_pledges_and_the_ledger_pick_the_same_rate(voting_cycle, people):
    from tests.coproduction.factories import make_proposal

    contributor, _verifier = people
    carpentry_rate()
    proposal = make_proposal(voting_cycle)
    pledge = services.pledge_create(
        proposal=proposal,
        pledger=contributor,
        kind="skilled",
        hours=Decimal("5"),
        skill=skill("carpentry"),
        is_own_profession=True,
    )

    value, currency, rate = services.pledge_valuation(pledge, on=timezone.localdate())

    assert (value, currency, rate.occupation_code) == (Decimal("210.00"), "USD", "47-2031")


def test_valuing_a_reversal_first_values_the_entry_it_reverses_too(project, people, finance):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("1"), verified_by=verifier)
    reversal = services.ledger_entry_reverse(entry=entry, by=finance, reason="Duplicate")

    assert value_unvalued(entry_ids=[reversal.pk]) == 2
    assert reversal.valuations.get().amount == Decimal("-33.49")
    assert entry.valuations.get().amount == Decimal("33.49")


def test_valuing_an_entry_also_values_its_verified_reversal(project, people, finance):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("2"), verified_by=verifier)
    reversal = services.ledger_entry_reverse(entry=entry, by=finance, reason="Duplicate")

    assert value_unvalued(entry_ids=[entry.pk]) == 2
    assert reversal.valuations.get().amount == Decimal("-66.98")


def test_a_new_rate_values_work_that_had_none_and_leaves_recorded_values(
    project, people, finance, django_capture_on_commit_callbacks
):
    contributor, verifier = people
    valued = make_entry(project, contributor, verified_by=verifier)
    value_unvalued()
    old_work = make_entry(
        project, contributor, worked_on=date(2020, 5, 1), hours=Decimal("2"), verified_by=verifier
    )
    assert value_unvalued() == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.rate_create(
            by=finance,
            fields={
                "kind": "general", "amount": Decimal("20.00"), "currency": "EUR",
                "publisher": "City", "series": "Local rate", "data_year": 2019,
                "geography": "Riverton", "source_url": "https://example.org/",
                "valid_from": date(2019, 1, 1),
            },
        )  # fmt: skip

    assert old_work.valuations.get().amount == Decimal("40.00")
    assert old_work.valuations.get().currency == "EUR"
    assert valued.valuations.get().amount == Decimal("133.96")


def test_revaluing_after_a_rate_in_the_cycle_currency_switches_the_currency(
    project, people, finance
):
    contributor, verifier = people
    entry = make_entry(project, contributor, hours=Decimal("2"), verified_by=verifier)
    first = value_of(entry)
    general_rate("25.00", currency="EUR")
    run = ValuationRun.objects.create(cycle=project.cycle, requested_by=finance, reason="EUR")

    revalue_cycle(run_id=run.pk, cycle_id=project.cycle_id)

    latest = entry.valuations.order_by("-revision").first()
    assert (latest.amount, latest.currency) == (Decimal("50.00"), "EUR")
    first.refresh_from_db()
    assert (first.amount, first.currency) == (Decimal("66.98"), "USD")
