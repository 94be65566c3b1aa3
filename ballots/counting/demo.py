"""Demo data of the count: two real past elections from Pabulib, counted and published
(Assen 2024, approval ballots, and Chicago's 35th Ward 2021, ranked ballots, whose results
page compares Borda with the rules on approvals), and the published count of
``budget-2025`` (the cycle in its results phase).

Idempotent: the import happens once, a published result is never counted again.
"""

from __future__ import annotations

from pathlib import Path

from ballots.counting import selectors, services
from ballots.models import Ballot
from pbudget.models import Cycle, DistrictBudget

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"
DEMO_FILE = DEMO_DATA / "Netherlands_Assen_2024.pb"
IMPORTED_SLUG = "assen-2024"
RANKED_FILE = DEMO_DATA / "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb"
RANKED_SLUG = "chicago-35th-2021"
COUNTED_SLUG = "budget-2025"


def _count_and_publish(cycle: Cycle) -> None:
    for budget in DistrictBudget.objects.filter(cycle=cycle).select_related("district"):
        run = selectors.official_run(cycle, budget.district)
        if run is not None and run.is_published:
            continue
        run = services.count_run(cycle_id=cycle.pk, district_id=budget.district_id)
        if run is not None and run.status == "done":
            services.results_publish(run=run, user=None)


def _import(path: Path, slug: str, *, now) -> None:
    cycle = Cycle.objects.filter(slug=slug).first()
    if cycle is None and path.exists():
        cycle = services.pabulib_import(
            text=path.read_text(encoding="utf-8-sig"),
            file_name=path.name,
            slug=slug,
            user=None,
            now=now,
        )
    if cycle is not None:
        _count_and_publish(cycle)


def load(*, now) -> None:
    """Import and publish Assen 2024 and Chicago 2021; count and publish budget-2025 if it
    has ballots."""
    _import(DEMO_FILE, IMPORTED_SLUG, now=now)
    _import(RANKED_FILE, RANKED_SLUG, now=now)
    counted = Cycle.objects.filter(slug=COUNTED_SLUG).first()
    if (
        counted is not None
        and now >= counted.voting_closes
        and Ballot.objects.filter(cycle=counted).exists()
    ):
        _count_and_publish(counted)
