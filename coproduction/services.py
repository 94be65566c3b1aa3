"""Writes of the coproduction app: offers, pledges, the ledger, rates and revaluations."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduction import selectors
from coproduction.models import (
    GOODS_KINDS,
    LABOUR_KINDS,
    ContributionKind,
    EntryStatus,
    Flag,
    LedgerDecision,
    LedgerEntry,
    Offer,
    Pledge,
    PledgeStatus,
    Skill,
    ValuationRate,
    ValuationRun,
    Visibility,
)
from coproduction.valuation import CENT, hourly_value, pick_rate
from pbudget.models import Cycle, User
from proposals.models import Proposal, ProposalStatus


def _absolute(path: str) -> str:
    return getattr(settings, "PBUDGET_SITE_URL", "").rstrip("/") + path


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError on one field that keeps its code."""
    return ValidationError({field: ValidationError(message, code=code)})


# A resident writes to at most this many offerers a day, and to each offerer once a day.
CONTACTS_A_DAY = 5
CONTACT_WINDOW = 24 * 60 * 60  # seconds


def offer_contact(*, offer: Offer, sender: User, message: str) -> None:
    """Relay a message to a listed offer's owner by e-mail; the sender never sees the address.

    Rate-limited per sender (``CONTACTS_A_DAY``) and per sender and offer (one a day).
    """
    from django.core.cache import cache

    from pbudget.notify import email_after_commit

    if offer.visibility != Visibility.LISTED or offer.user_id == sender.pk:
        raise ValidationError(_("This offer cannot be contacted."), code="offer_not_listed")
    message = message.strip()
    if not message:
        raise _field_error("message", _("Write a message."), "empty_message")
    pair_key = f"coproduction:contact:{sender.pk}:{offer.pk}"
    if not cache.add(pair_key, 1, timeout=CONTACT_WINDOW):
        raise ValidationError(
            _("You already wrote to this person today. Please wait for their answer."),
            code="contact_repeated",
        )
    day_key = f"coproduction:contacts:{sender.pk}"
    cache.add(day_key, 0, timeout=CONTACT_WINDOW)
    if cache.incr(day_key) > CONTACTS_A_DAY:
        cache.delete(pair_key)
        raise ValidationError(
            _("You have written to %(count)s people today. Please try again tomorrow.")
            % {"count": CONTACTS_A_DAY},
            code="contact_rate_limited",
        )
    body = _(
        "%(sender)s wrote to you through pbudget about the help you offered:\n\n"
        "%(message)s\n\n"
        "pbudget did not give them your e-mail address. To answer, use the contact they left "
        "in the message, if any. To stop being found, change who may see your offer: %(url)s"
    ) % {
        "sender": sender.public_name,
        "message": message,
        "url": _absolute(reverse("coproduction:offer_edit")),
    }
    email_after_commit(
        to=[offer.user.email],
        subject=_("A message about the help you offered"),
        body=body,
    )


# Proposals that may receive pledges: submitted, on the ballot, or funded.
PLEDGEABLE_STATUSES = [ProposalStatus.SUBMITTED, ProposalStatus.FEASIBLE, ProposalStatus.SELECTED]
MAX_HOURS_A_DAY = Decimal("16")


@transaction.atomic
def offer_save(*, user: User, fields: dict, skills: list[Skill]) -> Offer:
    """Create or update the user's offer of skills, time, tools and space."""
    offer, _created = Offer.objects.select_for_update().get_or_create(user=user, defaults=fields)
    for name, value in fields.items():
        setattr(offer, name, value)
    offer.full_clean(exclude=["user"])
    offer.save()
    offer.skills.set(skills)
    return offer


def _check_pledge_fields(*, kind: str, hours, skill, estimated_value) -> None:
    if kind in LABOUR_KINDS and not hours:
        raise _field_error("hours", _("Say how many hours you pledge."), "pledge_needs_hours")
    if kind == ContributionKind.SKILLED_LABOUR and skill is None:
        raise _field_error("skill", _("Choose the skill you pledge."), "pledge_needs_skill")
    if kind in GOODS_KINDS and estimated_value is None:
        raise _field_error(
            "estimated_value",
            _("Give an estimated value (0 if you do not know)."),
            "pledge_needs_value",
        )


