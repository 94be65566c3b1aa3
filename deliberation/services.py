"""Writes of deliberation: topics, comments, reactions, flags, moderation, common ground."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from deliberation import selectors
from deliberation.markdown import render_markdown
from deliberation.models import (
    AUTO_HIDDEN_REASON,
    FLAGGABLE_KINDS,
    MAX_DEPTH,
    Comment,
    CommonGround,
    Flag,
    FlagReason,
    FlagStatus,
    ModerationAction,
    ModerationLog,
    Reaction,
    ReactionKind,
    Statement,
    StatementVote,
    Suspension,
    Topic,
    TopicKind,
    VoteChoice,
)
from deliberation.predicates import EDIT_WINDOW, is_suspended
from pbudget.models import Cycle, User
from pbudget.notify import email_after_commit
from pbudget.predicates import is_verified_email
from proposals.models import Proposal


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


# Posting ------------------------------------------------------------------------------


def _ensure_can_post(user: User) -> None:
    if not is_verified_email(user):
        raise ValidationError(
            _("Confirm your e-mail address before you post."), code="email_unverified"
        )
    suspension = selectors.active_suspension(user)
    if suspension is not None:
        if suspension.ends_at:
            message = _(
                "Your account is suspended until %(date)s: you can read and vote, but not post."
            ) % {"date": timezone.localtime(suspension.ends_at).strftime("%Y-%m-%d %H:%M")}
        else:
            message = _("Your account is suspended: you can read and vote, but not post.")
        raise ValidationError(message, code="suspended")


def _check_rate(user: User) -> None:
    """At most PBUDGET_POSTS_PER_MINUTE posts (topics, comments, statements) a minute.

    A counter per user and clock minute in the shared Redis cache, so every web process
    sees the same count.
    """
    limit = _setting("PBUDGET_POSTS_PER_MINUTE", 5)
    key = f"deliberation:posts:{user.pk}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=90)
        count = 1
    if count > limit:
        raise ValidationError(
            _(
                "You are posting very fast: at most %(limit)d posts a minute. "
                "Wait a minute and try again; what you wrote is kept below."
            )
            % {"limit": limit},
            code="rate_limited",
        )


@transaction.atomic
def topic_create(
    *, author: User, cycle: Cycle, title: str, body: str, rate_limit: bool = True
) -> Topic:
    """Open a topic in the forum of ``cycle``."""
    _ensure_can_post(author)
    if not cycle.is_published:
        raise ValidationError(_("This cycle is not open for discussion."), code="cycle_closed")
    title, body = title.strip(), body.strip()
    if not title:
        raise ValidationError(_("Give the topic a title."), code="title_required")
    if rate_limit:
        _check_rate(author)
    return Topic.objects.create(
        cycle=cycle,
        kind=TopicKind.FORUM,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
    )


def proposal_topic(*, proposal: Proposal) -> Topic:
    """The discussion of ``proposal``, created the first time it is needed."""
    topic = Topic.objects.filter(proposal=proposal).first()
    if topic is not None:
        return topic
    try:
        with transaction.atomic():
            return Topic.objects.create(
                cycle_id=proposal.cycle_id, kind=TopicKind.PROPOSAL, proposal=proposal
            )
    except IntegrityError:  # created meanwhile by another request
        return Topic.objects.get(proposal=proposal)


@transaction.atomic
def comment_create(
    *,
    author: User,
    topic: Topic,
    body: str,
    parent: Comment | None = None,
    rate_limit: bool = True,
    created_at=None,
) -> Comment:
    """Post a comment in ``topic``, or a reply to ``parent`` (up to MAX_DEPTH levels)."""
    _ensure_can_post(author)
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("proposal", "cycle")
        .get(pk=topic.pk)
    )
    if topic.is_hidden or (topic.proposal_id and topic.proposal.is_hidden):
        raise ValidationError(_("This discussion is closed."), code="topic_closed")
    body = body.strip()
    if not body:
        raise ValidationError(_("Write something first."), code="empty")
    depth = 0
    if parent is not None:
        if parent.topic_id != topic.pk:
            raise ValidationError(
                _("You can only reply within the same discussion."), code="parent"
            )
        if parent.is_deleted:
            raise ValidationError(_("That comment was deleted."), code="parent_deleted")
        depth = parent.depth + 1
        if depth >= MAX_DEPTH:
            raise ValidationError(
                _("Replies nest at most %(depth)d levels deep: reply higher up the thread.")
                % {"depth": MAX_DEPTH},
                code="too_deep",
            )
    if rate_limit:
        _check_rate(author)
    now = created_at or timezone.now()
    comment = Comment.objects.create(
        topic=topic,
        parent=parent,
        depth=depth,
        author=author,
        body=body,
        body_html=render_markdown(body),
        created_at=now,
    )
    Topic.objects.filter(pk=topic.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=now
    )
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, user: User, body: str) -> Comment:
    """Change a comment's text; only its author, within 15 minutes. It shows "edited"."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != user.pk:
        raise ValidationError(_("Only the author can change a comment."), code="not_author")
    if comment.is_deleted or comment.is_hidden:
        raise ValidationError(_("This comment can no longer be changed."), code="not_live")
    if timezone.now() - comment.created_at > EDIT_WINDOW:
        raise ValidationError(
            _("Comments can be changed for 15 minutes after posting; that time is over."),
            code="edit_window_over",
        )
    if is_suspended(user):
        raise ValidationError(_("Your account is suspended."), code="suspended")
    body = body.strip()
    if not body:
        raise ValidationError(_("Write something first."), code="empty")
    if body != comment.body:
        comment.body = body
        comment.body_html = render_markdown(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user: User) -> Comment:
    """Delete a comment by its author: a tombstone keeps the replies in place."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != user.pk:
        raise ValidationError(_("Only the author can delete a comment."), code="not_author")
    if comment.is_deleted:
        return comment
    comment.body = ""
    comment.body_html = ""
    comment.is_deleted = True
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "is_deleted", "deleted_at"])
    return comment


@transaction.atomic
def reaction_add(*, comment: Comment, user: User) -> bool:
    """Mark ``comment`` helpful for ``user``; False if they already had. Counted with F()."""
    if comment.author_id == user.pk:
        raise ValidationError(_("You cannot mark your own comment helpful."), code="own_comment")
    try:
        with transaction.atomic():
            Reaction.objects.create(comment=comment, user=user, kind=ReactionKind.HELPFUL)
    except IntegrityError:  # the unique constraint: once per person
        return False
    Comment.objects.filter(pk=comment.pk).update(helpful_count=F("helpful_count") + 1)
    return True


@transaction.atomic
def reaction_remove(*, comment: Comment, user: User) -> bool:
    """Take back a "helpful"; False if there was none."""
    deleted, _detail = Reaction.objects.filter(
        comment=comment, user=user, kind=ReactionKind.HELPFUL
    ).delete()
    if deleted:
        Comment.objects.filter(pk=comment.pk).update(helpful_count=F("helpful_count") - 1)
    return bool(deleted)


# Flags and moderation -----------------------------------------------------------------


def item_kind(item: Any) -> str:
    """The flaggable kind of ``item``: comment, topic, proposal or statement."""
    kind = type(item).__name__.lower()
    if kind not in FLAGGABLE_KINDS:
        raise ValueError(f"{type(item).__name__} cannot be moderated")
    return kind


def _lock(item: Any) -> Any:
    return type(item).objects.select_for_update().get(pk=item.pk)


def _set_hidden(item: Any, hidden: bool, reason: str) -> None:
    # Proposals belong to the proposals app: only these two fields are ever written here.
    type(item).objects.filter(pk=item.pk).update(is_hidden=hidden, hidden_reason=reason)
    item.is_hidden, item.hidden_reason = hidden, reason


def _log(
    *,
    moderator: User | None,
    action: str,
    item: Any = None,
    subject: User | None = None,
    reason: str = "",
) -> ModerationLog:
    return ModerationLog.objects.create(
        moderator=moderator,
        action=action,
        item_kind=item_kind(item) if item is not None else "",
        item_pk=item.pk if item is not None else None,
        item_label=selectors.item_label(item)[:200] if item is not None else "",
        subject=subject,
        reason=reason,
    )


def _email_author(author: User | None, subject: str, body: str) -> None:
    if author is not None and author.email:
        email_after_commit(to=[author.email], subject=subject, body=body)


@transaction.atomic
def flag_create(*, reporter: User, item: Any, reason: str, text: str = "") -> Flag:
    """Report ``item``; once per person per item. Enough open flags hide it until reviewed."""
    kind = item_kind(item)
    if is_suspended(reporter):
        raise ValidationError(
            _("Your account is suspended: you cannot report content."), code="suspended"
        )
    if reason not in FlagReason.values:
        raise ValidationError(_("Choose a reason."), code="reason")
    text = text.strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError(
            _("Tell the moderators what is wrong when you choose “Something else”."),
            code="text_required",
        )
    if getattr(item, "author_id", None) == reporter.pk:
        raise ValidationError(_("You cannot report what you wrote."), code="own_content")
    # Lock the item: concurrent flags on it are counted one after the other.
    item = _lock(item)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(reporter=reporter, reason=reason, text=text, **{kind: item})
    except IntegrityError as error:
        raise ValidationError(
            _("You have already reported this. Moderators will look at it."),
            code="already_flagged",
        ) from error
    threshold = _setting("PBUDGET_FLAG_HIDE_THRESHOLD", 5)
    open_flags = Flag.objects.open().filter(**{kind: item}).count()
    if open_flags >= threshold and not item.is_hidden:
        _set_hidden(item, True, AUTO_HIDDEN_REASON)
        _log(
            moderator=None,
            action=ModerationAction.AUTO_HIDE,
            item=item,
            subject=getattr(item, "author", None),
            reason=f"{open_flags} open flags",
        )
    return flag


def _resolve_flags(item: Any, moderator: User, status: str) -> int:
    return (
        Flag.objects.open()
        .filter(**{item_kind(item): item})
        .update(status=status, resolved_at=timezone.now(), resolved_by=moderator)
    )


def _require_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give a reason; the author is told it."), code="reason_required")
    return reason


@transaction.atomic
def moderation_hide(*, moderator: User, item: Any, reason: str) -> Any:
    """Hide ``item``; ``reason`` is shown publicly in its place. Open flags are upheld."""
    reason = _require_reason(reason)
    item = _lock(item)
    _set_hidden(item, True, reason[:240])
    _resolve_flags(item, moderator, FlagStatus.UPHELD)
    author = getattr(item, "author", None)
    _log(
        moderator=moderator, action=ModerationAction.HIDE, item=item, subject=author, reason=reason
    )
    _email_author(
        author,
        _("A moderator has hidden something you wrote"),
        _(
            "A moderator has hidden “%(label)s”.\n\nReason (shown in its place): %(reason)s\n\n"
            "You can reply to this e-mail if you think this was a mistake."
        )
        % {"label": selectors.item_label(item), "reason": reason},
    )
    return item


@transaction.atomic
def moderation_restore(*, moderator: User, item: Any, reason: str) -> Any:
    """Show ``item`` again; open flags are dismissed."""
    reason = _require_reason(reason)
    item = _lock(item)
    _set_hidden(item, False, "")
    _resolve_flags(item, moderator, FlagStatus.DISMISSED)
    author = getattr(item, "author", None)
    _log(
        moderator=moderator, action=ModerationAction.RESTORE, item=item, subject=author,
        reason=reason,
    )  # fmt: skip
    _email_author(
        author,
        _("Something you wrote is visible again"),
        _("A moderator has restored “%(label)s”.\n\n%(reason)s")
        % {"label": selectors.item_label(item), "reason": reason},
    )
    return item


@transaction.atomic
def moderation_dismiss(*, moderator: User, item: Any, reason: str) -> Any:
    """Dismiss the open flags on ``item``; if flags alone had hidden it, show it again."""
    reason = _require_reason(reason)
    item = _lock(item)
    _resolve_flags(item, moderator, FlagStatus.DISMISSED)
    if item.is_hidden and item.hidden_reason == AUTO_HIDDEN_REASON:
        _set_hidden(item, False, "")
    _log(
        moderator=moderator, action=ModerationAction.DISMISS, item=item,
        subject=getattr(item, "author", None), reason=reason,
    )  # fmt: skip
    return item


@transaction.atomic
def moderation_warn(*, moderator: User, item: Any, reason: str) -> ModerationLog:
    """Warn the author of ``item`` by e-mail, with ``reason``."""
    reason = _require_reason(reason)
    author = getattr(item, "author", None)
    if author is None:
        raise ValidationError(_("This content has no author to warn."), code="no_author")
    entry = _log(
        moderator=moderator, action=ModerationAction.WARN, item=item, subject=author,
        reason=reason,
    )  # fmt: skip
    _email_author(
        author,
        _("A warning from the moderators"),
        _(
            "A moderator has warned you about “%(label)s”:\n\n%(reason)s\n\n"
            "Please keep the discussion respectful and on topic. Repeated problems can lead "
            "to a suspension."
        )
        % {"label": selectors.item_label(item), "reason": reason},
    )
    return entry


@transaction.atomic
def user_suspend(
    *, moderator: User, user: User, days: int | None, reason: str, item: Any = None
) -> Suspension:
    """Suspend ``user`` from posting and flagging for ``days`` days, or indefinitely (None)."""
    reason = _require_reason(reason)
    if days is not None and days < 1:
        raise ValidationError(_("Suspend for at least one day."), code="days")
    if user.pk == moderator.pk:
        raise ValidationError(_("You cannot suspend yourself."), code="self")
    # One suspension in force at a time: a new one replaces the current ones.
    now = timezone.now()
    User.objects.select_for_update().get(pk=user.pk)
    Suspension.objects.active().filter(user=user).update(lifted_at=now, lifted_by=moderator)
    ends_at = now + timedelta(days=days) if days else None
    suspension = Suspension.objects.create(
        user=user, reason=reason, starts_at=now, ends_at=ends_at, created_by=moderator
    )
    length = _("%(days)d days") % {"days": days} if days else _("until a moderator lifts it")
    _log(
        moderator=moderator,
        action=ModerationAction.SUSPEND,
        item=item,
        subject=user,
        reason=f"{reason} ({length})",
    )
    _email_author(
        user,
        _("Your account has been suspended"),
        _(
            "A moderator has suspended your account for %(length)s.\n\nReason: %(reason)s\n\n"
            "You can still read and vote, but you cannot post or report content."
        )
        % {"length": length, "reason": reason},
    )
    return suspension


@transaction.atomic
def suspension_lift(*, moderator: User, suspension: Suspension, reason: str) -> Suspension:
    """End a suspension now."""
    reason = _require_reason(reason)
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.lifted_at is not None:
        raise ValidationError(_("This suspension was already lifted."), code="already_lifted")
    suspension.lifted_at = timezone.now()
    suspension.lifted_by = moderator
    suspension.save(update_fields=["lifted_at", "lifted_by"])
    _log(moderator=moderator, action=ModerationAction.LIFT, subject=suspension.user, reason=reason)
    _email_author(
        suspension.user,
        _("Your suspension has been lifted"),
        _("A moderator has lifted the suspension of your account: you can post again.\n\n%s")
        % reason,
    )
    return suspension


# Common ground ------------------------------------------------------------------------


@transaction.atomic
def commonground_open(
    *, creator: User, cycle: Cycle, title: str, question: str, proposal: Proposal | None = None
) -> CommonGround:
    """Open a common ground activity for ``cycle`` (or one of its proposals)."""
    if proposal is not None and proposal.cycle_id != cycle.pk:
        raise ValidationError(_("The proposal belongs to another cycle."), code="proposal_cycle")
    try:
        with transaction.atomic():
            return CommonGround.objects.create(
                cycle=cycle, proposal=proposal, title=title.strip(), question=question.strip(),
                created_by=creator,
            )  # fmt: skip
    except IntegrityError as error:
        raise ValidationError(
            _("This already has a common ground activity."), code="already_open"
        ) from error


@transaction.atomic
def statement_create(
    *, author: User, activity: CommonGround, text: str, rate_limit: bool = True
) -> Statement:
    """Add a statement (≤ 140 characters) to ``activity``."""
    _ensure_can_post(author)
    if not activity.is_open:
        raise ValidationError(_("This activity is closed."), code="closed")
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Write a statement first."), code="empty")
    if len(text) > Statement._meta.get_field("text").max_length:
        raise ValidationError(_("Keep it to 140 characters."), code="too_long")
    if rate_limit:
        _check_rate(author)
    try:
        with transaction.atomic():
            return Statement.objects.create(activity=activity, author=author, text=text)
    except IntegrityError as error:
        raise ValidationError(
            _("Someone has already written exactly this: vote on it instead."), code="duplicate"
        ) from error


def _debounce_key(activity_id: int) -> str:
    return f"deliberation:commonground:scheduled:{activity_id}"


def commonground_schedule_analysis(*, activity_id: int) -> None:
    """Recompute the report soon after the current transaction commits.

    Debounced: a burst of votes schedules one run, PBUDGET_COMMONGROUND_DEBOUNCE_SECONDS
    later; the task clears the key when it starts, so later votes schedule the next run.
    """
    from deliberation.tasks import analyse_common_ground

    delay = _setting("PBUDGET_COMMONGROUND_DEBOUNCE_SECONDS", 10)

    def schedule() -> None:
        if cache.add(_debounce_key(activity_id), "1", timeout=delay + 300):
            analyse_common_ground.apply_async(args=[activity_id], countdown=delay)

    transaction.on_commit(schedule)


@transaction.atomic
def statement_vote(*, user: User, statement: Statement, choice: int) -> StatementVote:
    """Vote agree (1) / pass (0) / disagree (-1); voting again changes the vote."""
    if choice not in VoteChoice.values:
        raise ValidationError(_("Choose agree, disagree or pass."), code="choice")
    activity = statement.activity
    if not activity.is_open:
        raise ValidationError(_("This activity is closed."), code="closed")
    if statement.is_hidden:
        raise ValidationError(_("This statement has been hidden."), code="hidden")
    # One row per person and statement (unique constraint); INSERT … ON CONFLICT UPDATE.
    StatementVote.objects.bulk_create(
        [StatementVote(statement=statement, user=user, choice=choice, voted_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["statement", "user"],
        update_fields=["choice", "voted_at"],
    )
    commonground_schedule_analysis(activity_id=activity.pk)
    return StatementVote.objects.get(statement=statement, user=user)


def commonground_analyse(*, activity_id: int, force: bool = False) -> bool:
    """Compute and store the report of an activity; False when the votes have not changed.

    Idempotent: the report records a hash of the votes it was computed from, and running
    again over the same votes changes nothing.
    """
    from deliberation import report

    cache.delete(_debounce_key(activity_id))
    activity = CommonGround.objects.filter(pk=activity_id).first()
    if activity is None:
        return False
    statements, votes = selectors.commonground_votes(activity)
    digest = hashlib.sha256(repr((statements, votes)).encode(), usedforsecurity=False).hexdigest()
    if not force and activity.computed_at and digest == activity.report_votes_hash:
        return False
    data = report.build_report(statements, votes)
    with transaction.atomic():
        CommonGround.objects.select_for_update().filter(pk=activity_id).update(
            report=data, report_votes_hash=digest, computed_at=timezone.now()
        )
    return True
