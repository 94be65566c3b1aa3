"""Writes for the count: start, run and publish a count; import a Pabulib file as a cycle.

A count leaves exactly one official row per cycle and district, whatever happens: the
row is created (or reset) when the count is queued, claimed when a worker starts, and
filled in by an upsert in one transaction at the end. A worker killed mid-way leaves the
row "counting"; the redelivered task (``acks_late``) claims it again and finishes it.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import pbudget
from ballots.counting import selectors
from ballots.models import (
    Ballot,
    BallotChoice,
    Channel,
    ImportedElection,
    SealedBallot,
    TallyRun,
    TallyStatus,
)
from ballots.tally import (
    TALLY_VERSION,
    Election,
    ballot_hash,
    format_amount,
    parse_pabulib_string,
    tally,
)
from pbudget.models import Cycle, District, DistrictBudget, TallyRule, User, VotingMethod
from proposals.models import BALLOT_STATUSES, Proposal, ProposalStatus
from proposals.services import proposal_status_change

#: A queued or running count older than this may be started again (its worker is gone).
STALE_AFTER = timedelta(minutes=15)


def software_version() -> str:
    return f"pbudget {pbudget.__version__}, tally {TALLY_VERSION}"


def _require_voting_closed(cycle: Cycle) -> None:
    if timezone.now() < cycle.voting_closes:
        raise ValidationError(
            _("Voting in %(cycle)s closes on %(when)s; the count can start after that.")
            % {
                "cycle": cycle.name,
                "when": timezone.localtime(cycle.voting_closes).strftime("%Y-%m-%d %H:%M"),
            },
            code="voting_open",
        )


def _require_box_empty(cycle: Cycle) -> None:
    """Refuse to count while sealed ballots wait in the box: they would be left out."""
    waiting = SealedBallot.objects.filter(cycle=cycle).count()
    if waiting:
        raise ValidationError(
            ngettext(
                "%(n)d ballot of %(cycle)s is still sealed in the ballot box. It is being "
                "mixed with the others; start the count again in a minute.",
                "%(n)d ballots of %(cycle)s are still sealed in the ballot box. They are "
                "being mixed with the others; start the count again in a minute.",
                waiting,
            )
            % {"n": waiting, "cycle": cycle.name},
            code="box_not_empty",
        )


def count_start(*, cycle: Cycle, district: District, user: User | None) -> TallyRun:
    """Queue the count of ``district`` in ``cycle``; return its (reset) official run.

    Refused while voting is open, and while the cycle's ballot box still holds sealed
    ballots (then their mixing is queued at once).
    """
    _require_voting_closed(cycle)
    try:
        _require_box_empty(cycle)
    except ValidationError:
        from ballots.tasks import enqueue_mix

        enqueue_mix(cycle_id=cycle.pk)
        raise
    return _count_queue(cycle=cycle, district=district, user=user)


@transaction.atomic
def _count_queue(*, cycle: Cycle, district: District, user: User | None) -> TallyRun:
    if selectors.district_budget(cycle, district) is None:
        raise ValidationError(
            _("%(district)s has no budget in this cycle.") % {"district": district.name},
            code="no_budget",
        )
    rule = selectors.official_rule(cycle)
    run = _official_row(cycle, district, rule)
    if run.is_published:
        raise ValidationError(
            _("The results of %(district)s are published; they cannot be counted again.")
            % {"district": district.name},
            code="already_published",
        )
    busy_since = run.started_at if run.status == TallyStatus.RUNNING else run.queued_at
    if (
        run.status in (TallyStatus.QUEUED, TallyStatus.RUNNING)
        and busy_since is not None
        and busy_since > timezone.now() - STALE_AFTER
    ):
        raise ValidationError(
            _("The count of %(district)s is already under way.") % {"district": district.name},
            code="already_running",
        )
    run.status = TallyStatus.QUEUED
    run.progress = 0
    run.error_message = ""
    run.requested_by = user
    run.queued_at = timezone.now()
    run.save()
    from ballots.tasks_tally import enqueue_count

    transaction.on_commit(lambda: enqueue_count(cycle_id=cycle.pk, district_id=district.pk))
    return run


def _official_row(cycle: Cycle, district: District, rule: str) -> TallyRun:
    """Lock (creating it if needed) the official row of ``rule``; demote an older one."""
    stale = TallyRun.objects.filter(cycle=cycle, district=district, is_official=True).exclude(
        rule=rule
    )
    if stale.filter(published_at__isnull=False).exists():
        raise ValidationError(
            _("The results of %(district)s are published; they cannot be counted again.")
            % {"district": district.name},
            code="already_published",
        )
    stale.update(is_official=False)
    TallyRun.objects.bulk_create(
        [TallyRun(cycle=cycle, district=district, rule=rule, is_official=True)],
        ignore_conflicts=True,
    )
    run = TallyRun.objects.select_for_update().get(cycle=cycle, district=district, rule=rule)
    if not run.is_official:
        run.is_official = True
        run.save(update_fields=["is_official"])
    return run


def _progress(run_id: int, percent: int) -> None:
    """Record progress (its own autocommit statement, so pages see it at once)."""
    TallyRun.objects.filter(pk=run_id).update(progress=percent)
    delay = getattr(settings, "PBUDGET_TALLY_TEST_DELAY", 0)
    if delay:
        time.sleep(delay)  # test-only: lets a test kill the worker between phases


def _full_title(name: str) -> str:
    """An imported project's name as its title: whole, or cut with an ellipsis past 300."""
    limit = Proposal._meta.get_field("title").max_length
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def count_run(*, cycle_id: int, district_id: int) -> TallyRun | None:
    """Count one district's ballots with the cycle's rule and the comparison rules.

    Idempotent: a published result is left alone; otherwise the same rows are filled in
    again. Returns the official run (None if the cycle or district is gone).
    """
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    district = District.objects.filter(pk=district_id).first()
    if cycle is None or district is None:
        return None
    rule = selectors.official_rule(cycle)
    with transaction.atomic():
        try:
            run = _official_row(cycle, district, rule)
        except ValidationError:
            return selectors.official_run(cycle, district)
        if run.is_published:
            return run
        try:
            _require_box_empty(cycle)
        except ValidationError as error:
            run.status = TallyStatus.FAILED
            run.error_message = " ".join(error.messages)
            run.finished_at = timezone.now()
            run.save()
            return run
        run.status = TallyStatus.RUNNING
        run.progress = 5
        run.started_at = timezone.now()
        run.finished_at = None
        run.error_message = ""
        run.attempts += 1
        run.save()
    try:
        _progress(run.pk, 10)
        election = selectors.election_for(cycle, district)
        _progress(run.pk, 40)
        results = {rule: tally(election, rule)}
        _progress(run.pk, 60)
        # Ranked ballots are read as approvals for the other rules (Equal Shares cannot
        # count ranks); one reading serves every such rule.
        compared = selectors.comparison_election(election)
        for other in selectors.comparison_rules(cycle):
            if other not in results:
                results[other] = tally(compared, other)
        _progress(run.pk, 90)
    except (ValueError, TypeError, ArithmeticError) as error:
        # The rule cannot count these ballots: running it again would not help.
        _fail(run.pk, str(error))
        run.refresh_from_db()
        return run
    except Exception as error:
        _fail(run.pk, _("Unexpected error: %(error)s") % {"error": error})
        raise
    try:
        return _store(
            cycle=cycle, district=district, official=rule, election=election, results=results
        )
    except Exception as error:
        _fail(run.pk, _("Unexpected error: %(error)s") % {"error": error})
        raise


