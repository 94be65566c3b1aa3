"""Factories for deliberation tests: proposals, topics, comments, common ground."""

from __future__ import annotations

from django.utils import timezone

from deliberation import services
from deliberation.markdown import render_markdown
from deliberation.models import Comment, CommonGround, Statement, Topic, TopicKind
from pbudget.models import District
from proposals.models import Proposal
from tests.factories import make_user


def make_proposal(cycle, *, author=None, title="A pocket park on Mill Lane", **fields) -> Proposal:
    author = author or make_user(f"author{Proposal.objects.count()}@example.org")
    return Proposal.objects.create(
        cycle=cycle,
        district=District.objects.filter(is_citywide=False).first(),
        author=author,
        title=title,
        summary=fields.pop("summary", "Turn the empty lot into a small park."),
        description=fields.pop("description", "Trees, benches and a water fountain."),
        status=fields.pop("status", "submitted"),
        submitted_at=timezone.now(),
        **fields,
    )


def make_topic(cycle, *, author=None, title="More trees or more benches?", body="Which first?"):
    author = author or make_user(f"topic{Topic.objects.count()}@example.org")
    return Topic.objects.create(
        cycle=cycle,
        kind=TopicKind.FORUM,
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
    )


def make_comment(topic, *, author=None, body="I agree with this.", parent=None) -> Comment:
    author = author or make_user(f"commenter{Comment.objects.count()}@example.org")
    return services.comment_create(
        author=author, topic=topic, body=body, parent=parent, rate_limit=False
    )


def make_activity(cycle, *, statements=(), proposal=None) -> CommonGround:
    activity = CommonGround.objects.create(
        cycle=cycle, proposal=proposal, title="What do we agree on?", question="Parks?"
    )
    for text in statements:
        Statement.objects.create(activity=activity, text=text)
    return activity
