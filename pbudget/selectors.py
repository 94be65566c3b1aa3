"""Reads of the core."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, Sum

from pbudget.models import Cycle, DistrictBudget


def cycle_with_budgets(queryset=None):
    """Cycles with their budgets and districts prefetched."""
    queryset = queryset if queryset is not None else Cycle.objects.all()
    return queryset.prefetch_related(
        Prefetch("budgets", queryset=DistrictBudget.objects.select_related("district"))
    )


def cycle_total_budget(cycle: Cycle) -> Decimal:
    """The sum of a cycle's district budgets."""
    return cycle.budgets.aggregate(total=Sum("amount"))["total"] or Decimal("0")
