"""Reads of the ballots app: ballot sections, census look-ups, turnout, and the tally feed.

For the tally: :func:`ballots_for_tally` ``(cycle, district) -> list[list[tuple[int, int]]]``
returns one list per committed ballot that counts for ``district``'s budget, in two
queries (``values_list``), with every voter included, even one who chose nothing there
(Method of Equal Shares divides the budget by the number of voters):

- a district: the ballots cast by residents of that district, with their choices among
  that district's projects;
- the city-wide district: every ballot of the cycle, with its choices among the city-wide
  projects.

Each ballot is a list of ``(proposal_id, value)`` pairs: value 1 for approval and knapsack
ballots, the points for cumulative ballots, the rank (1 = first choice) for ranked
ballots. Pairs are sorted by rank for ranked ballots and by proposal id otherwise. Ballots
come in a stable order (by ballot id, which is random and says nothing about who or when).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from ballots.hashing import document_hash, normalise_postal_code
from ballots.models import Ballot, BallotChoice, CensusEntry, Channel, VoterRoll
from pbudget import fastread
from pbudget.db import bound_cursor
from pbudget.models import Cycle, District, DistrictBudget, Phase, VotingMethod
from proposals.models import Proposal


@dataclass
class BallotSection:
    """The projects of one budget on a ballot: the voter's district, or the city-wide one."""

    district: District
    budget: Decimal
    projects: list[Proposal]


def ballot_sections(cycle: Cycle, district: District) -> list[BallotSection]:
    """The sections of ``district``'s ballot: its own projects, then the city-wide ones.

    Only budgets of the cycle with at least one project on the ballot make a section.
    One query: each project carries its district's budget (``ballot_budget``).
    """
    budget = DistrictBudget.objects.filter(cycle=cycle, district=OuterRef("district_id"))
    projects = (
        Proposal.objects.on_ballot(cycle, district)
        .select_related("district")
        .defer("description", "description_html")  # long, and not on the ballot
        .annotate(ballot_budget=Subquery(budget.order_by().values("amount")[:1]))
        .filter(ballot_budget__isnull=False)
        .order_by("title", "pk")
    )
    grouped: dict[int, list[Proposal]] = defaultdict(list)
    for project in projects:
        grouped[project.district_id].append(project)
    sections = [
        BallotSection(district=items[0].district, budget=items[0].ballot_budget, projects=items)
        for items in grouped.values()
    ]
    sections.sort(key=lambda section: (section.district.is_citywide, section.district.position))
    return sections


# Sections of ballots being cast, kept in this process: {key: (expires, sections)}.
_CASTING_SECTIONS: dict[tuple, tuple[float, list[BallotSection]]] = {}


def ballot_sections_for_casting(cycle: Cycle, district: District) -> list[BallotSection]:
    """``ballot_sections`` for a ballot being cast, kept in memory during the vote.

    Once voting opens the project list, the costs and the budgets are frozen (reviews
    happen in the review phase; budgets and limits refuse changes), so a cast need not
    read them again: they are kept for ``PBUDGET_BALLOT_SECTIONS_SECONDS`` (0 turns this
    off) per process. Saving a project, budget, cycle or district in this process
    forgets them at once (``forget_casting_sections``). Outside the voting phase the
    sections are always read.
    """
    seconds = settings.PBUDGET_BALLOT_SECTIONS_SECONDS
    if seconds <= 0 or cycle.phase != Phase.VOTING:
        return ballot_sections(cycle, district)
    key = (cycle.pk, district.pk, cycle.voting_opens, cycle.voting_method)
    now = time.monotonic()
    kept = _CASTING_SECTIONS.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    sections = ballot_sections(cycle, district)
    _CASTING_SECTIONS[key] = (now + seconds, sections)
    return sections


def forget_casting_sections(**_kwargs) -> None:
    """Drop the kept sections (a signal receiver: a project, budget or cycle changed)."""
    _CASTING_SECTIONS.clear()


