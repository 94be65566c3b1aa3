"""Deliberation: forum topics and proposal discussions, flags and moderation, common ground."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle
from proposals.models import Proposal

# Replies nest at most this deep: a top-level comment has depth 0, its replies 1, ...
MAX_DEPTH = 4
STATEMENT_MAX_LENGTH = 140
# The public reason shown on content hidden automatically by enough flags. Stored in
# English (the proposals app shows ``hidden_reason`` as text) and translated on display.
AUTO_HIDDEN_REASON = "Hidden until a moderator has reviewed reports about it."


class TopicKind(models.TextChoices):
    FORUM = "forum", _("Forum topic")
    PROPOSAL = "proposal", _("Proposal discussion")


class TopicQuerySet(models.QuerySet["Topic"]):
    def forum(self, cycle: Cycle) -> TopicQuerySet:
        """The forum topics of ``cycle``."""
        return self.filter(cycle=cycle, kind=TopicKind.FORUM)


class Topic(models.Model):
    """A thread of comments: a topic a resident opened in a cycle's forum, or the
    discussion of one proposal (exactly one per proposal, without title or body of its own).
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="topics")
    kind = models.CharField(_("kind"), max_length=10, choices=TopicKind.choices)
    proposal = models.OneToOneField(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="discussion",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
    )
    title = models.CharField(_("title"), max_length=140, blank=True)
    body = models.TextField(_("what you want to discuss"), blank=True)
    body_html = models.TextField(editable=False, blank=True)  # sanitised render of body
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=240, blank=True)
    # Cached counts, changed only with F() beside the row they count.
    comment_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="proposal") & Q(proposal__isnull=False))
                | (Q(kind="forum") & Q(proposal__isnull=True) & ~Q(title="")),
                name="topic_kind_matches_proposal",
            ),
        ]

    def __str__(self) -> str:
        if self.proposal_id:
            return str(_("Discussion of “%(title)s”") % {"title": self.proposal.title})
        return self.title

    def get_absolute_url(self) -> str:
        if self.kind == TopicKind.PROPOSAL:
            return reverse("deliberation:proposal_discussion", kwargs={"pk": self.proposal_id})
        return reverse("deliberation:topic_detail", kwargs={"pk": self.pk})


class CommentQuerySet(models.QuerySet["Comment"]):
    def ordered(self, order: str) -> CommentQuerySet:
        """Order by "newest", "oldest" or "helpful" (most helpful first, then newest)."""
        if order == "oldest":
            return self.order_by("created_at", "pk")
        if order == "helpful":
            return self.order_by("-helpful_count", "-created_at", "-pk")
        return self.order_by("-created_at", "-pk")


class Comment(models.Model):
    """A comment in a topic, possibly a reply to another (up to MAX_DEPTH levels).

    A comment deleted by its author stays as a tombstone so replies keep their place; a
    hidden one shows the moderator's public reason instead of the text.
    """

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
    )
    body = models.TextField(_("comment"), max_length=5000)
    body_html = models.TextField(editable=False, blank=True)  # sanitised render of body
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=240, blank=True)
    # The number of Reaction rows of kind "helpful"; changed only with F() beside them.
    helpful_count = models.PositiveIntegerField(default=0)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["topic", "created_at"], name="comment_topic_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__lt=MAX_DEPTH), name="comment_depth_within_limit"
            ),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(depth=0))
                | (Q(parent__isnull=False) & Q(depth__gt=0)),
                name="comment_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(is_deleted=False) | Q(body=""), name="comment_tombstone_is_empty"
            ),
        ]

    def __str__(self) -> str:
        if self.is_deleted:
            return str(_("Deleted comment"))
        return self.body[:60]

    def get_absolute_url(self) -> str:
        return f"{self.topic.get_absolute_url()}#comment-{self.pk}"

    @property
    def can_have_replies(self) -> bool:
        return self.depth + 1 < MAX_DEPTH and not self.is_deleted


class ReactionKind(models.TextChoices):
    HELPFUL = "helpful", _("Helpful")


