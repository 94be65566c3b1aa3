"""Factories for coproduction tests: proposals and projects, pledges, ledger entries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from coproduction.models import EntryStatus, LedgerDecision, LedgerEntry, Skill
from pbudget.models import District
from proposals.models import Proposal, ProposalStatus


def make_proposal(cycle, *, status=ProposalStatus.FEASIBLE, cost="40000", **fields) -> Proposal:
    district = fields.pop("district", None) or District.objects.get(slug="old-town")
    return Proposal.objects.create(
        cycle=cycle,
        district=district,
        title=fields.pop("title", "A new community garden"),
        summary=fields.pop("summary", "Raised beds and a shed in the park."),
        description=fields.pop("description", "Raised beds, a shed and a water tap."),
        status=status,
        official_cost=Decimal(cost) if cost is not None else None,
        **fields,
    )


def make_project(cycle, **fields) -> Proposal:
    """A funded project whose delivery began 60 days ago and ends in 60 days."""
    today = timezone.localdate()
    fields.setdefault("starts_on", today - timedelta(days=60))
    fields.setdefault("ends_on", today + timedelta(days=60))
    fields.setdefault("title", "Benches for the riverside")
    return make_proposal(cycle, status=ProposalStatus.SELECTED, **fields)


def skill(slug: str) -> Skill:
    return Skill.objects.get(slug=slug)


def make_entry(project, contributor, *, verified_by=None, **fields) -> LedgerEntry:
    """A ledger entry written directly (no flags), verified when ``verified_by`` is given."""
    fields.setdefault("kind", "general")
    fields.setdefault("worked_on", timezone.localdate() - timedelta(days=5))
    if fields["kind"] in ("general", "skilled"):
        fields.setdefault("hours", Decimal("4"))
    else:
        fields.setdefault("fair_value", Decimal("100"))
        fields.setdefault("description", "Timber")
    entry = LedgerEntry.objects.create(
        project=project,
        contributor=contributor,
        entered_by=fields.pop("entered_by", contributor),
        currency=fields.pop("currency", project.cycle.currency),
        **fields,
    )
    if verified_by is not None:
        LedgerDecision.objects.create(
            entry=entry, outcome=EntryStatus.VERIFIED, decided_by=verified_by
        )
    return entry