def _fail(run_id: int, message: str) -> None:
    TallyRun.objects.filter(pk=run_id, published_at__isnull=True).update(
        status=TallyStatus.FAILED, error_message=message, finished_at=timezone.now()
    )


#: What an upsert of a count's rows rewrites on a row that is already there.
_RUN_FIELDS = [
    "parameters",
    "software_version",
    "ballot_hash",
    "num_voters",
    "satisfied_voters",
    "winners",
    "votes",
    "budget",
    "spent",
    "left",
    "status",
    "progress",
    "error_message",
    "started_at",
    "finished_at",
]


def _upsert(rows: list[TallyRun]) -> None:
    """Write a count's rows in one statement, replacing those of the same rules."""
    TallyRun.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["cycle", "district", "rule"],
        update_fields=_RUN_FIELDS,
    )


def _rows(*, run: TallyRun, election: Election, results: dict, hash_of_ballots: str) -> list:
    """One finished row per rule of ``results``, for ``run``'s cycle and district."""
    now = timezone.now()
    version = software_version()
    return [
        TallyRun(
            cycle=run.cycle,
            district=run.district,
            rule=rule,
            is_official=rule == run.rule,
            parameters=dict(result.options),
            software_version=version,
            ballot_hash=hash_of_ballots,
            num_voters=result.num_voters,
            satisfied_voters=selectors.satisfied_voters(election, result.selected),
            winners=list(result.selected),
            votes={k: int(v) for k, v in result.votes.items()},
            budget=_decimal(result.budget),
            spent=_decimal(result.spent),
            left=_decimal(result.left),
            status=TallyStatus.DONE,
            progress=100,
            error_message="",
            started_at=run.started_at if rule == run.rule else now,
            finished_at=now,
        )
        for rule, result in results.items()
    ]


