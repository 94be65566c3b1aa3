"""Writes of proposals: drafting, submitting, supports, follows, review, merges, delivery.

Every service checks the state it needs under a row lock and raises ValidationError with
a code; permission checks (who may act) stay in rules.py and the views, so that services
can also be used by the demo loader, the admin and other apps (e.g. the tally).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from pbudget.models import Cycle, Phase
from pbudget.notify import email_after_commit
from proposals.images import clean_image
from proposals.markup import render_markdown
from proposals.models import (
    MAX_IMAGES,
    DeliveryStatus,
    EventKind,
    Follow,
    ProjectUpdate,
    Proposal,
    ProposalEvent,
    ProposalImage,
    ProposalStatus,
    Support,
)
from proposals.predicates import OPEN_STATUSES, REVIEWABLE_STATUSES

# Fields a resident writes; everything else is set by services.
EDITABLE_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "district",
    "place",
    "latitude",
    "longitude",
    "estimated_cost",
)
# What a proposal needs before it can be submitted.
REQUIRED_TO_SUBMIT = ("title", "summary", "description", "district", "category")


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("cycle", "author")
        .get(pk=proposal.pk)
    )


def _record(
    proposal: Proposal,
    *,
    actor,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    related: Proposal | None = None,
) -> ProposalEvent:
    return ProposalEvent.objects.create(
        proposal=proposal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        related=related,
    )


def _site_url(proposal: Proposal) -> str:
    from django.conf import settings

    base = getattr(settings, "PBUDGET_SITE_URL", "").rstrip("/")
    return f"{base}{proposal.get_absolute_url()}"


def _status_label(status: str) -> str:
    return str(ProposalStatus(status).label)


def _check_cycle_phase(cycle: Cycle, *phases: Phase, code: str, message: str) -> None:
    if cycle.phase not in phases:
        raise ValidationError(message, code=code)


def _apply_fields(proposal: Proposal, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name} is not a field residents write")
        setattr(proposal, name, value)
    proposal.description_html = render_markdown(proposal.description)


def _validate(proposal: Proposal, *, for_submit: bool) -> None:
    exclude = ["author", "description"] if not for_submit else ["author"]
    if not for_submit:
        exclude += ["summary", "category"]
    proposal.full_clean(exclude=exclude, validate_constraints=False)
    if for_submit:
        missing = {
            name: ValidationError(_("This is needed before you submit."), code="required")
            for name in REQUIRED_TO_SUBMIT
            if not getattr(proposal, name if name not in ("district", "category") else f"{name}_id")
        }
        if missing:
            raise ValidationError(missing)


@transaction.atomic
def proposal_create(*, author, cycle: Cycle, fields: dict[str, Any]) -> Proposal:
    """Start a draft proposal in ``cycle`` (ideas phase). The author follows it."""
    _check_cycle_phase(
        cycle,
        Phase.IDEAS,
        code="not_ideas_phase",
        message=_("New proposals can only be written while the cycle is collecting ideas."),
    )
    proposal = Proposal(cycle=cycle, author=author, status=ProposalStatus.DRAFT)
    _apply_fields(proposal, fields)
    _validate(proposal, for_submit=False)
    proposal.save()
    _record(proposal, actor=author, kind=EventKind.CREATED, to_status=ProposalStatus.DRAFT)
    Follow.objects.get_or_create(proposal=proposal, user=author)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, actor, fields: dict[str, Any]) -> Proposal:
    """Change a draft or submitted proposal; only while its cycle collects ideas."""
    proposal = _lock(proposal)
    if proposal.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This proposal can no longer be changed: it is %(status)s.")
            % {"status": _status_label(proposal.status).lower()},
            code="not_editable",
        )
    _check_cycle_phase(
        proposal.cycle,
        Phase.IDEAS,
        code="not_ideas_phase",
        message=_("Proposals can only be changed until the review starts."),
    )
    _apply_fields(proposal, fields)
    _validate(proposal, for_submit=proposal.status == ProposalStatus.SUBMITTED)
    proposal.save()
    if proposal.status == ProposalStatus.SUBMITTED:
        _record(proposal, actor=actor, kind=EventKind.EDITED)
    return proposal


@transaction.atomic
def proposal_submit(*, proposal: Proposal, actor) -> Proposal:
    """Submit a complete draft: it becomes public and can be supported."""
    from django.utils import timezone

    proposal = _lock(proposal)
    if proposal.status != ProposalStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."), code="not_draft")
    _check_cycle_phase(
        proposal.cycle,
        Phase.IDEAS,
        code="not_ideas_phase",
        message=_("The ideas phase of this cycle is over: proposals can no longer be submitted."),
    )
    _validate(proposal, for_submit=True)
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = timezone.now()
    proposal.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(
        proposal,
        actor=actor,
        kind=EventKind.SUBMITTED,
        from_status=ProposalStatus.DRAFT,
        to_status=ProposalStatus.SUBMITTED,
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    """The author takes the proposal back, before any review decision."""
    proposal = _lock(proposal)
    if proposal.status not in OPEN_STATUSES:
        raise ValidationError(
            _("This proposal can no longer be withdrawn."), code="not_withdrawable"
        )
    _check_cycle_phase(
        proposal.cycle,
        Phase.IDEAS,
        Phase.REVIEW,
        code="too_late",
        message=_("Proposals can only be withdrawn before voting opens."),
    )
    return _change_status(
        proposal,
        to_status=ProposalStatus.WITHDRAWN,
        actor=actor,
        kind=EventKind.WITHDRAWN,
        note=reason.strip(),
    )


def _change_status(
    proposal: Proposal,
    *,
    to_status: str,
    actor,
    kind: str = EventKind.STATUS,
    note: str = "",
    related: Proposal | None = None,
    extra_fields: tuple[str, ...] = (),
) -> Proposal:
    """Set the status (row already locked), record it, and tell the followers."""
    from_status = proposal.status
    proposal.status = to_status
    proposal.save(update_fields=["status", "updated_at", *extra_fields])
    _record(
        proposal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
        related=related,
    )
    if from_status != to_status:
        _notify_status(proposal, to_status=to_status, note=note, actor=actor)
    return proposal


def _notify_status(proposal: Proposal, *, to_status: str, note: str, actor) -> None:
    followers = (
        Follow.objects.filter(proposal=proposal, user__is_active=True)
        .exclude(user=actor)
        .select_related("user")
    )
    for follow in followers:
        user = follow.user
        with translation.override(user.language or None):
            params = {
                "title": proposal.title,
                "status": _status_label(to_status),
                "note": note,
                "url": _site_url(proposal),
            }
            email_after_commit(
                to=[user.email],
                subject=_("Proposal “%(title)s”: %(status)s") % params,
                body=(
                    _("The proposal “%(title)s” you follow is now: %(status)s.") % params
                    + (f"\n\n{note}" if note else "")
                    + "\n\n"
                    + _("See it at %(url)s") % params
                    + "\n\n"
                    + _("You get this e-mail because you follow this proposal.")
                ),
            )


def proposal_status_change(
    *, proposal: Proposal, to_status: str, actor=None, note: str = ""
) -> Proposal:
    """Move a proposal to ``to_status`` with a history entry and e-mail to followers.

    For other apps (e.g. the tally marks ballot proposals funded or not funded).
    """
    with transaction.atomic():
        locked = _lock(proposal)
        return _change_status(locked, to_status=to_status, actor=actor, note=note)


# Supports -----------------------------------------------------------------------------


@transaction.atomic
def support_add(*, proposal: Proposal, user) -> bool:
    """Support ``proposal`` once; return True if this call added the support.

    The proposal row is locked first, so concurrent clicks queue up; the unique
    constraint makes a second row impossible even without the lock, and the count only
    moves (with F()) when a row was really inserted, in the same transaction.
    """
    locked = _lock(proposal)
    if locked.status != ProposalStatus.SUBMITTED:
        raise ValidationError(
            _("Only submitted proposals can be supported."), code="not_supportable"
        )
    _check_cycle_phase(
        locked.cycle,
        Phase.IDEAS,
        code="not_ideas_phase",
        message=_("Supports are collected only during the ideas phase."),
    )
    try:
        with transaction.atomic():
            Support.objects.create(proposal=locked, user=user)
    except IntegrityError:
        return False
    Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
    return True


@transaction.atomic
def support_remove(*, proposal: Proposal, user) -> bool:
    """Take a support back; return True if there was one."""
    locked = _lock(proposal)
    _check_cycle_phase(
        locked.cycle,
        Phase.IDEAS,
        code="not_ideas_phase",
        message=_("Supports can only be changed during the ideas phase."),
    )
    deleted, _rows = Support.objects.filter(proposal=locked, user=user).delete()
    if deleted:
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") - 1)
    return bool(deleted)


# Follows ------------------------------------------------------------------------------


@transaction.atomic
def follow_add(*, proposal: Proposal, user) -> bool:
    """Follow a public proposal; return True if newly followed."""
    if proposal.status == ProposalStatus.DRAFT:
        raise ValidationError(_("Drafts cannot be followed."), code="not_public")
    _follow, created = Follow.objects.get_or_create(proposal=proposal, user=user)
    return created


@transaction.atomic
def follow_remove(*, proposal: Proposal, user) -> bool:
    """Stop following; return True if the user was following."""
    deleted, _rows = Follow.objects.filter(proposal=proposal, user=user).delete()
    return bool(deleted)


# Images -------------------------------------------------------------------------------


@transaction.atomic
def proposal_image_add(*, proposal: Proposal, upload, alt_text: str) -> ProposalImage:
    """Attach an image (checked and re-encoded) to a proposal that can still be changed."""
    locked = _lock(proposal)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("This proposal can no longer be changed."), code="not_editable")
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError(
            _("Describe what the image shows, for people who cannot see it."),
            code="alt_required",
        )
    used = set(ProposalImage.objects.filter(proposal=locked).values_list("position", flat=True))
    free = [position for position in range(MAX_IMAGES) if position not in used]
    if not free:
        raise ValidationError(
            _("A proposal can have at most %(count)d images.") % {"count": MAX_IMAGES},
            code="too_many_images",
        )
    content = clean_image(upload)
    image = ProposalImage(proposal=locked, alt_text=alt_text[:200], position=free[0])
    image.image.save(content.name, content, save=False)
    image.save()
    return image


@transaction.atomic
def proposal_image_update(*, image: ProposalImage, alt_text: str) -> ProposalImage:
    """Change an image's description."""
    alt_text = (alt_text or "").strip()
    if not alt_text:
        raise ValidationError(
            _("Describe what the image shows, for people who cannot see it."),
            code="alt_required",
        )
    image.alt_text = alt_text[:200]
    image.save(update_fields=["alt_text"])
    return image


