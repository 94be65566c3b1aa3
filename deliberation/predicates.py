"""Predicates of deliberation: who may post, edit, react, flag and moderate what."""

from __future__ import annotations

from datetime import timedelta

import rules
from django.utils import timezone

from pbudget.predicates import is_moderator, is_verified_email

# An author may change a comment for this long after posting it.
EDIT_WINDOW = timedelta(minutes=15)


@rules.predicate
def is_suspended(user) -> bool:
    """The user has a suspension in force (they may read and vote, not post or flag)."""
    if not user.is_authenticated:
        return False
    from deliberation.models import Suspension

    return Suspension.objects.active().filter(user=user).exists()


@rules.predicate
def is_author(user, item) -> bool:
    return item is not None and user.is_authenticated and item.author_id == user.pk


@rules.predicate
def cycle_is_public(user, cycle) -> bool:
    return cycle is not None and cycle.is_published


@rules.predicate
def topic_accepts_comments(user, topic) -> bool:
    """Hidden topics and discussions of hidden proposals take no new comments."""
    if topic is None or topic.is_hidden or not topic.cycle.is_published:
        return False
    return topic.proposal_id is None or not topic.proposal.is_hidden


@rules.predicate
def comment_is_live(user, comment) -> bool:
    """The comment is neither deleted nor hidden."""
    return comment is not None and not comment.is_deleted and not comment.is_hidden


@rules.predicate
def within_edit_window(user, comment) -> bool:
    return comment is not None and timezone.now() - comment.created_at <= EDIT_WINDOW


@rules.predicate
def activity_is_open(user, activity) -> bool:
    if activity is None:
        return False
    activity = getattr(activity, "activity", activity)  # a statement answers for its activity
    return activity.is_open and activity.cycle.is_published


can_post = rules.is_authenticated & is_verified_email & ~is_suspended
can_add_topic = can_post & cycle_is_public
can_add_comment = can_post & topic_accepts_comments
can_change_comment = is_author & comment_is_live & within_edit_window & ~is_suspended
can_delete_comment = is_author & comment_is_live
# Finding a comment helpful is a kind of vote: suspension does not take it away.
can_react = rules.is_authenticated & is_verified_email & comment_is_live & ~is_author
can_flag = rules.is_authenticated & ~is_suspended
can_moderate = is_moderator
can_add_statement = can_post & activity_is_open
can_vote_statement = rules.is_authenticated & is_verified_email & activity_is_open