@transaction.atomic
def _store(*, cycle: Cycle, district: District, official: str, election: Election, results):
    """Write every run of the count in one transaction (upserts on cycle, district, rule).

    Every run carries the hash of the ballots as cast, also a comparison run that read
    ranked ballots as approvals: they are the same ballots.
    """
    run = TallyRun.objects.select_for_update().get(
        cycle=cycle, district=district, rule=official, is_official=True
    )
    if run.is_published:
        return run
    _upsert(
        _rows(
            run=run,
            election=election,
            results=results,
            hash_of_ballots=results[official].ballot_hash,
        )
    )
    run.refresh_from_db()
    return run


def comparison_complete(*, run: TallyRun) -> list[str]:
    """Work out the comparison rules a finished count has no result for, and return them.

    Counts published before pbudget compared rules on ranked ballots have only their
    official row, and a published count is never run again. This counts the same ballots
    (checked by their hash) with the missing comparison rules only; the official row is not
    touched. Raises ValidationError if the ballots are not the ones the count counted.
    """
    if run.status != TallyStatus.DONE:
        raise ValidationError(_("Count the ballots first."))
    missing = selectors.missing_comparison_rules(run)
    if not missing:
        return []
    election = selectors.election_for(run.cycle, run.district)
    if ballot_hash(election) != run.ballot_hash:
        raise ValidationError(_("The ballots are not the ones this count counted."))
    compared = selectors.comparison_election(election)
    results = {rule: tally(compared, rule) for rule in missing}
    _upsert(_rows(run=run, election=election, results=results, hash_of_ballots=run.ballot_hash))
    return missing


@transaction.atomic
def results_publish(*, run: TallyRun, user: User | None) -> TallyRun:
    """Publish an official result; its district's projects become funded or not funded."""
    run = TallyRun.objects.select_for_update().select_related("cycle", "district").get(pk=run.pk)
    _require_voting_closed(run.cycle)
    if not run.is_official or run.status != TallyStatus.DONE:
        raise ValidationError(_("Only a finished count can be published."), code="not_counted")
    if run.is_published:
        raise ValidationError(_("These results are already published."), code="already_published")
    on_ballot = Proposal.objects.filter(
        cycle=run.cycle, district=run.district, status__in=BALLOT_STATUSES
    )
    winners = {int(pk) for pk in run.winners}
    # Through the proposals service, so each project's history records the result and
    # its followers are told (a district has tens of projects, not thousands).
    for proposal in on_ballot.order_by("pk"):
        outcome = ProposalStatus.SELECTED if proposal.pk in winners else ProposalStatus.NOT_SELECTED
        if proposal.status != outcome:
            proposal_status_change(
                proposal=proposal,
                to_status=outcome,
                actor=user,
                note=_("Result of the count (%(rule)s).") % {"rule": run.rule},
            )
    run.published_at = timezone.now()
    run.published_by = user
    run.save(update_fields=["published_at", "published_by"])
    return run


