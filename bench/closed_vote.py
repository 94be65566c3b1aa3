"""A cycle whose vote has just closed, with one district's projects (shared by benchmarks)."""

from __future__ import annotations

import random


def closed_vote(*, slug: str, name: str, projects: int, rng: random.Random, **cycle_fields):
    """Make (again) cycle ``slug``, closed a minute ago, with a budget of 2,000,000 and
    ``projects`` projects of 20,000–399,000; return (cycle, district, project ids)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from pbudget.models import Cycle, District, DistrictBudget
    from proposals.models import Proposal, ProposalStatus

    remove_vote(slug)
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=name,
        slug=slug,
        fiscal_year=2026,
        ideas_opens=now - timedelta(days=90),
        review_opens=now - timedelta(days=60),
        voting_opens=now - timedelta(days=30),
        voting_closes=now - timedelta(minutes=1),
        implementation_opens=now + timedelta(days=30),
        voting_method="approval",
        **cycle_fields,
    )
    district, _created = District.objects.get_or_create(
        slug=f"{slug}-district", defaults={"name": f"{name} district", "position": 999}
    )
    DistrictBudget.objects.create(cycle=cycle, district=district, amount=Decimal("2000000"))
    proposals = Proposal.objects.bulk_create(
        [
            Proposal(
                cycle=cycle,
                district=district,
                title=f"{name} project {n}",
                summary="Benchmark",
                description="Benchmark",
                status=ProposalStatus.FEASIBLE,
                official_cost=Decimal(rng.randrange(20, 400) * 1000),
            )
            for n in range(projects)
        ]
    )
    return cycle, district, [p.pk for p in proposals]


def remove_vote(slug: str) -> None:
    """Delete cycle ``slug`` with its box, ballots, counts, projects and budgets."""
    from ballots.models import Ballot, BallotChoice, BallotLink, SealedBallot, TallyRun
    from pbudget.models import Cycle, DistrictBudget
    from proposals.models import Proposal

    cycle = Cycle.objects.filter(slug=slug).first()
    if cycle is None:
        return
    SealedBallot.objects.filter(cycle=cycle).delete()
    BallotChoice.objects.filter(ballot__cycle=cycle).delete()
    BallotLink.objects.filter(cycle=cycle).delete()
    Ballot.objects.filter(cycle=cycle).delete()
    TallyRun.objects.filter(cycle=cycle).delete()
    Proposal.objects.filter(cycle=cycle).delete()
    DistrictBudget.objects.filter(cycle=cycle).delete()
    cycle.delete()