def cycle_and_entry_for_ballot(slug: str, user) -> tuple[Cycle | None, CensusEntry | None]:
    """The cycle with ``slug`` and the census entry ``user`` has claimed, in one query.

    The entry comes with its district and ``email_verified`` (whether the account has a
    confirmed e-mail, ``pbudget.predicates.is_verified_email``). Casting a ballot reads
    all of them on every request, so one prepared query (``pbudget.fastread``) does it.
    """
    user_id = user.pk if user.is_authenticated else None
    with bound_cursor() as cursor:
        cursor.execute(_cycle_and_entry_sql(), [user_id, user_id, slug])
        row = cursor.fetchone()
    if row is None:
        return None, None
    cycle_end = fastread.width(Cycle)
    entry_end = cycle_end + fastread.width(CensusEntry)
    cycle = fastread.build(Cycle, "c", row[:cycle_end])
    if row[cycle_end] is None:  # no census entry claimed by this account
        return cycle, None
    entry = fastread.build(CensusEntry, "e", row[cycle_end:entry_end])
    entry.district = fastread.build(District, "d", row[entry_end:-1])
    entry.email_verified = row[-1]
    return cycle, entry


@cache
def _cycle_and_entry_sql() -> str:
    table = fastread.table
    # Only table and column names from the models go into the text; values are parameters.
    return (
        f"SELECT {fastread.columns(Cycle, 'c')}, {fastread.columns(CensusEntry, 'e')}, "  # noqa: S608
        f"{fastread.columns(District, 'd')}, "
        f"EXISTS (SELECT 1 FROM {table(EmailAddress)} a WHERE a.user_id = %s AND a.verified) "
        f"FROM {table(Cycle)} c "
        f"LEFT JOIN ({table(CensusEntry)} e JOIN {table(District)} d ON d.id = e.district_id) "
        "ON e.claimed_by_id = %s "
        "WHERE c.slug = %s LIMIT 1"
    )


def census_lookup(
    *, document_number: str, birth_date: date, postal_code: str, for_update: bool = False
) -> CensusEntry | None:
    """The census entry matching all three details, or None."""
    queryset = CensusEntry.objects.select_related("district", "claimed_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(
        document_hash=document_hash(document_number),
        birth_date=birth_date,
        postal_code=normalise_postal_code(postal_code),
    ).first()


def census_entry_of(user) -> CensusEntry | None:
    """The census entry the account has claimed, if any."""
    if not user.is_authenticated:
        return None
    return CensusEntry.objects.filter(claimed_by=user).select_related("district").first()


def ballots_for_tally(cycle: Cycle, district: District) -> list[list[tuple[int, int]]]:
    """Every committed ballot counting for ``district``'s budget (see the module docstring)."""
    ballots = Ballot.objects.filter(cycle=cycle)
    choices = BallotChoice.objects.filter(ballot__cycle=cycle, proposal__district=district)
    if not district.is_citywide:
        ballots = ballots.filter(district=district)
        choices = choices.filter(ballot__district=district)
    ranked = cycle.voting_method == VotingMethod.RANKED
    cumulative = cycle.voting_method == VotingMethod.CUMULATIVE
    grouped: dict = {pk: [] for pk in ballots.order_by("pk").values_list("pk", flat=True)}
    order = ("ballot_id", "rank", "proposal_id") if ranked else ("ballot_id", "proposal_id")
    for ballot_id, proposal_id, points, rank in choices.order_by(*order).values_list(
        "ballot_id", "proposal_id", "points", "rank"
    ):
        value = rank if ranked else (points if cumulative else 1)
        grouped[ballot_id].append((proposal_id, value))
    return list(grouped.values())


# --- turnout --------------------------------------------------------------------------


