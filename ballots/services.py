"""Writes of the ballots app: census imports, verification, casting, booths."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ballots import box, census
from ballots.hashing import ballot_link, cast_lock_key, new_receipt_code, receipt_hash
from ballots.models import (
    Booth,
    BoothBallotCount,
    CensusConflict,
    CensusEntry,
    CensusImport,
    Channel,
    ConflictStatus,
    ImportStatus,
    SealedBallot,
    VerificationAttempt,
    VoterRoll,
)
from ballots.selectors import BallotSection, ballot_sections, census_lookup
from pbudget.db import bound_cursor
from pbudget.models import Cycle, District, Phase, User, VotingMethod
from pbudget.notify import email_after_commit

logger = logging.getLogger(__name__)

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(hours=1)


# --- census import --------------------------------------------------------------------


def census_dir() -> Path:
    path = Path(settings.PBUDGET_CENSUS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def census_import_start(*, user: User, uploaded_file) -> CensusImport:
    """Keep the uploaded CSV aside and queue its import."""
    from ballots.tasks import run_census_import

    path = census_dir() / f"{uuid.uuid4().hex}.csv"
    with open(path, "wb") as handle:
        for chunk in uploaded_file.chunks():
            handle.write(chunk)
    record = CensusImport.objects.create(
        created_by=user,
        file_name=Path(uploaded_file.name).name[:255],
        source_path=str(path),
        total_rows=census.count_rows(path),
    )
    transaction.on_commit(lambda: run_census_import.delay(census_import_id=record.pk))
    return record


def census_import_run(*, census_import_id: int) -> CensusImport:
    """Run a queued import (idempotent: a finished import is left alone)."""
    with transaction.atomic():
        record = CensusImport.objects.select_for_update().get(pk=census_import_id)
        if record.is_finished:
            return record
        record.status = ImportStatus.RUNNING
        record.started_at = timezone.now()
        record.save(update_fields=["status", "started_at"])
    path = Path(record.source_path)
    try:
        counts = census.import_census_file(path, import_id=record.pk, today=timezone.localdate())
    except census.CensusRowError as error:
        record.status = ImportStatus.FAILED
        record.error_line = error.line
        record.error_message = error.message
    except FileNotFoundError:
        record.status = ImportStatus.FAILED
        record.error_message = _("The uploaded file is gone; upload it again.")
    except Exception:
        logger.exception("census import %s failed", record.pk)
        record.status = ImportStatus.FAILED
        record.error_message = _("The import failed unexpectedly; nothing was changed.")
    else:
        record.status = ImportStatus.DONE
        record.created_rows = counts.created
        record.updated_rows = counts.updated
        record.kept_district_rows = counts.kept_district
    record.finished_at = timezone.now()
    record.save()
    # The file holds plain document numbers: it goes as soon as it has been read.
    path.unlink(missing_ok=True)
    cache.delete(census.progress_key(record.pk))
    return record


# --- residency verification -----------------------------------------------------------


def verification_locked_until(user: User, *, now: datetime | None = None) -> datetime | None:
    """When the account may try again, if 5 tries failed within the last hour."""
    now = now or timezone.now()
    failures = list(
        VerificationAttempt.objects.filter(
            user=user, succeeded=False, attempted_at__gt=now - LOCKOUT
        )
        .order_by("-attempted_at")
        .values_list("attempted_at", flat=True)[:MAX_FAILED_ATTEMPTS]
    )
    if len(failures) < MAX_FAILED_ATTEMPTS:
        return None
    return failures[-1] + LOCKOUT


def residency_verify(
    *,
    user: User,
    document_number: str,
    birth_date: date,
    postal_code: str,
    now: datetime | None = None,
) -> CensusEntry:
    """Claim the census entry matching these details for ``user``.

    A wrong try is recorded (and stays recorded: the error is raised after commit); five
    within an hour lock verification for the account. An entry already held by another
    account is refused and queued for staff as a conflict.
    """
    now = now or timezone.now()
    error: ValidationError | None = None
    with transaction.atomic():
        # One verification at a time per account: attempts are counted exactly.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if CensusEntry.objects.filter(claimed_by=user).exists():
            raise ValidationError(
                _("Your account is already verified as a resident."), code="already_verified"
            )
        until = verification_locked_until(user, now=now)
        if until is not None:
            raise ValidationError(
                _("Too many wrong tries. For your security, verification is locked until %(time)s.")
                % {"time": timezone.localtime(until).strftime("%H:%M")},
                code="locked",
            )
        entry = census_lookup(
            document_number=document_number,
            birth_date=birth_date,
            postal_code=postal_code,
            for_update=True,
        )
        if entry is None:
            VerificationAttempt.objects.create(user=user, attempted_at=now, succeeded=False)
            left = MAX_FAILED_ATTEMPTS - len(
                VerificationAttempt.objects.filter(
                    user=user, succeeded=False, attempted_at__gt=now - LOCKOUT
                )[:MAX_FAILED_ATTEMPTS]
            )
            if left > 0:
                message = ngettext(
                    "These details do not match the census. Check them against your "
                    "document; %(left)d try left.",
                    "These details do not match the census. Check them against your "
                    "document; %(left)d tries left.",
                    left,
                ) % {"left": left}
            else:
                message = _(
                    "These details do not match the census. Verification is now locked "
                    "for an hour; ask at a voting booth if you need help."
                )
            error = ValidationError(message, code="no_match")
        elif entry.claimed_by_id is not None:
            conflict, created = CensusConflict.objects.get_or_create(
                entry=entry, claimant=user, status=ConflictStatus.OPEN
            )
            if created:
                _notify_administrators_of_conflict(conflict)
            error = ValidationError(
                _(
                    "Another account is already verified with these details, so we cannot "
                    "verify yours. Our staff have been told and will look into it; you do "
                    "not need to do anything else."
                ),
                code="claimed",
            )
        else:
            entry.claimed_by = user
            entry.claimed_at = now
            entry.claimed_channel = Channel.ONLINE
            entry.save(update_fields=["claimed_by", "claimed_at", "claimed_channel"])
            VerificationAttempt.objects.create(user=user, attempted_at=now, succeeded=True)
    if error is not None:
        raise error
    return entry


def _notify_administrators_of_conflict(conflict: CensusConflict) -> None:
    from django.contrib.auth.models import Group

    from pbudget import roles

    group = Group.objects.filter(name=roles.ADMINISTRATOR).first()
    if group is None:
        return
    emails = list(group.user_set.filter(is_active=True).values_list("email", flat=True))
    email_after_commit(
        to=emails,
        subject=_("A census entry was claimed twice"),
        body=_(
            "A second account tried to verify with a census entry another account already "
            "holds. Review it on the census conflicts page."
        ),
    )


@transaction.atomic
def census_conflict_resolve(
    *, conflict: CensusConflict, staff: User, reassign: bool, note: str = ""
) -> CensusConflict:
    """Give the entry to the claimant (the holder loses it), or dismiss the claim."""
    conflict = CensusConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.status != ConflictStatus.OPEN:
        raise ValidationError(_("This conflict is already resolved."), code="resolved")
    if reassign:
        entry = CensusEntry.objects.select_for_update().get(pk=conflict.entry_id)
        if CensusEntry.objects.filter(claimed_by=conflict.claimant).exclude(pk=entry.pk).exists():
            raise ValidationError(
                _("The claimant already holds another census entry."), code="claimant_verified"
            )
        entry.claimed_by = conflict.claimant
        entry.claimed_at = timezone.now()
        entry.save(update_fields=["claimed_by", "claimed_at"])
        conflict.status = ConflictStatus.REASSIGNED
    else:
        conflict.status = ConflictStatus.DISMISSED
    conflict.resolved_by = staff
    conflict.resolved_at = timezone.now()
    conflict.note = note
    conflict.save()
    return conflict


# --- ballots --------------------------------------------------------------------------


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_old_enough(entry: CensusEntry, cycle: Cycle, *, today: date | None = None) -> bool:
    """The person has reached the cycle's minimum age today."""
    return _age_on(entry.birth_date, today or timezone.localdate()) >= cycle.minimum_age


