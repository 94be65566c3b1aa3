"""Reads for the count: a district's ballots as a tally Election, and the results pages.

The ballots are read in one SQL statement that groups identical ballots in PostgreSQL
(``GROUP BY`` the array of choices), so 250,000 ballots arrive as a few thousand rows
with a count each; the ballot hash and every rule give the same answer for grouped and
ungrouped ballots.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ballots.models import (
    Ballot,
    BallotChoice,
    CensusEntry,
    ImportedElection,
    TallyRun,
    TallyStatus,
)
from ballots.tally import Ballot as TallyBallot
from ballots.tally import Election, Project
from pbudget.models import Cycle, District, DistrictBudget, TallyRule, VotingMethod
from proposals.models import BALLOT_STATUSES, Proposal, ProposalStatus

#: Pabulib's names for pbudget's rules (the META ``rule`` field).
PABULIB_RULES = {
    "greedy": "greedy",
    "mes": "equalshares",
    "mes-add1": "equalshares/add1",
    "mes-add1-greedy": "equalshares/add1/greedy",
    "phragmen": "phragmen",
    "borda": "greedy",
}
RULES_FROM_PABULIB = {
    "greedy": TallyRule.GREEDY,
    "equalshares": TallyRule.MES,
    "equalshares/add1": TallyRule.MES_ADD1,
    "equalshares/add1/greedy": TallyRule.MES_ADD1_GREEDY,
    "equalshares/greedy": TallyRule.MES_ADD1_GREEDY,
    "phragmen": TallyRule.PHRAGMEN,
}
RULE_LABELS = {**dict(TallyRule.choices), "borda": gettext_lazy("Borda count, then greedy")}


def vote_type_of(cycle: Cycle) -> str:
    """The Pabulib vote type of a cycle's ballots (knapsack ballots are approval ballots)."""
    if cycle.voting_method == VotingMethod.RANKED:
        return "ordinal"
    if cycle.voting_method == VotingMethod.CUMULATIVE:
        return "cumulative"
    return "approval"


def official_rule(cycle: Cycle) -> str:
    """The rule the count uses: the cycle's rule, or Borda for ranked ballots."""
    return "borda" if cycle.voting_method == VotingMethod.RANKED else cycle.tally_rule


def comparison_rules(cycle: Cycle) -> list[str]:
    """The rules shown side by side: greedy and an Equal Shares variant.

    Ranked cycles show Borda (their rule) first, then greedy and Equal Shares on the same
    ballots read as approvals (:func:`comparison_election`): Equal Shares cannot count ranks,
    and greedy by approvals shows what the ranks alone change.
    """
    mes = cycle.tally_rule if cycle.tally_rule.startswith("mes") else TallyRule.MES_ADD1_GREEDY
    rules = [TallyRule.GREEDY.value, str(mes)]
    if cycle.voting_method == VotingMethod.RANKED:
        return ["borda", *rules]
    return rules


def comparison_election(election: Election) -> Election:
    """The ballots the comparison rules count: ranked ballots read as approval ballots
    (every ranked project, whatever its place, counts as one vote), others as they are."""
    if election.vote_type != "ordinal":
        return election
    ballots = [TallyBallot(b.projects, None, b.weight, b.voter_id) for b in election.ballots]
    return Election(election.projects, election.budget, ballots, "approval", election.meta)


def district_projects(cycle: Cycle, district: District) -> list[Proposal]:
    """The projects that went to the ballot for ``district``'s budget, by id."""
    return list(
        Proposal.objects.filter(
            cycle=cycle,
            district=district,
            status__in=BALLOT_STATUSES,
            official_cost__isnull=False,
        ).order_by("pk")
    )


def district_budget(cycle: Cycle, district: District) -> Decimal | None:
    return (
        DistrictBudget.objects.filter(cycle=cycle, district=district)
        .values_list("amount", flat=True)
        .first()
    )


