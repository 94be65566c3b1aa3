"""Demo data: a census, two verified demo residents, a booth and anonymous ballots.

Demo ballots go the way real ones do: each voter's roll row and sealed ballot, then the
mixing of the box (``ballots.mixing``). Their receipt codes are random and shown to no one.

Demo census entries anyone may verify with (document number, birth date, postal code):
``DEMO-<district>-<n>`` such as ``DEMO-OLD-TOWN-7``, born 1980-01-01 plus n days, postal
code ``10<district index><n % 10>``. resident@ holds ``RESIDENT-1`` (Old Town) and
neighbour@ ``NEIGHBOUR-1`` (Riverside). Running the loader twice adds nothing twice.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction

from ballots.hashing import ballot_link, document_hash, new_receipt_code, receipt_hash
from ballots.mixing import ballot_box_mix
from ballots.models import (
    Booth,
    BoothBallotCount,
    CensusEntry,
    Channel,
    SealedBallot,
    VoterRoll,
)
from ballots.selectors import ballot_sections
from ballots.services import ballot_seal
from pbudget.models import Cycle, District, User, VotingMethod

PER_DISTRICT = 90
DEMO_VOTERS = {"budget-2026": 320, "budget-2025": 180}
PAPER_SHARE = 0.15
RESERVED = 5  # DEMO-<district>-1 … -5 never vote in the demo: try verification with them


def demo_document(district: District, n: int) -> str:
    return f"DEMO-{district.slug.upper()}-{n}"


def demo_details(index: int, n: int) -> tuple[date, str]:
    return date(1980, 1, 1) + timedelta(days=n * 97), f"10{index}{n % 10}"


def random_values(cycle: Cycle, sections, rng: random.Random) -> dict[int, int]:
    """A valid random ballot under the cycle's method (used for demo and benchmark data)."""
    values: dict[int, int] = {}
    for section in sections:
        projects = list(section.projects)
        rng.shuffle(projects)
        method = cycle.voting_method
        if method == VotingMethod.APPROVAL:
            for project in projects[
                : rng.randint(1, max(1, min(cycle.max_choices, len(projects))))
            ]:
                values[project.pk] = 1
        elif method == VotingMethod.KNAPSACK:
            spent = 0
            for project in projects:
                if spent + project.official_cost <= section.budget and rng.random() < 0.7:
                    values[project.pk] = 1
                    spent += project.official_cost
        elif method == VotingMethod.CUMULATIVE:
            left = cycle.points_total
            for project in projects:
                points = min(left, rng.randint(1, cycle.points_max_per_project))
                if points <= 0:
                    break
                values[project.pk] = points
                left -= points
        elif method == VotingMethod.RANKED:
            for rank, project in enumerate(projects[: cycle.rank_count], start=1):
                values[project.pk] = rank
    return values


def _census(now) -> None:
    districts = list(District.objects.filter(is_citywide=False).order_by("position", "pk"))
    existing = set(CensusEntry.objects.values_list("document_hash", flat=True))
    new = []
    for index, district in enumerate(districts, start=1):
        for n in range(1, PER_DISTRICT + 1):
            digest = document_hash(demo_document(district, n))
            if digest in existing:
                continue
            birth, postal = demo_details(index, n)
            new.append(
                CensusEntry(
                    document_hash=digest,
                    birth_date=birth,
                    postal_code=postal,
                    district=district,
                )
            )
    CensusEntry.objects.bulk_create(new)
    for email, document, slug, postal in [
        ("resident@demo.pbudget.local", "RESIDENT-1", "old-town", "10100"),
        ("neighbour@demo.pbudget.local", "NEIGHBOUR-1", "riverside", "10200"),
    ]:
        user = User.objects.filter(email=email).first()
        district = District.objects.filter(slug=slug).first()
        if user is None or district is None:
            continue
        entry, _created = CensusEntry.objects.get_or_create(
            document_hash=document_hash(document),
            defaults={"birth_date": date(1990, 5, 17), "postal_code": postal, "district": district},
        )
        if entry.claimed_by_id is None and not CensusEntry.objects.filter(claimed_by=user).exists():
            entry.claimed_by = user
            entry.claimed_at = now
            entry.claimed_channel = Channel.ONLINE
            entry.save()


def _ballots(cycle: Cycle, booth: Booth | None, voters: int, now) -> None:
    if VoterRoll.objects.filter(cycle=cycle).exists():
        return
    rng = random.Random(f"pbudget-demo-{cycle.slug}")
    entries = list(
        CensusEntry.objects.filter(claimed_by__isnull=True)
        .select_related("district")
        .order_by("pk")
    )
    reserved = {
        document_hash(demo_document(district, n))
        for district in District.objects.filter(is_citywide=False)
        for n in range(1, RESERVED + 1)
    }
    entries = [entry for entry in entries if entry.document_hash not in reserved]
    rng.shuffle(entries)
    entries = entries[:voters]
    sections_by_district = {}
    start = cycle.voting_opens
    end = min(now, cycle.voting_closes)
    span = max((end - start).total_seconds(), 3600)
    rolls, sealed = [], []
    paper_counts: dict[int, int] = {}
    for entry in entries:
        if entry.district_id not in sections_by_district:
            sections_by_district[entry.district_id] = ballot_sections(cycle, entry.district)
        sections = sections_by_district[entry.district_id]
        # More votes towards the end, as in real votes.
        moment = start + timedelta(seconds=span * (rng.random() ** 0.6))
        paper = booth is not None and rng.random() < PAPER_SHARE
        channel = Channel.PAPER if paper else Channel.ONLINE
        rolls.append(
            VoterRoll(
                voter=entry,
                cycle=cycle,
                district=entry.district,
                channel=channel,
                voted_at=moment,
                booth=booth if paper else None,
            )
        )
        if paper:
            paper_counts[entry.district_id] = paper_counts.get(entry.district_id, 0) + 1
        values = random_values(cycle, sections, rng)
        record = ballot_seal(
            cycle=cycle,
            sections=sections,
            values=values,
            channel=channel,
            link=None if paper else ballot_link(entry.pk, cycle.pk),
            receipt=None if paper else receipt_hash(new_receipt_code()),
        )
        sealed.append(SealedBallot(cycle=cycle, district=entry.district, sealed=record))
    VoterRoll.objects.bulk_create(rolls, ignore_conflicts=True)
    SealedBallot.objects.bulk_create(sealed)
    for district_id, count in paper_counts.items():
        BoothBallotCount.objects.update_or_create(
            booth=booth, district_id=district_id, defaults={"marked": count, "entered": count}
        )
    ballot_box_mix(cycle_id=cycle.pk, now=now)


@transaction.atomic
def load(*, now) -> None:
    """Census, verified demo residents, a booth per voting cycle, and demo ballots."""
    _census(now)
    for slug, voters in DEMO_VOTERS.items():
        cycle = Cycle.objects.filter(slug=slug).first()
        if cycle is None:
            continue
        booth, _created = Booth.objects.get_or_create(
            cycle=cycle, name="Town Hall", defaults={"place": "1 Main Square"}
        )
        _ballots(cycle, booth, voters, now)