def pabulib_export(cycle: Cycle, district: District) -> str:
    """The anonymised ballots of a district as a Pabulib ``.pb`` file.

    Voter ids are sequence numbers over the ballots in a canonical order (most common
    ballot first), so nothing in the file tells who voted or when.
    """
    from ballots.tally import Ballot as TallyBallot
    from ballots.tally import Project, pabulib_string

    election = selectors.election_for(cycle, district)
    run = selectors.official_run(cycle, district)
    published = run is not None and run.is_published
    winners = set(run.winners) if published else set()
    votes = election.profile.votes
    projects = []
    for index, project in enumerate(election.projects):
        extra = {"votes": str(votes[index])}
        if published:
            extra["selected"] = "1" if project.id in winners else "0"
        projects.append(Project(project.id, project.cost, project.name, extra))
    ballots = []
    number = 0
    for ballot in election.ballots:
        for _copy in range(ballot.weight):
            number += 1
            ballots.append(TallyBallot(ballot.projects, ballot.points, 1, str(number)))
    rule = selectors.official_rule(cycle)
    meta = {
        "description": f"{cycle.name}: {district.name}",
        "country": getattr(settings, "PBUDGET_COUNTRY", ""),
        "unit": getattr(settings, "PBUDGET_CITY_NAME", ""),
        "subunit": "" if district.is_citywide else district.name,
        "instance": str(cycle.fiscal_year),
        "currency": cycle.currency,
        "date_begin": timezone.localtime(cycle.voting_opens).strftime("%d.%m.%Y"),
        "date_end": timezone.localtime(cycle.voting_closes).strftime("%d.%m.%Y"),
        "rule": selectors.PABULIB_RULES.get(rule, rule),
        "pbudget_rule": rule,
        "software": software_version(),
    }
    imported = ImportedElection.objects.filter(cycle=cycle).first()
    if imported is not None:
        for key in ("description", "country", "unit", "subunit", "instance", "language"):
            if imported.meta.get(key):
                meta[key] = imported.meta[key]
    meta = {key: value for key, value in meta.items() if value}
    out = Election(projects, election.budget, ballots, election.vote_type, meta)
    return pabulib_string(out)


# --- import ---------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")
VOTE_METHODS = {
    "approval": VotingMethod.APPROVAL,
    "choose-1": VotingMethod.APPROVAL,
    "knapsack": VotingMethod.KNAPSACK,
    "cumulative": VotingMethod.CUMULATIVE,
    "scoring": VotingMethod.CUMULATIVE,
    "ordinal": VotingMethod.RANKED,
}


def _bad_file(message: str) -> ValidationError:
    return ValidationError(
        _("This is not a Pabulib file pbudget can read: %(problem)s") % {"problem": message},
        code="bad_file",
    )


def _meta_date(value: str | None) -> datetime | None:
    match = _DATE.match((value or "").strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, 12, tzinfo=UTC)
    except ValueError:
        return None


def _money(value: Fraction, what: str) -> Decimal:
    try:
        amount = _decimal(value).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise _bad_file(_("%(what)s is not an amount of money") % {"what": what}) from None
    if Fraction(amount) != value or amount >= Decimal("1e12"):
        raise _bad_file(
            _("%(what)s (%(amount)s) is not an amount with at most two decimals")
            % {"what": what, "amount": format_amount(value)}
        )
    return amount


def _imported_district() -> District:
    citywide = District.objects.filter(is_citywide=True).first()
    if citywide is not None:
        return citywide
    district, _created = District.objects.get_or_create(
        slug="city-wide", defaults={"name": _("City-wide"), "is_citywide": True}
    )
    return district


