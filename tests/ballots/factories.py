"""Factories for ballot tests: projects on a ballot, census entries, verified voters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ballots.hashing import document_hash
from ballots.models import Booth, CensusEntry
from pbudget.models import Cycle, District
from proposals.models import Proposal, ProposalStatus
from tests.factories import make_user

BIRTH = date(1990, 5, 17)


def make_project(cycle: Cycle, district: District, cost, title: str = "") -> Proposal:
    """A feasible proposal with an official cost: on the ballot."""
    number = Proposal.objects.count() + 1
    return Proposal.objects.create(
        cycle=cycle,
        district=district,
        title=title or f"Project {number}",
        summary=f"Summary of project {number}",
        description="A project.",
        status=ProposalStatus.FEASIBLE,
        official_cost=Decimal(cost),
    )


def make_entry(
    document: str,
    district: District,
    *,
    birth: date = BIRTH,
    postal: str = "28001",
    claimed_by=None,
) -> CensusEntry:
    return CensusEntry.objects.create(
        document_hash=document_hash(document),
        birth_date=birth,
        postal_code=postal,
        district=district,
        claimed_by=claimed_by,
    )


def make_voter(email: str, district: District, *, document: str | None = None, **entry_fields):
    """A resident whose account has claimed a census entry of ``district``."""
    user = make_user(email, roles=["resident"])
    make_entry(document or f"DOC-{email}", district, claimed_by=user, **entry_fields)
    return user


def make_booth(cycle: Cycle, name: str = "Town Hall") -> Booth:
    return Booth.objects.create(cycle=cycle, name=name)


def sealed_ballots(cycle: Cycle) -> list:
    """The ballots waiting in ``cycle``'s box, opened with the private key, oldest first."""
    from ballots.box import opener
    from ballots.models import SealedBallot

    open_ballot = opener()
    rows = SealedBallot.objects.filter(cycle=cycle).order_by("seq")
    return [open_ballot(sealed) for sealed in rows.values_list("sealed", flat=True)]


def mix_after_close(cycle: Cycle):
    """Mix the whole box as the mixing task does once ``cycle``'s voting has closed."""
    from datetime import timedelta

    from ballots.mixing import ballot_box_mix

    return ballot_box_mix(cycle_id=cycle.pk, now=cycle.voting_closes + timedelta(minutes=1))