def _require_voting_open(cycle: Cycle) -> None:
    phase = cycle.phase
    if phase == Phase.VOTING:
        return
    if phase in (Phase.RESULTS, Phase.IMPLEMENTATION):
        raise ValidationError(_("Voting has closed."), code="voting_closed")
    raise ValidationError(_("Voting has not opened yet."), code="voting_not_open")


def section_totals(cycle: Cycle, section: BallotSection, values: dict[int, int]) -> dict:
    """What a section's choices add up to: cost, projects, points."""
    chosen = [p for p in section.projects if values.get(p.pk)]
    return {
        "count": len(chosen),
        "cost": sum((p.official_cost for p in chosen), Decimal("0")),
        "points": sum(values[p.pk] for p in chosen),
    }


def ballot_validate(
    *, cycle: Cycle, sections: list[BallotSection], values: dict[int, int], allow_empty=False
) -> None:
    """Check the choices against the cycle's voting method; raise every broken rule."""
    errors: list[ValidationError] = []
    on_ballot = {p.pk for section in sections for p in section.projects}
    unknown = [pk for pk, value in values.items() if value and pk not in on_ballot]
    if unknown:
        errors.append(
            ValidationError(
                _("Some of the chosen projects are not on this ballot."), code="unknown_project"
            )
        )
    if not allow_empty and not any(values.get(pk) for pk in on_ballot):
        errors.append(ValidationError(_("Choose at least one project."), code="empty"))
    method = cycle.voting_method
    for section in sections:
        totals = section_totals(cycle, section, values)
        name = section.district.name
        if method == VotingMethod.APPROVAL and totals["count"] > cycle.max_choices:
            errors.append(
                ValidationError(
                    ngettext(
                        "%(district)s: choose at most %(max)d project; you chose %(count)d.",
                        "%(district)s: choose at most %(max)d projects; you chose %(count)d.",
                        cycle.max_choices,
                    )
                    % {"district": name, "max": cycle.max_choices, "count": totals["count"]},
                    code="too_many",
                )
            )
        elif method == VotingMethod.KNAPSACK:
            if totals["cost"] > section.budget:
                errors.append(
                    ValidationError(
                        _(
                            "%(district)s: your projects cost %(cost)s, more than the budget "
                            "of %(budget)s. Remove a project."
                        )
                        % {
                            "district": name,
                            "cost": _money(totals["cost"], cycle),
                            "budget": _money(section.budget, cycle),
                        },
                        code="over_budget",
                    )
                )
            elif totals["count"] and cycle.min_spend_share:
                least = min(
                    section.budget * cycle.min_spend_share,
                    sum((p.official_cost for p in section.projects), Decimal("0")),
                )
                if totals["cost"] < least:
                    errors.append(
                        ValidationError(
                            _(
                                "%(district)s: choose projects worth at least %(least)s "
                                "(you chose %(cost)s)."
                            )
                            % {
                                "district": name,
                                "least": _money(least, cycle),
                                "cost": _money(totals["cost"], cycle),
                            },
                            code="under_minimum",
                        )
                    )
        elif method == VotingMethod.CUMULATIVE:
            if any(values.get(p.pk, 0) > cycle.points_max_per_project for p in section.projects):
                errors.append(
                    ValidationError(
                        _("%(district)s: give at most %(max)d points to one project.")
                        % {"district": name, "max": cycle.points_max_per_project},
                        code="too_many_points_one",
                    )
                )
            if totals["points"] > cycle.points_total:
                errors.append(
                    ValidationError(
                        _("%(district)s: you gave %(points)d points; you have %(total)d to give.")
                        % {
                            "district": name,
                            "points": totals["points"],
                            "total": cycle.points_total,
                        },
                        code="too_many_points",
                    )
                )
        elif method == VotingMethod.RANKED:
            ranks = sorted(values[p.pk] for p in section.projects if values.get(p.pk))
            if any(rank > cycle.rank_count for rank in ranks):
                errors.append(
                    ValidationError(
                        _("%(district)s: rank at most %(max)d projects.")
                        % {"district": name, "max": cycle.rank_count},
                        code="rank_range",
                    )
                )
            elif len(set(ranks)) != len(ranks):
                errors.append(
                    ValidationError(
                        _("%(district)s: give each rank to one project only.") % {"district": name},
                        code="rank_repeated",
                    )
                )
            elif ranks != list(range(1, len(ranks) + 1)):
                errors.append(
                    ValidationError(
                        _("%(district)s: use the ranks in order from 1, without gaps.")
                        % {"district": name},
                        code="rank_gap",
                    )
                )
    if errors:
        raise ValidationError(errors)