def grouped_ballots(
    cycle: Cycle,
    district: District,
    vote_type: str,
    project_ids: list[int],
    *,
    use_bitmask: bool = True,
) -> list[tuple[list[int], list[int] | None, int]]:
    """Distinct ballots counting for ``district`` as ``(proposal ids, points, count)``.

    Every ballot counts, also one with no choice among this budget's projects (Equal
    Shares divides the budget by the number of voters). A district counts the ballots of
    its residents; the city-wide district counts every ballot of the cycle. Only choices
    of ``project_ids`` (the budget's projects) are read; ids are in rank order for ranked
    ballots and ascending otherwise (``project_ids`` must be ascending).
    """
    ballot = Ballot._meta.db_table
    choice = BallotChoice._meta.db_table
    ballot_filter = "b.cycle_id = %s"
    filter_params: list = [cycle.pk]
    if not district.is_citywide:
        ballot_filter += " AND b.district_id = %s"
        filter_params.append(district.pk)
    # The projects belong to the cycle, so their choices need no join to the ballots; a
    # choice on a ballot outside the district drops out of the LEFT JOIN.
    bitmask = use_bitmask and vote_type == "approval" and len(project_ids) <= 63
    if bitmask:
        # Approval ballots as a 63-bit set of project positions: hashing integers is
        # cheaper than sorting every ballot's choices into an array.
        sql = f"""
            WITH chosen AS (
                SELECT c.ballot_id, bit_or(1::bigint << (u.idx::int - 1)) AS bits
                FROM {choice} c
                JOIN unnest(%s::int[]) WITH ORDINALITY AS u(pid, idx) ON u.pid = c.proposal_id
                GROUP BY c.ballot_id
            )
            SELECT coalesce(chosen.bits, 0), count(*)
            FROM {ballot} b LEFT JOIN chosen ON chosen.ballot_id = b.id
            WHERE {ballot_filter}
            GROUP BY 1
        """  # noqa: S608  (table names come from the models; values are parameters)
    else:
        order = "c.rank, c.proposal_id" if vote_type == "ordinal" else "c.proposal_id"
        sql = f"""
            WITH chosen AS (
                SELECT c.ballot_id,
                       array_agg(c.proposal_id ORDER BY {order}) AS ids,
                       array_agg(c.points ORDER BY {order}) AS points
                FROM {choice} c
                WHERE c.proposal_id = ANY(%s)
                GROUP BY c.ballot_id
            )
            SELECT chosen.ids, chosen.points, count(*)
            FROM {ballot} b LEFT JOIN chosen ON chosen.ballot_id = b.id
            WHERE {ballot_filter}
            GROUP BY chosen.ids, chosen.points
        """  # noqa: S608  (table names come from the models; values are parameters)
    params = [list(project_ids), *filter_params]
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorting and hashing 250,000 ballots' choices fits in memory instead of on disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Parallel workers would each build the whole per-ballot hash table again.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if bitmask:
        rows = [
            ([pk for i, pk in enumerate(project_ids) if bits >> i & 1], None, n) for bits, n in rows
        ]
    cumulative = vote_type == "cumulative"
    rows.sort(key=lambda row: (-row[2], row[0] or []))
    return [(ids or [], (points or []) if cumulative else None, n) for ids, points, n in rows]


def election_for(cycle: Cycle, district: District) -> Election:
    """The ballots counting for ``district``'s budget in ``cycle`` as a tally Election.

    Project ids are proposal ids as strings, so the tie rule compares them as numbers.
    """
    vote_type = vote_type_of(cycle)
    budget = district_budget(cycle, district)
    if budget is None:
        raise ValueError(f"{district} has no budget in {cycle}")
    proposals = district_projects(cycle, district)
    projects = [Project(str(p.pk), Fraction(p.official_cost), p.title) for p in proposals]
    known = {p.id for p in projects}
    ballots = []
    for ids, points, n in grouped_ballots(cycle, district, vote_type, [p.pk for p in proposals]):
        # A choice of a project no longer on the ballot (withdrawn after voting) is dropped.
        pairs = [(str(i), p) for i, p in zip(ids, points or [1] * len(ids), strict=False)]
        pairs = [(i, p) for i, p in pairs if i in known]
        ballots.append(
            TallyBallot(
                tuple(i for i, _p in pairs),
                tuple(p for _i, p in pairs) if points is not None else None,
                n,
            )
        )
    meta = {"currency": cycle.currency}
    return Election(projects, Fraction(budget), ballots, vote_type, meta)