def turnout(cycle: Cycle) -> dict:
    """Voters per district and per day, online and on paper, with the census as the base."""
    by_district: dict[int, dict] = {}
    districts = {
        d.pk: d for d in District.objects.filter(is_citywide=False, budgets__cycle=cycle).distinct()
    }
    for district in districts.values():
        by_district[district.pk] = {
            "district": district,
            "online": 0,
            "paper": 0,
            "total": 0,
            "eligible": 0,
            "share": None,
        }
    for district_id, channel, count in (
        VoterRoll.objects.filter(cycle=cycle)
        .values("district_id", "channel")
        .annotate(n=Count("pk"))
        .values_list("district_id", "channel", "n")
    ):
        row = by_district.setdefault(
            district_id,
            {
                "district": District.objects.get(pk=district_id),
                "online": 0,
                "paper": 0,
                "total": 0,
                "eligible": 0,
                "share": None,
            },
        )
        row[channel] += count
        row["total"] += count
    for district_id, count in (
        CensusEntry.objects.filter(district_id__in=list(by_district))
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    ):
        by_district[district_id]["eligible"] = count
    for row in by_district.values():
        if row["eligible"]:
            row["share"] = Decimal(row["total"] * 100) / row["eligible"]
    rows = sorted(by_district.values(), key=lambda r: (r["district"].position, r["district"].name))

    tz = timezone.get_current_timezone()
    per_day: dict[date, dict] = {}
    for day, channel, count in (
        VoterRoll.objects.filter(cycle=cycle)
        .annotate(day=TruncDate("voted_at", tzinfo=tz))
        .values("day", "channel")
        .annotate(n=Count("pk"))
        .values_list("day", "channel", "n")
    ):
        entry = per_day.setdefault(day, {"day": day, "online": 0, "paper": 0, "total": 0})
        entry[channel] += count
        entry["total"] += count
    days = []
    if per_day:
        first = min(per_day)
        last = max(per_day)
        day = first
        while day <= last:
            days.append(per_day.get(day, {"day": day, "online": 0, "paper": 0, "total": 0}))
            day += timedelta(days=1)
    totals = {
        "online": sum(r["online"] for r in rows),
        "paper": sum(r["paper"] for r in rows),
        "total": sum(r["total"] for r in rows),
        "eligible": sum(r["eligible"] for r in rows),
    }
    totals["share"] = (
        Decimal(totals["total"] * 100) / totals["eligible"] if totals["eligible"] else None
    )
    return {"districts": rows, "days": days, "totals": totals}


def turnout_chart(days: list[dict], *, width: int = 640, height: int = 220) -> dict:
    """Bar geometry for an SVG chart of voters per day (online below, paper stacked on top)."""
    pad_left, pad_bottom, pad_top = 44, 28, 10
    plot_height = height - pad_bottom - pad_top
    peak = max((d["total"] for d in days), default=0) or 1
    slot = (width - pad_left) / max(len(days), 1)
    bar = max(slot * 0.7, 2)
    bars = []
    for index, day in enumerate(days):
        x = pad_left + index * slot + (slot - bar) / 2
        online_h = plot_height * day["online"] / peak
        paper_h = plot_height * day["paper"] / peak
        bars.append(
            {
                "day": day,
                "x": round(x, 1),
                "width": round(bar, 1),
                "online_y": round(pad_top + plot_height - online_h, 1),
                "online_h": round(online_h, 1),
                "paper_y": round(pad_top + plot_height - online_h - paper_h, 1),
                "paper_h": round(paper_h, 1),
                "label_x": round(x + bar / 2, 1),
                "show_label": len(days) <= 10 or index % max(len(days) // 8, 1) == 0,
            }
        )
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "peak": peak,
        "axis_x": pad_left,
        "baseline": pad_top + plot_height,
        "top": pad_top,
        "label_y": height - 8,
    }


def receipt_hashes(cycle: Cycle):
    """The published receipt hashes of a cycle, sorted (no order of casting shows)."""
    return (
        Ballot.objects.filter(cycle=cycle, receipt_hash__isnull=False)
        .order_by("receipt_hash")
        .values_list("receipt_hash", flat=True)
    )


def booth_reconciliation(booth) -> dict:
    """Per district at a booth: people marked as voted, paper ballots entered, difference."""
    marked = dict(
        VoterRoll.objects.filter(booth=booth, channel=Channel.PAPER)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    entered = dict(booth.ballot_counts.values_list("district_id", "entered"))
    ids = set(marked) | set(entered)
    districts = {d.pk: d for d in District.objects.filter(pk__in=ids)}
    rows = [
        {
            "district": districts[pk],
            "marked": marked.get(pk, 0),
            "entered": entered.get(pk, 0),
            "difference": entered.get(pk, 0) - marked.get(pk, 0),
            "left": max(marked.get(pk, 0) - entered.get(pk, 0), 0),
        }
        for pk in ids
    ]
    rows.sort(key=lambda r: (r["district"].position, r["district"].name))
    total = {
        "marked": sum(r["marked"] for r in rows),
        "entered": sum(r["entered"] for r in rows),
    }
    total["difference"] = total["entered"] - total["marked"]
    return {"rows": rows, "total": total}


def voting_cycles():
    """Published cycles whose voting is open now."""
    now = timezone.now()
    return Cycle.objects.published().filter(voting_opens__lte=now, voting_closes__gt=now)


__all__ = [
    "BallotSection",
    "ballot_sections",
    "ballots_for_tally",
    "booth_reconciliation",
    "census_entry_of",
    "census_lookup",
    "receipt_hashes",
    "turnout",
    "turnout_chart",
    "voting_cycles",
]