class Reaction(models.Model):
    """A person finds a comment helpful; once per person per comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices, default="helpful")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "user", "kind"], name="reaction_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.comment_id}"


# Common ground -------------------------------------------------------------------------


class CommonGroundQuerySet(models.QuerySet["CommonGround"]):
    def public(self) -> CommonGroundQuerySet:
        return self.filter(cycle__is_published=True)


class CommonGround(models.Model):
    """A Polis-like activity of a cycle (or of one proposal): short statements voted on.

    ``report`` holds the latest analysis (see deliberation.analysis and services); it is
    replaced whole by the analysis task, with ``computed_at`` and the hash of the votes it
    was computed from (so a re-run over the same votes changes nothing).
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="common_grounds")
    proposal = models.ForeignKey(
        Proposal,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="common_grounds",
    )
    title = models.CharField(_("title"), max_length=140)
    question = models.CharField(
        _("question"),
        max_length=240,
        help_text=_("What residents are asked, e.g. “What should our parks be like?”"),
    )
    is_open = models.BooleanField(_("open for statements and votes"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    report = models.JSONField(default=dict, blank=True)
    report_votes_hash = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    objects = CommonGroundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("common ground activity")
        verbose_name_plural = _("common ground activities")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle"],
                condition=Q(proposal__isnull=True),
                name="commonground_one_per_cycle",
            ),
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(proposal__isnull=False),
                name="commonground_one_per_proposal",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("deliberation:commonground_detail", kwargs={"pk": self.pk})


class Statement(models.Model):
    """A short statement (≤ 140 characters) others vote agree / disagree / pass on."""

    activity = models.ForeignKey(CommonGround, on_delete=models.CASCADE, related_name="statements")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="statements",
    )
    text = models.CharField(_("statement"), max_length=STATEMENT_MAX_LENGTH)
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=240, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            # varchar(140) bounds the length in the database; this keeps it from being empty.
            models.CheckConstraint(condition=~Q(text=""), name="statement_not_empty"),
            models.UniqueConstraint(
                fields=["activity", "text"], name="statement_unique_text_per_activity"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return f"{self.activity.get_absolute_url()}#statement-{self.pk}"


class VoteChoice(models.IntegerChoices):
    AGREE = 1, _("Agree")
    PASS = 0, _("Pass / unsure")
    DISAGREE = -1, _("Disagree")


class StatementVote(models.Model):
    """One person's vote on a statement; changing it updates this row."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statement_votes"
    )
    choice = models.SmallIntegerField(_("vote"), choices=VoteChoice.choices)
    voted_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("statement vote")
        verbose_name_plural = _("statement votes")
        constraints = [
            models.UniqueConstraint(fields=["statement", "user"], name="statement_vote_once"),
            models.CheckConstraint(
                condition=Q(choice__in=[-1, 0, 1]), name="statement_vote_choice_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} #{self.statement_id}"


# Moderation ----------------------------------------------------------------------------


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive or abusive")
    OFF_TOPIC = "off_topic", _("Off-topic")
    PERSONAL_DATA = "personal_data", _("Shares personal data")
    OTHER = "other", _("Something else")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: content hidden")
    DISMISSED = "dismissed", _("Dismissed")


# The kinds of content that can be flagged and moderated, and the Flag field of each.
FLAGGABLE_KINDS = ("comment", "topic", "proposal", "statement")


class FlagQuerySet(models.QuerySet["Flag"]):
    def open(self) -> FlagQuerySet:
        return self.filter(status=FlagStatus.OPEN)


class Flag(models.Model):
    """A person reports one item (exactly one of comment, topic, proposal, statement).

    Once per person per item, whatever became of the earlier flag.
    """

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    text = models.CharField(
        _("details"),
        max_length=500,
        blank=True,
        help_text=_("Optional, but it helps moderators decide. Needed for “Something else”."),
    )
    status = models.CharField(
        max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(comment__isnull=False, topic=None, proposal=None, statement=None)
                    | Q(comment=None, topic__isnull=False, proposal=None, statement=None)
                    | Q(comment=None, topic=None, proposal__isnull=False, statement=None)
                    | Q(comment=None, topic=None, proposal=None, statement__isnull=False)
                ),
                name="flag_exactly_one_item",
            ),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(text=""), name="flag_other_needs_text"
            ),
            *[
                models.UniqueConstraint(
                    fields=["reporter", kind],
                    condition=Q(**{f"{kind}__isnull": False}),
                    name=f"flag_once_per_person_{kind}",
                )
                for kind in FLAGGABLE_KINDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_status_display()})"

    @property
    def kind(self) -> str:
        return next(kind for kind in FLAGGABLE_KINDS if getattr(self, f"{kind}_id"))

    @property
    def item_pk(self) -> int:
        return getattr(self, f"{self.kind}_id")

    @property
    def item(self):
        return getattr(self, self.kind)


class SuspensionQuerySet(models.QuerySet["Suspension"]):
    def active(self, at=None) -> SuspensionQuerySet:
        """Suspensions in force at ``at`` (now): not lifted and not yet over."""
        at = at or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )


class Suspension(models.Model):
    """A resident may not post or flag until ``ends_at`` (never, if empty) or until lifted.

    A suspended resident can still read, react and vote.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions"
    )
    reason = models.CharField(_("reason (sent to the resident)"), max_length=500)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="suspension_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.starts_at:%Y-%m-%d})"


class ModerationAction(models.TextChoices):
    HIDE = "hide", _("Hidden")
    RESTORE = "restore", _("Restored")
    DISMISS = "dismiss", _("Flags dismissed")
    AUTO_HIDE = "auto_hide", _("Hidden automatically by flags")
    WARN = "warn", _("Author warned")
    SUSPEND = "suspend", _("Author suspended")
    LIFT = "lift", _("Suspension lifted")


class ModerationLog(models.Model):
    """Append-only record of every moderation action: who, when, what, why.

    The database refuses UPDATE and DELETE on this table (a trigger, migration 0002);
    rows are only ever inserted. Automatic hiding has no moderator.
    """

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=12, choices=ModerationAction.choices)
    item_kind = models.CharField(max_length=12, blank=True)
    item_pk = models.BigIntegerField(null=True, blank=True)
    item_label = models.CharField(max_length=200, blank=True)  # a snapshot, for reading
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The author the action concerns."),
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.item_kind} {self.item_pk}"