def satisfied_voters(election: Election, selected: list[str]) -> int:
    """Voters with at least one funded project among those they voted for."""
    chosen = set(selected)
    return sum(b.weight for b in election.ballots if chosen.intersection(b.projects))


# --- results pages --------------------------------------------------------------------


def official_run(cycle: Cycle, district: District) -> TallyRun | None:
    return TallyRun.objects.filter(cycle=cycle, district=district, is_official=True).first()


def published_runs(cycle: Cycle):
    """The published official results of ``cycle``, one per district."""
    return (
        TallyRun.objects.filter(cycle=cycle, is_official=True, published_at__isnull=False)
        .select_related("district")
        .order_by("-district__is_citywide", "district__position", "district__name")
    )


def cycles_with_results():
    """Published cycles with a published result or a funded project, newest first."""
    published = Cycle.objects.published()
    counted = published.filter(tally_runs__is_official=True, tally_runs__published_at__isnull=False)
    funded = Proposal.objects.filter(status=ProposalStatus.SELECTED)
    return published.filter(
        Q(pk__in=counted.values("pk")) | Q(pk__in=funded.values("cycle_id"))
    ).order_by("-voting_closes")


def funded_without_count(cycle: Cycle) -> list[dict]:
    """Per district, the funded projects of a cycle that has no published count in pbudget
    (its vote was counted elsewhere), with what they cost; city-wide first."""
    funded = (
        Proposal.objects.filter(cycle=cycle, status=ProposalStatus.SELECTED)
        .select_related("district")
        .order_by("-district__is_citywide", "district__position", "district__name", "title")
    )
    districts: dict[int, dict] = {}
    for proposal in funded:
        row = districts.setdefault(
            proposal.district_id,
            {"district": proposal.district, "projects": [], "spent": Decimal("0")},
        )
        row["projects"].append(proposal)
        row["spent"] += proposal.official_cost or Decimal("0")
    return list(districts.values())


def count_districts(cycle: Cycle) -> list[dict]:
    """Each district with a budget in ``cycle``, its official run and its ballot count."""
    runs = {run.district_id: run for run in TallyRun.objects.filter(cycle=cycle, is_official=True)}
    budgets = DistrictBudget.objects.filter(cycle=cycle).select_related("district")
    return [
        {"district": b.district, "budget": b.amount, "run": runs.get(b.district_id)}
        for b in budgets
    ]


@dataclass
class ProjectRow:
    proposal: Proposal
    votes: int
    cost: Decimal
    share: Decimal  # of the budget, in per cent
    position: int | None  # 1-based place among the winners; None if not funded

    @property
    def funded(self) -> bool:
        return self.position is not None


def result_rows(run: TallyRun) -> tuple[list[ProjectRow], list[ProjectRow]]:
    """(winners in selection order, every project by votes) of a run."""
    projects = {p.pk: p for p in district_projects(run.cycle, run.district)}
    position = {int(pk): i for i, pk in enumerate(run.winners, start=1)}
    budget = run.budget or Decimal(1)
    rows = [
        ProjectRow(
            proposal=p,
            votes=int(run.votes.get(str(pk), 0)),
            cost=p.official_cost,
            share=(p.official_cost * 100 / budget) if run.budget else Decimal(0),
            position=position.get(pk),
        )
        for pk, p in projects.items()
    ]
    winners = sorted((r for r in rows if r.funded), key=lambda r: r.position)
    everyone = sorted(rows, key=lambda r: (-r.votes, r.cost, r.proposal.pk))
    return winners, everyone


