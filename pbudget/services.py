"""Writes of the core: cycles, budgets and districts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pbudget import registry
from pbudget.models import Cycle, District, DistrictBudget

# Fields that may not change once voting has opened (with the budgets themselves).
FROZEN_FIELDS = (
    "currency",
    "ideas_opens",
    "review_opens",
    "voting_opens",
    "voting_method",
    "max_choices",
    "min_spend_share",
    "points_total",
    "points_max_per_project",
    "rank_count",
)


def _normalise(value: Any) -> Any:
    # Forms give dates to the minute; seconds and microseconds are not a change.
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0)
    return value


def cycle_closing_movable(*, cycle: Cycle) -> bool:
    """Whether ``voting_closes`` may still change: before voting opens; after, only to
    extend it while voting is open and before any count has started."""
    if not cycle.is_voting_frozen:
        return True
    if timezone.now() >= cycle.voting_closes:
        return False
    return not registry.cycle_fact("count_started", cycle.pk)


def cycle_check_update(
    *, cycle: Cycle, fields: dict[str, Any], budgets: dict[District, Decimal | None]
) -> dict[str, Any]:
    """Refuse changes to what voting froze; return ``fields`` less the unchanged dates.

    Once voting opens the phase dates up to it, the voting method, its limits and the
    budgets are frozen; voting may be extended (``voting_closes`` moved later) only while
    it is still open and no count has started.
    """
    fields = {
        name: value
        for name, value in fields.items()
        if not (
            isinstance(value, datetime) and _normalise(value) == _normalise(getattr(cycle, name))
        )
    }
    if not cycle.is_voting_frozen:
        return fields
    changed = [
        name
        for name in FROZEN_FIELDS
        if name in fields and _normalise(fields[name]) != _normalise(getattr(cycle, name))
    ]
    current = {b.district_id: b.amount for b in cycle.budgets.all()}
    budget_changed = any(current.get(district.pk) != amount for district, amount in budgets.items())
    if changed or budget_changed:
        raise ValidationError(
            _(
                "Voting has opened: the voting method, its limits, the budgets and the dates "
                "up to the opening of voting can no longer change."
            ),
            code="voting_frozen",
        )
    closes = fields.get("voting_closes")
    if closes is not None:
        if not cycle_closing_movable(cycle=cycle):
            raise ValidationError(
                {
                    "voting_closes": ValidationError(
                        _(
                            "Voting has closed or its count has started: the closing date "
                            "can no longer change."
                        ),
                        code="closing_frozen",
                    )
                }
            )
        if closes < cycle.voting_closes:
            raise ValidationError(
                {
                    "voting_closes": ValidationError(
                        _("Voting is open: its closing can only be moved later."),
                        code="closing_not_extended",
                    )
                }
            )
    return fields


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
    """Change a cycle; once voting has opened, what it froze stays (``cycle_check_update``)."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    fields = cycle_check_update(cycle=locked, fields=fields, budgets=budgets)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    _set_budgets(locked, budgets)
    return locked


@transaction.atomic
def cycle_delete(*, cycle: Cycle) -> None:
    """Delete a cycle that nobody has voted in."""
    locked = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if registry.cycle_fact("has_ballots", locked.pk):
        raise ValidationError(
            _("People have voted in this cycle: it cannot be deleted."), code="has_ballots"
        )
    locked.delete()


@transaction.atomic
def district_save(*, district: District | None, fields: dict[str, Any]) -> District:
    """Create or change a district."""
    district = district or District()
    for name, value in fields.items():
        setattr(district, name, value)
    district.full_clean()
    district.save()
    return district
