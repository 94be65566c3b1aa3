# ruff: noqa: E501  (demo data tables read best one row a line)
"""Demo data: offers, pledges on ballot proposals, and a verified, valued ledger.

Runs after the proposals loader (order 60). Idempotent: a second run adds nothing twice.
If the proposals loader has made no proposals, the pledges and the ledger are skipped.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from coproduction import services
from coproduction.models import (
    EntryStatus,
    LedgerDecision,
    LedgerEntry,
    Offer,
    Pledge,
    PledgeStatus,
    RateKind,
    Skill,
    ValuationRate,
    Visibility,
)
from coproduction.skills import ensure_taxonomy
from coproduction.valuation import value_unvalued
from pbudget import roles
from pbudget.models import District, User
from proposals.models import Proposal, ProposalStatus

DEMO_DOMAIN = "demo.pbudget.local"

# BLS OEWS, May 2023, national mean hourly wage (rounded figures for the demo: a finance
# officer checks the published table before using them). Fringe: employer benefits as a
# share of wages, BLS Employer Costs for Employee Compensation.
OEWS_RATES = [
    ("47-2031", "Carpenters", "29.80", "oes472031"),
    ("47-2111", "Electricians", "32.10", "oes472111"),
    ("47-2152", "Plumbers, Pipefitters, and Steamfitters", "31.30", "oes472152"),
    ("37-3011", "Landscaping and Groundskeeping Workers", "18.70", "oes373011"),
    ("27-1024", "Graphic Designers", "31.40", "oes271024"),
    (
        "27-1013",
        "Fine Artists, Including Painters, Sculptors, and Illustrators",
        "34.50",
        "oes271013",
    ),
]
FRINGE_PERCENT = Decimal("42")

# (local part, display name, district slug, skill slugs, hours a month, tools, space, languages)
CONTRIBUTORS = [
    ("resident", None, "old-town", ["gardening", "cooking"], 6, "", "", "English, Spanish"),
    ("neighbour", None, "riverside", ["carpentry", "painting"], 10, "Cordless drill, ladders", "", "English"),
    ("carla", "Carla Carpenter", "riverside", ["carpentry", "construction"], 12, "Mitre saw, workbench", "", "English, Italian"),
    ("dev", "Dev Designer", "northgate", ["graphic-design", "web-development"], 5, "", "", "English, Hindi"),
    ("eli", "Eli Electrician", "eastfield", ["electrical"], 4, "Cable tester", "", "English"),
    ("fatima", "Fatima Gardener", "hillcrest", ["gardening", "tree-care"], 8, "Wheelbarrow, shovels", "Garden shed near the park", "English, Arabic, French"),
]  # fmt: skip


def _email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _rates() -> None:
    for code, title, amount, page in OEWS_RATES:
        ValuationRate.objects.get_or_create(
            kind=RateKind.OCCUPATION,
            occupation_code=code,
            publisher="U.S. Bureau of Labor Statistics",
            data_year=2023,
            defaults={
                "occupation_title": title,
                "amount": Decimal(amount),
                "currency": "USD",
                "fringe_percent": FRINGE_PERCENT,
                "series": "Occupational Employment and Wage Statistics, mean hourly wage "
                "(demo figure: check the published table)",
                "geography": "United States",
                "source_url": f"https://www.bls.gov/oes/2023/may/{page}.htm",
                "valid_from": date(2024, 4, 1),
            },
        )


def _people() -> dict[str, User]:
    people = {}
    resident_group = Group.objects.filter(name=roles.RESIDENT).first()
    for local, display, *_rest in CONTRIBUTORS:
        email = _email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            from pbudget.demo import DEMO_PASSWORD

            user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
            user.display_name = display or ""
            user.save(update_fields=["display_name"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if resident_group:
                user.groups.add(resident_group)
        people[local] = user
    return people


def _offers(people: dict[str, User]) -> None:
    for local, _display, district, skills, hours, tools, space, languages in CONTRIBUTORS:
        user = people[local]
        if Offer.objects.filter(user=user).exists():
            continue
        services.offer_save(
            user=user,
            fields={
                "district": District.objects.filter(slug=district).first(),
                "hours_per_month": hours,
                "tools": tools,
                "space": space,
                "languages": languages,
                "visibility": Visibility.LISTED,  # demo residents chose to be found
            },
            skills=list(Skill.objects.filter(slug__in=skills)),
        )


def _pledges(people: dict[str, User], now) -> None:
    reviewer = User.objects.filter(email=_email("reviewer")).first()
    skill = {s.slug: s for s in Skill.objects.all()}
    plans = [
        ("carla", {"kind": "skilled", "hours": Decimal("24"), "skill": skill["carpentry"], "is_own_profession": True}),
        ("neighbour", {"kind": "general", "hours": Decimal("12")}),
        ("fatima", {"kind": "materials", "description": "Native plant seedlings", "quantity": "60 plants", "estimated_value": Decimal("240")}),
        ("resident", {"kind": "general", "hours": Decimal("8"), "group_name": "Old Town Garden Club", "people": 6}),
        ("dev", {"kind": "skilled", "hours": Decimal("10"), "skill": skill["graphic-design"], "is_own_profession": True}),
        ("eli", {"kind": "equipment", "description": "Generator for the opening day", "quantity": "1 day", "estimated_value": Decimal("90")}),
    ]  # fmt: skip
    ballots = list(
        Proposal.objects.filter(
            cycle__slug="budget-2026", status=ProposalStatus.FEASIBLE, is_hidden=False
        ).order_by("pk")[:4]
    )
    others = list(
        Proposal.objects.filter(status=ProposalStatus.SUBMITTED, is_hidden=False).order_by("pk")[:2]
    )
    for index, proposal in enumerate(ballots + others):
        for turn in range(3):
            local, fields = plans[(index + turn) % len(plans)]
            pledger = people[local]
            if Pledge.objects.filter(proposal=proposal, pledger=pledger).exists():
                continue
            pledge = services.pledge_create(proposal=proposal, pledger=pledger, **fields)
            if reviewer is None or proposal.status != ProposalStatus.FEASIBLE or turn == 2:
                continue  # left for a reviewer to decide
            pledge.value, pledge.currency, pledge.rate = services.pledge_valuation(
                pledge, on=timezone.localdate(now)
            )
            pledge.status = PledgeStatus.ACCEPTED
            pledge.decided_by = reviewer
            pledge.decided_at = now
            pledge.decision_reason = "Thank you: the project team will contact you."
            pledge.save()


def _receipt() -> ContentFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (240, 240, 230)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="receipt.png")


def _ledger(people: dict[str, User], now) -> None:
    finance = User.objects.filter(email=_email("finance")).first()
    if finance is None:
        return
    skill = {s.slug: s for s in Skill.objects.all()}
    today = timezone.localdate(now)
    projects = [
        project
        for slug in ("budget-2024", "budget-2025")
        for project in Proposal.objects.filter(cycle__slug=slug, status=ProposalStatus.SELECTED)
        .select_related("cycle")
        .order_by("pk")[:4]
    ]
    created = []
    for number, project in enumerate(projects):
        if LedgerEntry.objects.filter(project=project).exists():
            continue
        # Within the delivery dates, up to today: the last 90 days of that window.
        end = min(project.ends_on or today, today)
        start = project.starts_on or project.cycle.voting_closes.date()
        if start > end:
            continue  # delivery has not begun: nothing to log yet
        start = max(start, end - timedelta(days=90))
        span = max((end - start).days, 1)

        def day(offset: int, start=start, span=span, number=number) -> date:
            return start + timedelta(days=(offset * 5 + number * 11) % span)

        plans = [
            ("carla", {"kind": "skilled", "hours": Decimal("6"), "skill": skill["carpentry"], "is_own_profession": True, "creates_asset": True, "worked_on": day(1)}),
            ("neighbour", {"kind": "general", "hours": Decimal("4"), "worked_on": day(2), "place": project.place}),
            ("resident", {"kind": "general", "hours": Decimal("3.5"), "worked_on": day(5), "creates_asset": True}),
            ("fatima", {"kind": "materials", "description": "Compost and mulch", "quantity": "12 bags", "fair_value": Decimal("84"), "worked_on": day(3), "evidence": _receipt()}),
            ("dev", {"kind": "skilled", "hours": Decimal("5"), "skill": skill["graphic-design"], "is_own_profession": False, "worked_on": day(7)}),
            ("eli", {"kind": "space", "description": "Workshop for building benches", "quantity": "2 days", "fair_value": Decimal("150"), "worked_on": day(4)}),
        ]  # fmt: skip
        for turn, (local, fields) in enumerate(plans):
            if (number + turn) % 5 == 4:
                continue
            entry = services.ledger_entry_create(
                project=project, contributor=people[local], entered_by=people[local], **fields
            )
            created.append(entry.pk)
            if turn < 5:  # the last one waits for verification
                LedgerDecision.objects.create(
                    entry=entry, outcome=EntryStatus.VERIFIED, decided_by=finance
                )
    if created:
        value_unvalued(entry_ids=created)


def load(*, now=None) -> None:
    """Create the coproduction demo data (idempotent)."""
    now = now or timezone.now()
    ensure_taxonomy()  # normally there from migration 0003; an emptied database lacks it
    _rates()
    people = _people()
    _offers(people)
    _pledges(people, now)
    _ledger(people, now)