def votes_chart(rows: list[ProjectRow], *, width: int = 640, bar_height: int = 22) -> dict:
    """Geometry of a horizontal SVG bar chart of votes, funded projects marked."""
    label_width, gap, pad = 230, 6, 4
    peak = max((r.votes for r in rows), default=0) or 1
    plot = width - label_width - 60
    bars = []
    for index, row in enumerate(rows):
        y = pad + index * (bar_height + gap)
        length = plot * row.votes / peak
        bars.append(
            {
                "row": row,
                "y": y,
                "text_y": y + bar_height * 0.7,
                "length": round(length, 1),
                "value_x": round(label_width + length + 6, 1),
                "label": row.proposal.title[:34] + ("…" if len(row.proposal.title) > 34 else ""),
            }
        )
    return {
        "width": width,
        "height": pad * 2 + len(rows) * (bar_height + gap),
        "bar_height": bar_height,
        "label_x": label_width - 8,
        "bar_x": label_width,
        "bars": bars,
        "peak": peak,
    }


def _comparison_label(rule: str, *, ranked: bool) -> str:
    """The column heading of ``rule``; on a ranked cycle, say when it counted approvals."""
    label = str(RULE_LABELS.get(rule, rule))
    if not ranked or rule == "borda":
        return label
    if rule == TallyRule.GREEDY:
        return _("Greedy by approvals: most approvals first, while the money lasts")
    return _("%(rule)s, on approvals") % {"rule": label}


def missing_comparison_rules(run: TallyRun) -> list[str]:
    """The comparison rules with no finished result for ``run``'s cycle and district."""
    rules = comparison_rules(run.cycle)
    done = set(
        TallyRun.objects.filter(
            cycle_id=run.cycle_id, district_id=run.district_id, rule__in=rules,
            status=TallyStatus.DONE,
        ).values_list("rule", flat=True)
    )  # fmt: skip
    return [rule for rule in rules if rule not in done]


def rule_comparison(run: TallyRun) -> dict | None:
    """The comparison rules on the same ballots: winners, differences, satisfied voters.

    A project is "only here" when no other rule funds it. With three rules (ranked cycles),
    a project the official rule does not fund is marked in the other columns as well.
    """
    rules = comparison_rules(run.cycle)
    if len(rules) < 2:
        return None
    runs = {
        r.rule: r
        for r in TallyRun.objects.filter(
            cycle=run.cycle, district=run.district, rule__in=rules, status=TallyStatus.DONE
        )
    }
    if any(rule not in runs for rule in rules):
        return None
    ranked = run.cycle.voting_method == VotingMethod.RANKED
    projects = {p.pk: p for p in district_projects(run.cycle, run.district)}
    funded = {rule: set(runs[rule].winners) for rule in rules}
    official = funded.get(run.rule, set())
    columns = []
    for rule in rules:
        r = runs[rule]
        elsewhere = set().union(*(funded[other] for other in rules if other != rule))
        columns.append(
            {
                "rule": rule,
                "label": _comparison_label(rule, ranked=ranked),
                "run": r,
                "winners": [
                    {
                        "proposal": projects[int(pk)],
                        "only_here": pk not in elsewhere,
                        "not_official": (
                            len(rules) > 2 and rule != run.rule and pk not in official
                        ),
                    }
                    for pk in r.winners
                    if int(pk) in projects
                ],
                "satisfied_share": (
                    Decimal(r.satisfied_voters * 100) / r.num_voters if r.num_voters else None
                ),
            }
        )
    same = all(funded[rule] == funded[rules[0]] for rule in rules)
    return {"columns": columns, "same": same, "ranked": ranked}


def turnout_of(run: TallyRun) -> dict:
    """Ballots counted for the district, and the census it came from when there is one.

    An election imported from a file has no census here: only its ballots are shown.
    """
    if ImportedElection.objects.filter(cycle_id=run.cycle_id).exists():
        return {"voters": run.num_voters, "eligible": 0, "share": None}
    census = CensusEntry.objects.all()
    if not run.district.is_citywide:
        census = census.filter(district=run.district)
    eligible = census.count()
    share = Decimal(run.num_voters * 100) / eligible if eligible else None
    return {"voters": run.num_voters, "eligible": eligible, "share": share}