@transaction.atomic
def pledge_create(
    *,
    proposal: Proposal,
    pledger: User,
    kind: str,
    hours: Decimal | None = None,
    skill: Skill | None = None,
    is_own_profession: bool = False,
    description: str = "",
    quantity: str = "",
    estimated_value: Decimal | None = None,
    group_name: str = "",
    people: int = 1,
) -> Pledge:
    """Pledge time, skills or things to a proposal; staff review it before it counts."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status not in PLEDGEABLE_STATUSES or proposal.is_hidden:
        raise ValidationError(
            _("This proposal does not take pledges."), code="proposal_not_pledgeable"
        )
    _check_pledge_fields(kind=kind, hours=hours, skill=skill, estimated_value=estimated_value)
    pledge = Pledge(
        proposal=proposal,
        pledger=pledger,
        kind=kind,
        hours=hours if kind in LABOUR_KINDS else None,
        skill=skill if kind == ContributionKind.SKILLED_LABOUR else None,
        is_own_profession=is_own_profession and kind == ContributionKind.SKILLED_LABOUR,
        description=description,
        quantity=quantity,
        estimated_value=estimated_value if kind in GOODS_KINDS else None,
        group_name=group_name.strip(),
        people=people,
    )
    pledge.full_clean()
    pledge.save()
    return pledge


def pledge_valuation(pledge: Pledge, *, on: date) -> tuple[Decimal, str, ValuationRate | None]:
    """What a pledge is worth on a day: (value, currency, rate used)."""
    cycle_currency = pledge.proposal.cycle.currency
    if pledge.kind in GOODS_KINDS:
        return pledge.estimated_value or Decimal("0"), cycle_currency, None
    code = pledge.skill.soc_code if pledge.is_own_profession and pledge.skill else None
    rate = pick_rate(occupation_code=code, day=on, currency=cycle_currency)
    if rate is None:
        raise ValidationError(
            _("There is no valuation rate for hours on %(day)s: a finance officer must add one.")
            % {"day": on},
            code="no_rate",
        )
    if rate.kind != "occupation":
        value = (pledge.hours * rate.amount).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        value = (pledge.hours * hourly_value(rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return value, rate.currency, rate


@transaction.atomic
def pledge_decide(*, pledge: Pledge, by: User, accept: bool, reason: str = "") -> Pledge:
    """Accept (fixing its value) or decline (with a reason) a pending pledge."""
    pledge = Pledge.objects.select_for_update().select_related("proposal__cycle").get(pk=pledge.pk)
    if pledge.status != PledgeStatus.PENDING:
        raise ValidationError(
            _("This pledge was already %(status)s.")
            % {"status": pledge.get_status_display().lower()},
            code="pledge_already_decided",
        )
    if not accept and not reason.strip():
        raise _field_error(
            "reason",
            _("Give the reason for declining: the resident will read it."),
            "decline_needs_reason",
        )
    if accept:
        pledge.value, pledge.currency, pledge.rate = pledge_valuation(
            pledge, on=timezone.localdate()
        )
        pledge.status = PledgeStatus.ACCEPTED
    else:
        pledge.status = PledgeStatus.DECLINED
    pledge.decision_reason = reason.strip()
    pledge.decided_by = by
    pledge.decided_at = timezone.now()
    pledge.save()
    from coproduction.extras import proposal_url
    from pbudget.notify import email_after_commit

    email_after_commit(
        to=[pledge.pledger.email],
        subject=_("Your pledge to “%(title)s” was %(status)s")
        % {"title": pledge.proposal.title, "status": pledge.get_status_display().lower()},
        body=(pledge.decision_reason or _("Thank you for offering your help."))
        + "\n\n"
        + _absolute(proposal_url(pledge.proposal)),
    )
    return pledge


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, by: User) -> Pledge:
    """The pledger takes back a pledge staff have not decided on yet."""
    pledge = Pledge.objects.select_for_update().get(pk=pledge.pk)
    if pledge.pledger_id != by.pk:
        raise ValidationError(_("Only the person who pledged can withdraw it."), code="not_yours")
    if pledge.status != PledgeStatus.PENDING:
        raise ValidationError(
            _("Only a pledge waiting for review can be withdrawn."), code="pledge_already_decided"
        )
    pledge.status = PledgeStatus.WITHDRAWN
    pledge.save(update_fields=["status"])
    return pledge


def _flags_for(entry: LedgerEntry) -> list[str]:
    """Flags a verifier should look at; computed when the entry is written."""
    flags = []
    counted = LedgerEntry.objects.filter(
        contributor=entry.contributor, reverses__isnull=True, reversed_by__isnull=True
    ).exclude(decision__outcome=EntryStatus.DECLINED)
    if entry.is_labour:
        same_day = counted.filter(worked_on=entry.worked_on, kind__in=LABOUR_KINDS).aggregate(
            total=Sum("hours")
        )["total"] or Decimal("0")
        if same_day + entry.hours > MAX_HOURS_A_DAY:
            flags.append(Flag.OVER_16_HOURS)
    if counted.filter(
        project=entry.project,
        kind=entry.kind,
        worked_on=entry.worked_on,
        hours=entry.hours,
        skill=entry.skill,
        description=entry.description,
        fair_value=entry.fair_value,
    ).exists():
        flags.append(Flag.DUPLICATE)
    project = entry.project
    starts = project.starts_on or project.cycle.voting_closes.date()
    if entry.worked_on < starts or (project.ends_on and entry.worked_on > project.ends_on):
        flags.append(Flag.OUTSIDE_DATES)
    return [str(flag) for flag in flags]


def _check_on_behalf(*, project: Proposal, contributor: User, entered_by: User) -> None:
    """Only the project's coordinator or a finance officer logs for someone else, and only
    for a person with an accepted pledge to the project or already on its ledger."""
    if not entered_by.has_perm("coproduction.log_on_behalf", project):
        raise _field_error(
            "contributor",
            _("Only the project's coordinator or a finance officer may log for someone else."),
            "not_allowed_on_behalf",
        )
    allowed = selectors.project_contributors(project, entered_by=entered_by)
    if not allowed.filter(pk=contributor.pk).exists():
        raise _field_error(
            "contributor",
            _(
                "You can log only for people whose pledge to this project was accepted or "
                "who are already on its ledger."
            ),
            "not_a_project_contributor",
        )


@transaction.atomic
def ledger_entry_create(
    *,
    project: Proposal,
    contributor: User,
    entered_by: User,
    kind: str,
    worked_on: date,
    hours: Decimal | None = None,
    skill: Skill | None = None,
    is_own_profession: bool = False,
    creates_asset: bool = False,
    place: str = "",
    description: str = "",
    quantity: str = "",
    fair_value: Decimal | None = None,
    evidence=None,
    pledge: Pledge | None = None,
) -> LedgerEntry:
    """Log what was delivered to a funded project; it waits for verification."""
    project = Proposal.objects.select_related("cycle").get(pk=project.pk)
    if project.status != ProposalStatus.SELECTED:
        raise ValidationError(
            _("Contributions are logged on funded projects only."), code="not_a_project"
        )
    if contributor.pk != entered_by.pk:
        _check_on_behalf(project=project, contributor=contributor, entered_by=entered_by)
    if worked_on > timezone.localdate():
        raise _field_error("worked_on", _("The date cannot be in the future."), "future_date")
    if kind in LABOUR_KINDS and (hours is None or hours <= 0 or hours > 24):
        raise _field_error(
            "hours", _("Give the hours worked that day (more than 0, at most 24)."), "hours_range"
        )
    if kind == ContributionKind.SKILLED_LABOUR and skill is None:
        raise _field_error("skill", _("Choose the skill used."), "entry_needs_skill")
    if kind in GOODS_KINDS:
        if fair_value is None or fair_value < 0:
            raise _field_error(
                "fair_value",
                _("Give the fair value, in the cycle's currency."),
                "entry_needs_value",
            )
        if not description.strip():
            raise _field_error(
                "description", _("Describe what was given or lent."), "entry_needs_description"
            )
    if kind == ContributionKind.MATERIALS and not evidence:
        raise _field_error(
            "evidence", _("Attach a receipt or a photo of the materials."), "entry_needs_evidence"
        )
    if pledge is None:
        # What this person pledged to the project, so the budget line can tell pledges kept.
        pledge = (
            Pledge.objects.accepted()
            .filter(proposal=project, pledger=contributor, kind=kind)
            .order_by("created_at")
            .first()
        )
    # One person's entries are written one at a time, so the daily-hours flag sees them all.
    User.objects.select_for_update().filter(pk=contributor.pk).first()
    labour = kind in LABOUR_KINDS
    entry = LedgerEntry(
        project=project,
        contributor=contributor,
        entered_by=entered_by,
        kind=kind,
        worked_on=worked_on,
        hours=hours if labour else None,
        skill=skill if kind == ContributionKind.SKILLED_LABOUR else None,
        is_own_profession=is_own_profession and kind == ContributionKind.SKILLED_LABOUR,
        creates_asset=creates_asset and labour,
        place=place,
        description=description.strip(),
        quantity=quantity,
        fair_value=None if labour else fair_value,
        currency=project.cycle.currency,
        pledge=pledge,
    )
    if evidence:
        entry.evidence = evidence
    entry.flags = _flags_for(entry)
    entry.save()
    return entry


def _queue_valuation(entry_ids: list[int]) -> None:
    from coproduction.tasks import value_entries

    transaction.on_commit(lambda: value_entries.delay(entry_ids=entry_ids))


@transaction.atomic
def ledger_entry_decide(
    *, entry: LedgerEntry, by: User, verify: bool, reason: str = ""
) -> LedgerDecision:
    """Verify or decline (with a reason) a submitted entry; verified entries get valued."""
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if by.pk in (entry.contributor_id, entry.entered_by_id):
        raise ValidationError(
            _("Someone else must verify an entry you logged or that is yours."),
            code="own_entry",
        )
    if not verify and not reason.strip():
        raise _field_error(
            "reason",
            _("Give the reason for declining: the contributor will read it."),
            "decline_needs_reason",
        )
    if LedgerDecision.objects.filter(entry=entry).exists():
        raise ValidationError(_("This entry was already decided."), code="already_decided")
    try:
        with transaction.atomic():
            decision = LedgerDecision.objects.create(
                entry=entry,
                outcome=EntryStatus.VERIFIED if verify else EntryStatus.DECLINED,
                reason=reason.strip(),
                decided_by=by,
            )
    except IntegrityError as error:
        raise ValidationError(
            _("This entry was already decided."), code="already_decided"
        ) from error
    if verify:
        _queue_valuation([entry.pk])
    else:
        from pbudget.notify import email_after_commit

        email_after_commit(
            to=[entry.contributor.email],
            subject=_("Your contribution to “%(title)s” was not verified")
            % {"title": entry.project.title},
            body=_("%(reason)s\n\nYou can log it again with the right figures: %(url)s")
            % {
                "reason": decision.reason,
                "url": _absolute(reverse("coproduction:entry_detail", kwargs={"pk": entry.pk})),
            },
        )
    return decision


@transaction.atomic
def ledger_entry_reverse(*, entry: LedgerEntry, by: User, reason: str) -> LedgerEntry:
    """Correct a verified entry by a reversing entry (verified at once by its author)."""
    entry = (
        LedgerEntry.objects.select_for_update(of=("self",))
        .select_related("decision")
        .get(pk=entry.pk)
    )
    if not reason.strip():
        raise _field_error("reason", _("Say why the entry is reversed."), "reason")
    if entry.is_reversal:
        raise ValidationError(_("A reversal cannot be reversed."), code="reversal_of_reversal")
    if entry.status != EntryStatus.VERIFIED:
        raise ValidationError(
            _("Only verified entries are reversed; decline a submitted one instead."),
            code="not_verified",
        )
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("This entry was already reversed."), code="already_reversed")
    reversal = LedgerEntry.objects.create(
        project_id=entry.project_id,
        contributor_id=entry.contributor_id,
        entered_by=by,
        kind=entry.kind,
        worked_on=entry.worked_on,
        hours=-entry.hours if entry.hours is not None else None,
        skill_id=entry.skill_id,
        is_own_profession=entry.is_own_profession,
        creates_asset=entry.creates_asset,
        place=entry.place,
        description=entry.description,
        quantity=entry.quantity,
        fair_value=-entry.fair_value if entry.fair_value is not None else None,
        currency=entry.currency,
        reverses=entry,
        reason=reason.strip(),
    )
    LedgerDecision.objects.create(
        entry=reversal, outcome=EntryStatus.VERIFIED, reason=reason.strip(), decided_by=by
    )
    _queue_valuation([reversal.pk])
    return reversal


@transaction.atomic
def rate_create(*, by: User, fields: dict) -> ValuationRate:
    """Add a valuation rate; values already recorded keep the rate they used."""
    rate = ValuationRate(created_by=by, **fields)
    if rate.kind == "general":
        rate.occupation_code = ""
        rate.occupation_title = ""
        rate.fringe_percent = Decimal("0")
    elif not rate.occupation_code:
        raise _field_error(
            "occupation_code",
            _("An occupation rate needs its SOC code, e.g. 47-2031."),
            "occupation_code_required",
        )
    rate.full_clean()
    rate.save()
    # Verified work that had no valid rate yet gets its first value; values already
    # recorded are left as they are.
    from coproduction.tasks import value_entries

    transaction.on_commit(lambda: value_entries.delay())
    return rate


@transaction.atomic
def valuation_run_create(*, cycle: Cycle, by: User, reason: str) -> ValuationRun:
    """Ask for a revaluation of a cycle's verified entries at the rates valid now."""
    if not reason.strip():
        raise _field_error("reason", _("Say why you revalue."), "reason")
    run = ValuationRun.objects.create(cycle=cycle, requested_by=by, reason=reason.strip())
    from coproduction.tasks import revalue

    transaction.on_commit(lambda: revalue.delay(run_id=run.pk))
    return run