@transaction.atomic
def proposal_image_remove(*, image: ProposalImage) -> None:
    """Delete an image and its file (after commit)."""
    storage, name = image.image.storage, image.image.name
    image.delete()
    transaction.on_commit(lambda: storage.delete(name))


# Review -------------------------------------------------------------------------------


@transaction.atomic
def proposal_review(
    *,
    proposal: Proposal,
    reviewer,
    is_feasible: bool,
    explanation: str = "",
    official_cost: Decimal | None = None,
    department: str = "",
    program: str = "",
    account_code: str = "",
    internal_notes: str = "",
) -> Proposal:
    """Record a reviewer's decision. Feasible needs an official cost; not feasible a reason.

    Only feasible proposals with an official cost go to the ballot. The explanation is
    public; the internal notes never leave the staff pages.
    """
    locked = _lock(proposal)
    if locked.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            _("This proposal cannot be reviewed: it is %(status)s.")
            % {"status": _status_label(locked.status).lower()},
            code="not_reviewable",
        )
    _check_cycle_phase(
        locked.cycle,
        Phase.REVIEW,
        code="not_review_phase",
        message=_("Proposals are reviewed only during the review phase."),
    )
    explanation = (explanation or "").strip()
    errors = {}
    if is_feasible and official_cost is None:
        errors["official_cost"] = ValidationError(
            _("Give the official cost: feasible proposals go to the ballot with it."),
            code="cost_required",
        )
    if official_cost is not None and official_cost < 0:
        errors["official_cost"] = ValidationError(
            _("The cost cannot be negative."), code="negative_cost"
        )
    if not is_feasible and not explanation:
        errors["explanation"] = ValidationError(
            _("Explain to the public why this proposal is not feasible."),
            code="explanation_required",
        )
    if errors:
        raise ValidationError(errors)
    locked.official_cost = official_cost
    locked.feasibility_explanation = explanation
    locked.department = department.strip()
    locked.program = program.strip()
    locked.account_code = account_code.strip()
    locked.internal_notes = internal_notes.strip()
    to_status = ProposalStatus.FEASIBLE if is_feasible else ProposalStatus.NOT_FEASIBLE
    fields = (
        "official_cost",
        "feasibility_explanation",
        "department",
        "program",
        "account_code",
        "internal_notes",
    )
    if locked.status == to_status:
        # A revised decision with the same outcome: record it, tell no one.
        locked.save(update_fields=[*fields, "updated_at"])
        _record(
            locked,
            actor=reviewer,
            kind=EventKind.REVIEWED,
            from_status=to_status,
            to_status=to_status,
            note=explanation,
        )
        return locked
    return _change_status(
        locked,
        to_status=to_status,
        actor=reviewer,
        kind=EventKind.REVIEWED,
        note=explanation,
        extra_fields=fields,
    )


