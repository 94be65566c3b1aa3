"""Reads of deliberation: comment trees, the moderation queue, vote matrices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.urls import NoReverseMatch
from django.utils.translation import gettext as _

from deliberation.models import (
    FLAGGABLE_KINDS,
    Comment,
    CommonGround,
    Flag,
    FlagReason,
    Reaction,
    Statement,
    StatementVote,
    Suspension,
    Topic,
    TopicKind,
)
from proposals.models import Proposal

ORDERS = ("newest", "oldest", "helpful")
KIND_MODELS = {"comment": Comment, "topic": Topic, "proposal": Proposal, "statement": Statement}


def active_suspension(user) -> Suspension | None:
    """The suspension in force for ``user`` that ends last (indefinite ones first)."""
    if not user.is_authenticated:
        return None
    return (
        Suspension.objects.active()
        .filter(user=user)
        .order_by("-ends_at")  # NULL (indefinite) sorts first in descending order
        .first()
    )


def item_label(item: Any) -> str:
    """A short description of a moderated item, for the queue, the log and e-mails."""
    if isinstance(item, Comment):
        return _("Comment: %(text)s") % {"text": item.body[:80] or _("(deleted)")}
    if isinstance(item, Topic):
        return _("Topic: %(title)s") % {"title": item.title or str(item)}
    if isinstance(item, Proposal):
        return _("Proposal: %(title)s") % {"title": item.title}
    if isinstance(item, Statement):
        return _("Statement: %(text)s") % {"text": item.text}
    return str(item)


def item_url(item: Any) -> str | None:
    """Where the public sees ``item`` (None when that page does not exist yet)."""
    try:
        return item.get_absolute_url()
    except NoReverseMatch:
        return None


def proposal_url(proposal: Proposal) -> str | None:
    """The proposal's own page, from the proposals app, if it is installed yet."""
    try:
        return proposal.get_absolute_url()
    except NoReverseMatch:
        return None


def get_item(kind: str, pk: int):
    """The item of ``kind`` with ``pk``, or None."""
    model = KIND_MODELS.get(kind)
    if model is None:
        return None
    return model.objects.filter(pk=pk).first()


@dataclass
class CommentNode:
    comment: Comment
    replies: list[CommentNode] = field(default_factory=list)
    helpful_by_me: bool = False


def proposal_topic(proposal) -> Topic:
    """The discussion of ``proposal``; unsaved (no comments yet) if nobody has posted.

    Reading a discussion never writes: the topic row is made by the first comment
    (``services.proposal_topic``).
    """
    topic = Topic.objects.filter(proposal=proposal).first()
    if topic is None:
        topic = Topic(cycle=proposal.cycle, kind=TopicKind.PROPOSAL, proposal=proposal)
    topic.proposal = proposal
    return topic


def comment_tree(topic: Topic, *, order: str = "newest", user=None) -> list[CommentNode]:
    """The comments of ``topic`` as a tree: top level in ``order``, replies oldest first.

    Two queries whatever the size: the comments, and the viewer's reactions; none for a
    topic not saved yet.
    """
    if topic.pk is None:
        return []
    comments = list(
        Comment.objects.filter(topic=topic).select_related("author").order_by("created_at", "pk")
    )
    mine: set[int] = set()
    if user is not None and user.is_authenticated:
        mine = set(
            Reaction.objects.filter(comment__topic=topic, user=user).values_list(
                "comment_id", flat=True
            )
        )
    nodes = {c.pk: CommentNode(comment=c, helpful_by_me=c.pk in mine) for c in comments}
    roots = []
    for comment in comments:
        node = nodes[comment.pk]
        if comment.parent_id and comment.parent_id in nodes:
            nodes[comment.parent_id].replies.append(node)
        else:
            roots.append(node)
    if order == "oldest":
        return roots
    if order == "helpful":
        return sorted(
            roots, key=lambda n: (-n.comment.helpful_count, -n.comment.created_at.timestamp())
        )
    return list(reversed(roots))


@dataclass
class QueueEntry:
    kind: str
    item: Any
    flag_count: int
    first_flagged_at: Any
    reasons: list[tuple[str, int]]


def moderation_queue(limit: int = 200) -> list[QueueEntry]:
    """Items with open flags: most flags first, then the longest waiting."""
    rows = list(
        Flag.objects.open()
        .values(*[f"{kind}_id" for kind in FLAGGABLE_KINDS])
        .annotate(flag_count=Count("pk"), first_flagged_at=Min("created_at"))
        .order_by("-flag_count", "first_flagged_at")[:limit]
    )
    wanted: dict[str, set[int]] = {kind: set() for kind in FLAGGABLE_KINDS}
    for row in rows:
        kind = next(k for k in FLAGGABLE_KINDS if row[f"{k}_id"])
        row["kind"], row["pk"] = kind, row[f"{kind}_id"]
        wanted[kind].add(row["pk"])
    items = {kind: KIND_MODELS[kind].objects.in_bulk(pks) for kind, pks in wanted.items() if pks}
    reasons: dict[tuple[str, int], Counter] = {}
    query = Q()
    for kind, pks in wanted.items():
        if pks:
            query |= Q(**{f"{kind}_id__in": pks})
    if query:
        for flag in (
            Flag.objects.open().filter(query).only("reason", *[f"{k}_id" for k in FLAGGABLE_KINDS])
        ):
            reasons.setdefault((flag.kind, flag.item_pk), Counter())[flag.reason] += 1
    labels = dict(FlagReason.choices)
    return [
        QueueEntry(
            kind=row["kind"],
            item=items[row["kind"]][row["pk"]],
            flag_count=row["flag_count"],
            first_flagged_at=row["first_flagged_at"],
            reasons=[
                (labels[reason], count)
                for reason, count in reasons.get((row["kind"], row["pk"]), Counter()).most_common()
            ],
        )
        for row in rows
        if row["pk"] in items.get(row["kind"], {})
    ]


def commonground_votes(
    activity: CommonGround,
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Visible statements (pks, in order) and their votes as (user, statement, choice)."""
    statements = list(
        activity.statements.filter(is_hidden=False).order_by("pk").values_list("pk", flat=True)
    )
    votes = list(
        StatementVote.objects.filter(statement_id__in=statements)
        .order_by("user_id", "statement_id")
        .values_list("user_id", "statement_id", "choice")
    )
    return statements, votes


def statements_for_voter(activity: CommonGround, user) -> list[tuple[Statement, int | None]]:
    """Visible statements of ``activity`` with the viewer's vote (None: not voted yet)."""
    statements = list(activity.statements.filter(is_hidden=False).order_by("created_at", "pk"))
    mine = {}
    if user.is_authenticated:
        mine = dict(
            StatementVote.objects.filter(statement__activity=activity, user=user).values_list(
                "statement_id", "choice"
            )
        )
    return [(statement, mine.get(statement.pk)) for statement in statements]
