"""The core models: phase computation and the invariants the database enforces."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from pbudget.models import Cycle, District, DistrictBudget, Phase
from tests.factories import PHASES, make_cycle, phase_dates


@pytest.mark.parametrize("phase", PHASES)
def test_phase_is_derived_from_the_dates(db, phase):
    cycle = make_cycle(phase=phase)
    assert cycle.phase == Phase(phase)


def test_phase_changes_exactly_at_each_boundary(db):
    cycle = make_cycle(phase="ideas")
    boundaries = [
        (cycle.ideas_opens, Phase.IDEAS),
        (cycle.review_opens, Phase.REVIEW),
        (cycle.voting_opens, Phase.VOTING),
        (cycle.voting_closes, Phase.RESULTS),
        (cycle.implementation_opens, Phase.IMPLEMENTATION),
    ]
    for moment, phase in boundaries:
        assert cycle.phase_at(moment - timedelta(microseconds=1)) != phase
        assert cycle.phase_at(moment) == phase
    assert cycle.phase_at(cycle.ideas_opens - timedelta(seconds=1)) == Phase.UPCOMING


def test_phase_follows_the_clock(db):
    cycle = make_cycle(phase="ideas")
    with time_machine.travel(cycle.voting_opens + timedelta(hours=1), tick=False):
        assert cycle.phase == Phase.VOTING
        assert cycle.is_voting_frozen
    with time_machine.travel(cycle.voting_opens - timedelta(hours=1), tick=False):
        assert cycle.phase == Phase.REVIEW
        assert not cycle.is_voting_frozen


def test_timeline_marks_past_and_current_phases(db):
    cycle = make_cycle(phase="voting")
    steps = {step["phase"]: step for step in cycle.timeline()}
    assert steps[Phase.VOTING]["is_current"]
    assert steps[Phase.IDEAS]["is_past"] and steps[Phase.REVIEW]["is_past"]
    assert not steps[Phase.RESULTS]["is_past"] and not steps[Phase.RESULTS]["is_current"]


def test_database_refuses_phase_dates_out_of_order(db):
    dates = phase_dates("ideas")
    dates["voting_opens"], dates["review_opens"] = dates["review_opens"], dates["voting_opens"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.create(name="Bad", slug="bad", fiscal_year=2027, **dates)


def test_database_refuses_a_negative_budget(db):
    cycle = make_cycle()
    district = District.objects.create(name="Hill", slug="hill")
    with pytest.raises(IntegrityError), transaction.atomic():
        DistrictBudget.objects.create(cycle=cycle, district=district, amount=Decimal("-1"))


def test_one_budget_per_district_and_cycle(db):
    cycle = make_cycle()
    district = cycle.budgets.first().district
    with pytest.raises(IntegrityError), transaction.atomic():
        DistrictBudget.objects.create(cycle=cycle, district=district, amount=Decimal("1"))


def test_only_one_citywide_district(db):
    District.objects.create(name="City", slug="city", is_citywide=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        District.objects.create(name="Town", slug="town", is_citywide=True)


def test_current_cycle_is_the_latest_opened_published_one(db):
    older = make_cycle(phase="implementation", slug="older")
    newer = make_cycle(phase="ideas", slug="newer")
    make_cycle(phase="upcoming", slug="future")
    assert Cycle.objects.current() == newer
    newer.is_published = False
    newer.save()
    assert Cycle.objects.current() == older


def test_current_cycle_falls_back_to_the_next_upcoming(db):
    future = make_cycle(phase="upcoming", slug="future")
    assert Cycle.objects.current() == future


def test_users_are_shown_by_display_name_never_email(db):
    from tests.factories import make_user

    user = make_user("someone@example.org")
    user.display_name = ""
    assert "@" not in str(user)
    assert str(user) == "Resident"
    assert timezone.now()