def _money(amount: Decimal, cycle: Cycle) -> str:
    from pbudget.templatetags.pbudget_tags import money

    return money(amount, cycle.currency)


@dataclass
class CastResult:
    receipt_code: str
    replaced: bool


def _choice_arrays(cycle: Cycle, values: dict[int, int]) -> tuple[list, list, list]:
    """The choices as three parallel arrays (proposal ids, points, ranks), as stored."""
    ranked = cycle.voting_method == VotingMethod.RANKED
    cumulative = cycle.voting_method == VotingMethod.CUMULATIVE
    proposals, points, ranks = [], [], []
    for pk, value in sorted(values.items()):
        if value:
            proposals.append(pk)
            points.append(value if cumulative else 1)
            ranks.append(value if ranked else None)
    return proposals, points, ranks


def ballot_seal(
    *,
    cycle: Cycle,
    sections: list[BallotSection],
    values: dict[int, int],
    channel: str,
    link: str | None,
    receipt: str | None,
) -> bytes:
    """The ballot packed to the size of its sections and sealed to the box's key."""
    proposals, points, ranks = _choice_arrays(cycle, values)
    record = box.pack(
        channel=channel,
        link=link,
        receipt_hash=receipt,
        proposals=proposals,
        points=points,
        ranks=ranks,
        projects_on_ballot=sum(len(section.projects) for section in sections),
    )
    return box.seal(record)