@transaction.atomic
def proposal_merge(*, proposal: Proposal, into: Proposal, reviewer, note: str = "") -> Proposal:
    """Merge the duplicate ``proposal`` into ``into`` (the kept one) and return the kept one.

    Supports move over without double counting: a person who supported both keeps one
    support on the kept proposal. Both authors and the duplicate's followers are told.
    """
    if proposal.pk == into.pk:
        raise ValidationError(
            _("A proposal cannot be merged into itself."), code="merge_into_itself"
        )
    # Lock both rows in a fixed order, so two merges never deadlock.
    locked = {
        p.pk: p
        for p in Proposal.objects.select_for_update(of=("self",))
        .select_related("cycle", "author")
        .filter(pk__in=[proposal.pk, into.pk])
        .order_by("pk")
    }
    duplicate, kept = locked[proposal.pk], locked[into.pk]
    if duplicate.cycle_id != kept.cycle_id:
        raise ValidationError(
            _("Only proposals of the same cycle can be merged."), code="different_cycle"
        )
    if duplicate.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            _("This proposal cannot be merged: it is %(status)s.")
            % {"status": _status_label(duplicate.status).lower()},
            code="not_mergeable",
        )
    if kept.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            {
                "into": _("The proposal to keep must be submitted or reviewed, not %(status)s.")
                % {"status": _status_label(kept.status).lower()}
            },
        )
    _check_cycle_phase(
        duplicate.cycle,
        Phase.REVIEW,
        code="not_review_phase",
        message=_("Duplicates are merged only during the review phase."),
    )
    already = Support.objects.filter(proposal=kept).values("user_id")
    Support.objects.filter(proposal=duplicate, user_id__in=already).delete()
    Support.objects.filter(proposal=duplicate).update(proposal=kept)
    kept.support_count = Support.objects.filter(proposal=kept).count()
    kept.save(update_fields=["support_count", "updated_at"])
    duplicate.support_count = 0
    duplicate.merged_into = kept
    # Followers of the duplicate follow the kept proposal too.
    following = Follow.objects.filter(proposal=kept).values("user_id")
    Follow.objects.bulk_create(
        [
            Follow(proposal=kept, user_id=user_id)
            for user_id in Follow.objects.filter(proposal=duplicate)
            .exclude(user_id__in=following)
            .values_list("user_id", flat=True)
        ],
        ignore_conflicts=True,
    )
    _change_status(
        duplicate,
        to_status=ProposalStatus.MERGED,
        actor=reviewer,
        kind=EventKind.MERGED,
        note=note.strip(),
        related=kept,
        extra_fields=("merged_into", "support_count"),
    )
    _record(kept, actor=reviewer, kind=EventKind.ABSORBED, note=note.strip(), related=duplicate)
    for author, mine in ((duplicate.author, duplicate), (kept.author, kept)):
        if author is None or not author.is_active:
            continue
        with translation.override(author.language or None):
            params = {
                "duplicate": duplicate.title,
                "kept": kept.title,
                "url": _site_url(kept),
            }
            body = (
                _(
                    "Reviewers found that “%(duplicate)s” and “%(kept)s” propose the same thing, "
                    "and merged them into “%(kept)s”. Supports of both now count once for "
                    "“%(kept)s”."
                )
                % params
            )
            if note.strip():
                body += "\n\n" + note.strip()
            body += "\n\n" + _("See it at %(url)s") % params
            email_after_commit(
                to=[author.email],
                subject=_("Your proposal “%(title)s” was merged") % {"title": mine.title},
                body=body,
            )
    return kept


