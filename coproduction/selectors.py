"""Reads of the coproduction app: totals for pages, the finance export and the dashboard.

Sums of money are always kept per currency: a value in the cycle's currency is never
added to one in another currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum

from coproduction.models import (
    LABOUR_KINDS,
    ContributionKind,
    EntryStatus,
    LedgerEntry,
    Offer,
    Pledge,
    PledgeStatus,
    Valuation,
    ValuationMethod,
    Visibility,
)
from pbudget.models import Cycle, User
from proposals.models import Proposal

ZERO = Decimal("0")


def accepted_pledges_by_proposal(proposal_ids: Iterable[int]) -> dict[int, dict]:
    """{proposal pk: {"values": {currency: Decimal}, "people": int}} in one query.

    People: each individual pledger once, plus each named group's largest head count.
    """
    rows = (
        Pledge.objects.accepted()
        .filter(proposal_id__in=list(proposal_ids))
        .values("proposal_id", "currency", "pledger_id", "group_name")
        .annotate(total=Sum("value"), people=Max("people"))
        .order_by()
    )
    result: dict[int, dict] = {}
    individuals: dict[int, set] = defaultdict(set)
    groups: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        pk = row["proposal_id"]
        entry = result.setdefault(pk, {"values": {}, "people": 0})
        values = entry["values"]
        values[row["currency"]] = values.get(row["currency"], ZERO) + (row["total"] or ZERO)
        if row["group_name"]:
            name = row["group_name"].strip().lower()
            groups[pk][name] = max(groups[pk].get(name, 0), row["people"] or 1)
        else:
            individuals[pk].add(row["pledger_id"])
    for pk, entry in result.items():
        entry["people"] = len(individuals[pk]) + sum(groups[pk].values())
    return result


def verified_values_by_project(proposal_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """{project pk: {currency: Decimal}}: the current value of verified entries, one query."""
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        Valuation.objects.current()
        .filter(entry__project_id__in=list(proposal_ids))
        .values("entry__project_id", "currency")
        .annotate(total=Sum("amount"))
    )
    for row in rows:
        result[row["entry__project_id"]][row["currency"]] = row["total"] or ZERO
    return dict(result)


def inkind_by_proposal(cycle: Cycle) -> dict[int, dict]:
    """The in-kind value of each proposal of ``cycle`` that has any, for the finance export.

    {proposal pk: {"currency": the cycle's, "pledged": Decimal, "verified": Decimal
    (both in the cycle's currency), "pledged_other" / "verified_other": {currency:
    Decimal} (values in other currencies, never converted), "recognisable" / "memo":
    {currency: Decimal} (verified, split by FASB recognition), "hours_pledged",
    "hours_verified": Decimal, "pledgers": int, "contributors": int}}. Five queries.
    """
    currency = cycle.currency
    proposals = Proposal.objects.filter(cycle=cycle)
    result: dict[int, dict] = {}

    def row_for(pk: int) -> dict:
        return result.setdefault(
            pk,
            {
                "currency": currency,
                "pledged": ZERO,
                "verified": ZERO,
                "pledged_other": {},
                "verified_other": {},
                "recognisable": {},
                "memo": {},
                "hours_pledged": ZERO,
                "hours_verified": ZERO,
                "pledgers": 0,
                "contributors": 0,
            },
        )

    pledges = accepted_pledges_by_proposal(proposals.values_list("pk", flat=True))
    for pk, data in pledges.items():
        row = row_for(pk)
        row["pledgers"] = data["people"]
        for cur, total in data["values"].items():
            if cur == currency:
                row["pledged"] = total
            else:
                row["pledged_other"][cur] = total
    hours = (
        Pledge.objects.accepted()
        .filter(proposal__cycle=cycle, kind__in=LABOUR_KINDS)
        .values("proposal_id")
        .annotate(total=Sum("hours"))
    )
    for item in hours:
        row_for(item["proposal_id"])["hours_pledged"] = item["total"] or ZERO
    values = (
        Valuation.objects.current()
        .filter(entry__project__cycle=cycle)
        .values("entry__project_id", "currency", "is_recognisable")
        .annotate(total=Sum("amount"))
    )
    for item in values:
        row = row_for(item["entry__project_id"])
        total = item["total"] or ZERO
        if item["currency"] == currency:
            row["verified"] += total
        else:
            row["verified_other"][item["currency"]] = (
                row["verified_other"].get(item["currency"], ZERO) + total
            )
        split = row["recognisable"] if item["is_recognisable"] else row["memo"]
        split[item["currency"]] = split.get(item["currency"], ZERO) + total
    entries = (
        LedgerEntry.objects.verified()
        .filter(project__cycle=cycle)
        .values("project_id")
        .annotate(
            hours=Sum("hours", filter=Q(kind__in=LABOUR_KINDS)),
            people=Count("contributor", distinct=True, filter=Q(reverses__isnull=True)),
        )
    )
    for item in entries:
        row = row_for(item["project_id"])
        row["hours_verified"] = item["hours"] or ZERO
        row["contributors"] = item["people"]
    return result


def ledger_rows(cycle: Cycle, *, batch_size: int = 5000) -> Iterator[dict]:
    """Every ledger entry of ``cycle`` with its status and current value, in id order.

    Read in batches by id (keyset pagination), two queries a batch, so 100,000+ rows stream
    in constant memory. The contributor is given by id: exports pseudonymise it.
    """
    last = 0
    base = (
        LedgerEntry.objects.filter(project__cycle=cycle)
        .select_related("project__district", "skill", "decision")
        .order_by("pk")
    )
    while True:
        batch = list(base.filter(pk__gt=last)[:batch_size])
        if not batch:
            return
        values = {
            valuation.entry_id: valuation
            for valuation in Valuation.objects.current()
            .filter(entry_id__in=[entry.pk for entry in batch])
            .only(
                "entry_id",
                "revision",
                "method",
                "rate_id",
                "rate_amount",
                "fringe_percent",
                "amount",
                "currency",
                "is_recognisable",
                "basis",
                "source",
            )
        }
        for entry in batch:
            valuation = values.get(entry.pk)
            yield {
                "entry_id": entry.pk,
                "project_id": entry.project_id,
                "project": entry.project.title,
                "district": entry.project.district.name,
                "contributor_id": entry.contributor_id,
                "kind": entry.kind,
                "worked_on": entry.worked_on,
                "hours": entry.hours,
                "skill": entry.skill.name if entry.skill else "",
                "soc_code": entry.skill.soc_code if entry.skill else "",
                "description": entry.description,
                "reverses_id": entry.reverses_id,
                "status": entry.status,
                "flags": list(entry.flags),
                "value": valuation.amount if valuation else None,
                "currency": valuation.currency if valuation else "",
                "method": valuation.method if valuation else "",
                "is_recognisable": valuation.is_recognisable if valuation else None,
                "recognition_basis": valuation.basis if valuation else "",
                "rate_id": valuation.rate_id if valuation else None,
                "rate_amount": valuation.rate_amount if valuation else None,
                "fringe_percent": valuation.fringe_percent if valuation else None,
                "source": valuation.source if valuation else "",
                "revision": valuation.revision if valuation else None,
            }
        last = batch[-1].pk


def _money_table(rows, key: str) -> dict:
    """{key value: {currency: Decimal}} from rows with ``key``, "currency", "total"."""
    table: dict = defaultdict(dict)
    for row in rows:
        table[row[key]][row["currency"]] = row["total"] or ZERO
    return dict(table)


def project_budget_line(project: Proposal) -> dict:
    """Cash cost beside in-kind value, pledged and verified, by kind and method.

    Cash and in-kind are never netted. The total project value and the leverage ratio
    (verified in-kind per unit of cash; pledged when nothing is verified yet) are given
    only where the in-kind value is in the cycle's currency; other currencies are listed
    apart.
    """
    currency = project.cycle.currency
    cash = project.official_cost or ZERO
    accepted = Pledge.objects.accepted().filter(proposal=project)
    pledged_by_kind = _money_table(
        accepted.values("kind", "currency").annotate(total=Sum("value")).order_by("kind"),
        "kind",
    )
    valuations = Valuation.objects.current().filter(entry__project=project)
    verified_by_kind = _money_table(
        valuations.values("entry__kind", "currency")
        .annotate(total=Sum("amount"))
        .order_by("entry__kind"),
        "entry__kind",
    )
    verified_by_method = _money_table(
        valuations.values("method", "currency").annotate(total=Sum("amount")).order_by("method"),
        "method",
    )
    recognition = _money_table(
        valuations.values("is_recognisable", "currency").annotate(total=Sum("amount")),
        "is_recognisable",
    )

    def totals(table: dict) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for per_currency in table.values():
            for cur, amount in per_currency.items():
                out[cur] = out.get(cur, ZERO) + amount
        return out

    pledged = totals(pledged_by_kind)
    verified = totals(verified_by_kind)
    inkind_same = verified.get(currency, ZERO) if verified else pledged.get(currency, ZERO)
    entries = LedgerEntry.objects.filter(project=project)
    counts = entries.aggregate(
        submitted=Count("pk", filter=Q(decision__isnull=True)),
        verified=Count("pk", filter=Q(decision__outcome=EntryStatus.VERIFIED)),
        hours=Sum("hours", filter=Q(decision__outcome=EntryStatus.VERIFIED, kind__in=LABOUR_KINDS)),
        contributors=Count(
            "contributor",
            distinct=True,
            filter=Q(decision__outcome=EntryStatus.VERIFIED, reverses__isnull=True),
        ),
    )
    kinds = dict(ContributionKind.choices)
    methods = dict(ValuationMethod.choices)
    return {
        "currency": currency,
        "cash": cash,
        "pledged": pledged,
        "verified": verified,
        "pledged_by_kind": [(kinds[k], v) for k, v in pledged_by_kind.items()],
        "verified_by_kind": [(kinds[k], v) for k, v in verified_by_kind.items()],
        "verified_by_method": [(methods[k], v) for k, v in verified_by_method.items()],
        "recognisable": recognition.get(True, {}),
        "memo": recognition.get(False, {}),
        "other_currencies": sorted((set(pledged) | set(verified)) - {currency}),
        "total_value": cash + inkind_same,
        "leverage": (inkind_same / cash).quantize(Decimal("0.001")) if cash else None,
        "leverage_basis": "verified" if verified else "pledged",
        "pledge_count": accepted.count(),
        "pledges_delivered": accepted.filter(ledger_entries__decision__outcome=EntryStatus.VERIFIED)
        .distinct()
        .count(),
        "pending_pledges": Pledge.objects.filter(
            proposal=project, status=PledgeStatus.PENDING
        ).count(),
        **{f"entries_{k}": v for k, v in counts.items()},
    }


def dashboard(cycle: Cycle) -> dict:
    """Hours, value and contributors of a cycle, by district and by project."""
    verified = LedgerEntry.objects.verified().filter(project__cycle=cycle)
    by_project = list(
        verified.values("project_id", "project__title", "project__district__name")
        .annotate(
            hours=Sum("hours", filter=Q(kind__in=LABOUR_KINDS)),
            contributors=Count("contributor", distinct=True, filter=Q(reverses__isnull=True)),
        )
        .order_by("project__title")
    )
    by_district = list(
        verified.values("project__district_id", "project__district__name")
        .annotate(
            hours=Sum("hours", filter=Q(kind__in=LABOUR_KINDS)),
            contributors=Count("contributor", distinct=True, filter=Q(reverses__isnull=True)),
        )
        .order_by("project__district__name")
    )
    current = Valuation.objects.current().filter(entry__project__cycle=cycle)
    value_project = _money_table(
        current.values("entry__project_id", "currency").annotate(total=Sum("amount")),
        "entry__project_id",
    )
    value_district = _money_table(
        current.values("entry__project__district_id", "currency").annotate(total=Sum("amount")),
        "entry__project__district_id",
    )
    pledges = accepted_pledges_by_proposal(
        Proposal.objects.filter(cycle=cycle).values_list("pk", flat=True)
    )
    for row in by_project:
        row["values"] = value_project.get(row["project_id"], {})
        row["hours"] = row["hours"] or ZERO
    for row in by_district:
        row["values"] = value_district.get(row["project__district_id"], {})
        row["hours"] = row["hours"] or ZERO
    currencies = sorted({cur for row in by_project for cur in row["values"]})
    totals = verified.aggregate(
        hours=Sum("hours", filter=Q(kind__in=LABOUR_KINDS)),
        contributors=Count("contributor", distinct=True, filter=Q(reverses__isnull=True)),
    )
    total_values: dict[str, Decimal] = {}
    for row in by_project:
        for cur, amount in row["values"].items():
            total_values[cur] = total_values.get(cur, ZERO) + amount
    pledged_values: dict[str, Decimal] = {}
    for data in pledges.values():
        for cur, amount in data["values"].items():
            pledged_values[cur] = pledged_values.get(cur, ZERO) + amount
    titles = dict(Proposal.objects.filter(pk__in=list(pledges)).values_list("pk", "title"))
    pledged_by_project = sorted(
        ({"proposal_id": pk, "title": titles.get(pk, ""), **data} for pk, data in pledges.items()),
        key=lambda row: row["title"],
    )
    return {
        "pledged_by_project": pledged_by_project,
        "by_project": by_project,
        "by_district": by_district,
        "currencies": currencies,
        "hours": totals["hours"] or ZERO,
        "contributors": totals["contributors"],
        "values": total_values,
        "pledged_values": pledged_values,
        "pledgers": sum(data["people"] for data in pledges.values()),
    }


def offer_search(*, skill=None, district=None, text: str = "") -> QuerySet[Offer]:
    """Offers their owners let staff and proposal authors find."""
    offers = (
        Offer.objects.filter(visibility=Visibility.LISTED)
        .select_related("user", "district")
        .prefetch_related("skills")
        .order_by("-updated_at")
    )
    if skill is not None:
        offers = offers.filter(skills=skill)
    if district is not None:
        offers = offers.filter(Q(district=district) | Q(district__isnull=True))
    if text:
        offers = offers.filter(
            Q(tools__icontains=text)
            | Q(space__icontains=text)
            | Q(languages__icontains=text)
            | Q(note__icontains=text)
        )
    return offers.distinct()


def project_contributors(project: Proposal, *, entered_by: User) -> QuerySet[User]:
    """Whom ``entered_by`` may log a contribution for on ``project``.

    People whose pledge to the project was accepted, people already on its ledger, and
    ``entered_by`` themselves; never a deactivated account.
    """
    pledgers = Pledge.objects.filter(proposal=project, status=PledgeStatus.ACCEPTED).values(
        "pledger_id"
    )
    logged = LedgerEntry.objects.filter(project=project).values("contributor_id")
    return User.objects.filter(
        Q(pk__in=pledgers) | Q(pk__in=logged) | Q(pk=entered_by.pk), is_active=True
    ).order_by("display_name", "email")