@transaction.atomic
def pabulib_import(
    *,
    text: str,
    file_name: str,
    slug: str,
    user: User | None,
    rule: str | None = None,
    now: datetime | None = None,
) -> Cycle:
    """Import a Pabulib file as a past cycle: its projects, ballots and budget.

    The projects become proposals on the ballot of the city-wide district; the ballots are
    stored as anonymous paper ballots. A bad file raises ValidationError and changes nothing.
    """
    now = now or timezone.now()
    try:
        election = parse_pabulib_string(text)
        profile = election.profile  # checks every ballot names known projects
    except (ValueError, TypeError, ArithmeticError, IndexError, KeyError) as error:
        raise _bad_file(str(error)) from None
    if not election.projects:
        raise _bad_file(_("it has no projects"))
    method = VOTE_METHODS.get(election.vote_type)
    if method is None:
        raise _bad_file(_("vote type %(type)s is not supported") % {"type": election.vote_type})
    slug = slugify(slug)
    if not slug:
        raise ValidationError(_("Give the cycle a slug (letters, digits, dashes)."), code="slug")
    if Cycle.objects.filter(slug=slug).exists():
        raise ValidationError(
            _("A cycle with the slug %(slug)s exists already; choose another one.")
            % {"slug": slug},
            code="slug_taken",
        )
    meta = election.meta
    if rule is None:
        rule = selectors.RULES_FROM_PABULIB.get(meta.get("rule", "").strip(), TallyRule.GREEDY)
    if rule not in TallyRule.values:
        raise ValidationError(_("Unknown rule %(rule)s.") % {"rule": rule}, code="rule")
    budget = _money(election.budget, _("The budget"))
    costs = [
        _money(p.cost, _("The cost of project %(id)s") % {"id": p.id}) for p in election.projects
    ]

    closes = _meta_date(meta.get("date_end"))
    closes = closes + timedelta(days=1) if closes else now - timedelta(days=365)
    closes = min(closes, now - timedelta(days=1))
    opens = _meta_date(meta.get("date_begin"))
    if opens is None or opens >= closes:
        opens = closes - timedelta(days=14)
    year = int(meta["instance"][:4]) if meta.get("instance", "")[:4].isdigit() else closes.year
    currency = (meta.get("currency") or "EUR").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        currency = "EUR"
    lengths = [len(b.projects) for b in election.ballots] or [1]
    points = [sum(b.points or ()) for b in election.ballots if b.points] or [1]
    most = [max(b.points or (1,)) for b in election.ballots if b.points] or [1]
    name = (
        " ".join(
            part for part in (meta.get("unit"), meta.get("subunit"), meta.get("instance")) if part
        )
        or meta.get("description")
        or file_name
    )
    cycle = Cycle.objects.create(
        name=name[:160],
        slug=slug,
        description=_("Imported from the Pabulib file %(file)s. %(description)s")
        % {"file": file_name, "description": meta.get("description", "")},
        fiscal_year=max(year, 2000),
        currency=currency,
        ideas_opens=opens - timedelta(days=60),
        review_opens=opens - timedelta(days=30),
        voting_opens=opens,
        voting_closes=closes,
        implementation_opens=closes,
        voting_method=method,
        max_choices=max(min(max(lengths), 32767), 1),
        points_total=min(max(max(points), max(most)), 32767),
        points_max_per_project=min(max(most), 32767),
        rank_count=max(min(max(lengths), 32767), 1),
        tally_rule=rule,
    )
    district = _imported_district()
    DistrictBudget.objects.create(cycle=cycle, district=district, amount=budget)
    proposals = [
        Proposal(
            cycle=cycle,
            district=district,
            title=_full_title(project.name or _("Project %(id)s") % {"id": project.id}),
            summary=(project.extra.get("description") or project.name or project.id)[:240],
            description=project.extra.get("description") or project.name or project.id,
            description_html=f"<p>{escape(project.extra.get('description') or project.name)}</p>",
            status=ProposalStatus.FEASIBLE,
            official_cost=cost,
            submitted_at=opens - timedelta(days=45),
        )
        for project, cost in zip(election.projects, costs, strict=True)
    ]
    Proposal.objects.bulk_create(proposals)
    pk_of = {project.id: p.pk for project, p in zip(election.projects, proposals, strict=True)}
    ranked = method == VotingMethod.RANKED
    cumulative = method == VotingMethod.CUMULATIVE
    ballots, choices = [], []
    for number, ballot in enumerate(election.ballots, start=1):
        row = Ballot(
            cycle=cycle,
            district=district,
            channel=Channel.PAPER,
            receipt_hash=hashlib.sha256(f"pabulib:{slug}:{number}".encode()).hexdigest(),
        )
        ballots.append(row)
        pts = ballot.points or (1,) * len(ballot.projects)
        for rank, (pid, p) in enumerate(zip(ballot.projects, pts, strict=False), start=1):
            if cumulative and p <= 0:
                continue
            choices.append(
                BallotChoice(
                    ballot=row,
                    proposal_id=pk_of[pid],
                    points=min(p, 32767) if cumulative else 1,
                    rank=rank if ranked else None,
                )
            )
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    BallotChoice.objects.bulk_create(choices, batch_size=5000)
    ImportedElection.objects.create(
        cycle=cycle,
        district=district,
        file_name=file_name[:255],
        meta=dict(meta),
        project_ids={str(pk): pid for pid, pk in pk_of.items()},
        imported_by=user,
    )
    del profile
    return cycle