# Delivery -----------------------------------------------------------------------------


@transaction.atomic
def project_update_post(
    *,
    proposal: Proposal,
    author,
    text: str,
    on: date,
    delivery_status: str,
    progress: int,
    cancellation_reason: str = "",
    photo=None,
    photo_alt: str = "",
) -> ProjectUpdate:
    """Post a dated delivery update on a funded project and tell its followers."""
    locked = _lock(proposal)
    if not locked.is_project:
        raise ValidationError(_("Only funded projects get delivery updates."), code="not_a_project")
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = ValidationError(_("Say what happened."), code="required")
    if delivery_status not in DeliveryStatus.values:
        errors["delivery_status"] = ValidationError(_("Choose a status."), code="invalid")
    if not 0 <= int(progress) <= 100:
        errors["progress"] = ValidationError(
            _("Progress is a percentage from 0 to 100."), code="invalid"
        )
    if delivery_status == DeliveryStatus.CANCELLED and not (cancellation_reason or "").strip():
        errors["cancellation_reason"] = ValidationError(
            _("Explain why the project was cancelled."), code="reason_required"
        )
    if photo and not (photo_alt or "").strip():
        errors["photo_alt"] = ValidationError(
            _("Describe what the photo shows, for people who cannot see it."),
            code="alt_required",
        )
    if errors:
        raise ValidationError(errors)
    update = ProjectUpdate(
        proposal=locked,
        author=author,
        date=on,
        text=text,
        delivery_status=delivery_status,
        progress=int(progress) if delivery_status != DeliveryStatus.COMPLETED else 100,
        photo_alt=(photo_alt or "").strip() if photo else "",
    )
    if photo:
        content = clean_image(photo)
        update.photo.save(content.name, content, save=False)
    update.save()
    locked.delivery_status = update.delivery_status
    locked.progress = update.progress
    if delivery_status == DeliveryStatus.CANCELLED:
        locked.cancellation_reason = cancellation_reason.strip()
    if delivery_status == DeliveryStatus.IN_PROGRESS and locked.starts_on is None:
        locked.starts_on = on
    if delivery_status == DeliveryStatus.COMPLETED:
        locked.ends_on = on
    locked.save(
        update_fields=[
            "delivery_status",
            "progress",
            "cancellation_reason",
            "starts_on",
            "ends_on",
            "updated_at",
        ]
    )
    _record(locked, actor=author, kind=EventKind.DELIVERY, note=text[:500])
    followers = (
        Follow.objects.filter(proposal=locked, user__is_active=True)
        .exclude(user=author)
        .select_related("user")
    )
    for follow in followers:
        user = follow.user
        with translation.override(user.language or None):
            params = {
                "title": locked.title,
                "status": DeliveryStatus(update.delivery_status).label,
                "progress": update.progress,
                "url": _site_url(locked),
            }
            email_after_commit(
                to=[user.email],
                subject=_("Project “%(title)s”: %(status)s, %(progress)s%%") % params,
                body=(
                    _("News on the project “%(title)s” you follow:") % params
                    + f"\n\n{update.date:%Y-%m-%d}: {text}\n\n"
                    + _("See it at %(url)s") % params
                    + "\n\n"
                    + _("You get this e-mail because you follow this project.")
                ),
            )
    return update