# The database function of migration ballots/0006 writes the voter-roll row (or finds the
# one already there) and puts the sealed ballot in the box, in one statement. Its values
# travel apart from its text (pbudget.db), so they never show in pg_stat_activity or in
# the server's error log.
_CAST_SEALED = "SELECT outcome, replaced FROM ballots_cast_sealed(%s, %s, %s, %s, %s, %s)"


def ballot_cast(
    *,
    user: User,
    cycle: Cycle,
    values: dict[int, int],
    entry: CensusEntry | None = None,
    sections: list[BallotSection] | None = None,
) -> CastResult:
    """Cast (or replace) ``user``'s online ballot in ``cycle``; return the receipt code.

    A caller that has just read the voter's census entry and ballot sections (the ballot
    page) passes them in so they are not read twice; they must be ``user``'s entry and
    the sections of its district.

    The checks of the choices run here; the ballot is sealed here (``ballots.box``) and
    written by one call of the database function ``ballots_cast_sealed`` (one statement,
    so one transaction). It checks that voting is open at that moment, writes the
    voter-roll row on a first cast (a later cast leaves it untouched), refuses someone who
    voted on paper, and puts the sealed ballot in the box. The mixing task replaces the
    voter's earlier ballot later, inside a mixed batch, never in this transaction.
    """
    if entry is None:
        entry = CensusEntry.objects.filter(claimed_by=user).select_related("district").first()
    elif entry.claimed_by_id != user.pk:
        raise ValueError("entry is not the census entry of user")
    if entry is None:
        raise ValidationError(_("Verify your residency before you vote."), code="not_verified")
    _require_voting_open(cycle)
    if not is_old_enough(entry, cycle):
        raise ValidationError(
            _("You must be at least %(age)d years old to vote in this cycle.")
            % {"age": cycle.minimum_age},
            code="too_young",
        )
    if sections is None:
        sections = ballot_sections(cycle, entry.district)
    elif any(
        not section.district.is_citywide and section.district.pk != entry.district_id
        for section in sections
    ):
        raise ValueError("sections are not those of the voter's district")
    ballot_validate(cycle=cycle, sections=sections, values=values)
    code = new_receipt_code()
    sealed = ballot_seal(
        cycle=cycle,
        sections=sections,
        values=values,
        channel=Channel.ONLINE,
        link=ballot_link(entry.pk, cycle.pk),
        receipt=receipt_hash(code),
    )
    with bound_cursor() as cursor:
        cursor.execute(
            _CAST_SEALED,
            [
                entry.pk,
                cycle.pk,
                entry.district_id,
                timezone.now(),
                cast_lock_key(entry.pk, cycle.pk),
                sealed,
            ],
        )
        outcome, replaced = cursor.fetchone()
    if outcome == "paper":
        raise ValidationError(
            _("You have voted in person; your paper ballot counts, so you cannot vote online."),
            code="voted_on_paper",
        )
    if outcome != "cast":  # the voting window ended (or had not begun) at the moment of writing
        cycle.refresh_from_db(fields=["voting_opens", "voting_closes"])
        _require_voting_open(cycle)
        raise ValidationError(_("Voting has closed."), code="voting_closed")
    return CastResult(receipt_code=code, replaced=replaced)


def voter_status(entry: CensusEntry | None, cycle: Cycle) -> VoterRoll | None:
    """The voter-roll entry of this person in ``cycle``, if they voted."""
    if entry is None:
        return None
    return VoterRoll.objects.filter(voter=entry, cycle=cycle).select_related("booth").first()


