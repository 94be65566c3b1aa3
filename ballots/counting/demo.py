"""Demo data of the count: a real past election (Assen 2024, from Pabulib), counted and
published, and the published count of ``budget-2025`` (the cycle in its results phase).

Idempotent: the import happens once, a published result is never counted again.
"""

from __future__ import annotations

from pathlib import Path

from ballots.counting import selectors, services
from ballots.models import Ballot
from pbudget.models import Cycle, DistrictBudget

DEMO_FILE = Path(__file__).resolve().parent.parent / "demo_data" / "Netherlands_Assen_2024.pb"
IMPORTED_SLUG = "assen-2024"
COUNTED_SLUG = "budget-2025"


def _count_and_publish(cycle: Cycle) -> None:
    for budget in DistrictBudget.objects.filter(cycle=cycle).select_related("district"):
        run = selectors.official_run(cycle, budget.district)
        if run is not None and run.is_published:
            continue
        run = services.count_run(cycle_id=cycle.pk, district_id=budget.district_id)
        if run is not None and run.status == "done":
            services.results_publish(run=run, user=None)


def load(*, now) -> None:
    """Import and publish Assen 2024; count and publish budget-2025 if it has ballots."""
    cycle = Cycle.objects.filter(slug=IMPORTED_SLUG).first()
    if cycle is None and DEMO_FILE.exists():
        cycle = services.pabulib_import(
            text=DEMO_FILE.read_text(encoding="utf-8-sig"),
            file_name=DEMO_FILE.name,
            slug=IMPORTED_SLUG,
            user=None,
            now=now,
        )
    if cycle is not None:
        _count_and_publish(cycle)
    counted = Cycle.objects.filter(slug=COUNTED_SLUG).first()
    if (
        counted is not None
        and now >= counted.voting_closes
        and Ballot.objects.filter(cycle=counted).exists()
    ):
        _count_and_publish(counted)