# The proposal form as one write -----------------------------------------------------


@transaction.atomic
def proposal_save(
    *,
    proposal: Proposal | None,
    author,
    cycle: Cycle,
    fields: dict[str, Any],
    new_images: list[tuple[int, Any, str]] = (),
    alt_texts: dict[int, str] | None = None,
    remove_images: list[int] = (),
    submit: bool = False,
) -> Proposal:
    """Create or change a proposal with its images in one transaction; maybe submit it.

    ``new_images`` is (slot, upload, alt text); an unreadable image raises a
    ValidationError keyed ``image_<slot>``, and nothing is saved.
    """
    if proposal is None:
        proposal = proposal_create(author=author, cycle=cycle, fields=fields)
    else:
        proposal = proposal_update(proposal=proposal, actor=author, fields=fields)
    images = {image.pk: image for image in proposal.images.all()}
    for pk in remove_images:
        if pk in images:
            proposal_image_remove(image=images.pop(pk))
    for pk, alt in (alt_texts or {}).items():
        if pk in images and images[pk].alt_text != alt.strip():
            proposal_image_update(image=images[pk], alt_text=alt)
    for slot, upload, alt in new_images:
        try:
            proposal_image_add(proposal=proposal, upload=upload, alt_text=alt)
        except ValidationError as error:
            raise ValidationError({f"image_{slot}": error.messages}) from None
    if submit:
        proposal = proposal_submit(proposal=proposal, actor=author)
    return proposal