# --- booths ---------------------------------------------------------------------------


@transaction.atomic
def booth_create(*, cycle: Cycle, name: str, place: str = "") -> Booth:
    """Open a voting booth for a cycle."""
    booth = Booth(cycle=cycle, name=name.strip(), place=place.strip())
    booth.full_clean()
    booth.save()
    return booth


@transaction.atomic
def voter_mark_paper(*, officer: User, booth: Booth, entry: CensusEntry) -> VoterRoll:
    """Mark a person as having voted in person at ``booth``; they can no longer vote online.

    Marking a person and entering paper ballots are separate steps: the person puts the
    paper in the booth's box, and officers enter the box's ballots later, as a stack.
    """
    cycle = booth.cycle
    _require_voting_open(cycle)
    entry = CensusEntry.objects.select_for_update().select_related("district").get(pk=entry.pk)
    if not is_old_enough(entry, cycle):
        raise ValidationError(
            _("This person is under the minimum voting age of %(age)d.")
            % {"age": cycle.minimum_age},
            code="too_young",
        )
    existing = voter_status(entry, cycle)
    if existing is not None:
        raise ValidationError(_already_voted_message(existing), code="already_voted")
    try:
        with transaction.atomic():
            roll = VoterRoll.objects.create(
                voter=entry,
                cycle=cycle,
                district=entry.district,
                channel=Channel.PAPER,
                voted_at=timezone.now(),
                booth=booth,
                recorded_by=officer,
            )
    except IntegrityError:
        # An online ballot was cast at the same moment.
        raise ValidationError(
            _("This person has just voted online."), code="already_voted"
        ) from None
    _booth_count(booth, entry.district).update(marked=F("marked") + 1)
    return roll


def _booth_count(booth: Booth, district: District):
    """The booth's count row of ``district`` (created at zero if missing), as a queryset."""
    BoothBallotCount.objects.bulk_create(
        [BoothBallotCount(booth=booth, district=district)], ignore_conflicts=True
    )
    return BoothBallotCount.objects.filter(booth=booth, district=district)


def _already_voted_message(roll: VoterRoll) -> str:
    when = timezone.localtime(roll.voted_at).strftime("%Y-%m-%d %H:%M")
    if roll.channel == Channel.PAPER:
        return _("This person has already voted in person at %(booth)s (%(when)s).") % {
            "booth": roll.booth.name if roll.booth else "?",
            "when": when,
        }
    return _(
        "This person has already voted online (%(when)s); they may change their ballot "
        "online until voting closes."
    ) % {"when": when}


@transaction.atomic
def paper_ballot_enter(
    *, officer: User, booth: Booth, district: District, values: dict[int, int]
) -> BoothBallotCount:
    """Put one paper ballot of ``district``, entered at ``booth``, into the ballot box.

    Returns the booth's counts for the district after it. Refused when every person the
    booth marked for ``district`` already has a ballot entered: a ballot is never entered
    for nobody. Paper ballots have no receipt (no voter watches their entry) and no link.
    """
    cycle = booth.cycle
    _require_voting_open(cycle)
    if district.is_citywide:
        raise ValidationError(
            _("Choose the voter's own district, not the city-wide one."), code="citywide"
        )
    sections = ballot_sections(cycle, district)
    ballot_validate(cycle=cycle, sections=sections, values=values, allow_empty=True)
    counts = _booth_count(booth, district).select_for_update().get()
    if counts.entered >= counts.marked:
        raise ValidationError(
            ngettext(
                "%(booth)s has marked %(marked)d person for %(district)s and entered "
                "%(entered)d paper ballots: no ballot is left to enter. Mark the person "
                "first, or check the stack for a ballot of another district.",
                "%(booth)s has marked %(marked)d people for %(district)s and entered "
                "%(entered)d paper ballots: no ballot is left to enter. Mark the person "
                "first, or check the stack for a ballot of another district.",
                counts.marked,
            )
            % {
                "booth": booth.name,
                "marked": counts.marked,
                "entered": counts.entered,
                "district": district.name,
            },
            code="more_ballots_than_people",
        )
    SealedBallot.objects.create(
        cycle=cycle,
        district=district,
        sealed=ballot_seal(
            cycle=cycle,
            sections=sections,
            values=values,
            channel=Channel.PAPER,
            link=None,
            receipt=None,
        ),
    )
    counts.entered += 1
    counts.save(update_fields=["entered"])
    return counts
