"""Writes of the core: cycles, budgets and districts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pbudget.models import Cycle, District, DistrictBudget

# Fields that may not change once voting has opened (with the budgets themselves).
FROZEN_FIELDS = (
    "voting_method",
    "max_choices",
    "min_spend_share",
    "points_total",
    "points_max_per_project",
    "rank_count",
    "voting_opens",
)


def _normalise(value: Any) -> Any:
    # Forms drop microseconds from datetimes; they are not a change.
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def _set_budgets(cycle: Cycle, budgets: dict[District, Decimal | None]) -> None:
    for district, amount in budgets.items():
        if amount is None:
            DistrictBudget.objects.filter(cycle=cycle, district=district).delete()
        else:
            DistrictBudget.objects.update_or_create(
                cycle=cycle, district=district, defaults={"amount": amount}
            )


@transaction.atomic
def cycle_create(*, fields: dict[str, Any], budgets: dict[District, Decimal | None]) -> Cycle:
    """Create a cycle with its district budgets."""
    cycle = Cycle(**fields)
    cycle.full_clean()
    cycle.save()
    _set_budgets(cycle, budgets)
    return cycle


@transaction.atomic
def cycle_update(
    *, cycle: Cycle, fields: dict[str, Any], budgets: dict[District, Decimal | None]
) -> Cycle:
    """Change a cycle; once voting has opened, its method, limits and budgets are frozen."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.is_voting_frozen:
        changed = [
            name
            for name in FROZEN_FIELDS
            if name in fields and fields[name] != getattr(locked, name)
        ]
        current = {b.district_id: b.amount for b in locked.budgets.all()}
        budget_changed = any(
            current.get(district.pk) != amount for district, amount in budgets.items()
        )
        if changed or budget_changed:
            raise ValidationError(
                _(
                    "Voting has opened: the voting method, its limits and the budgets can no "
                    "longer change."
                ),
                code="voting_frozen",
            )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    _set_budgets(locked, budgets)
    return locked


@transaction.atomic
def district_save(*, district: District | None, fields: dict[str, Any]) -> District:
    """Create or change a district."""
    district = district or District()
    for name, value in fields.items():
        setattr(district, name, value)
    district.full_clean()
    district.save()
    return district
