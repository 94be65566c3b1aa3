"""A proposal's discussion can be reached from its page and from lists of proposals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from deliberation.models import Comment, Topic
from proposals.models import Proposal, ProposalStatus
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(db):
    from pbudget.models import District

    cycle = make_cycle(phase="ideas", slug="talk-2027")
    return Proposal.objects.create(
        cycle=cycle,
        district=District.objects.get(slug="old-town"),
        author=make_user("author@example.org"),
        title="Shade trees",
        summary="Trees along the river walk.",
        description="Plant trees.",
        status=ProposalStatus.SUBMITTED,
    )


def _comment(proposal, body):
    from deliberation.services import comment_create, proposal_topic

    author = make_user(f"c{Comment.objects.count()}@example.org")
    topic = proposal_topic(proposal=proposal)
    return comment_create(author=author, topic=topic, body=body, rate_limit=False)


def test_the_proposal_page_shows_the_discussion_with_its_count_and_a_link_without_javascript(
    client, proposal
):
    _comment(proposal, "Yes, please.")
    _comment(proposal, "Which trees?")
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Discussion (2 comments)" in html
    page = reverse("deliberation:proposal_discussion", args=[proposal.pk])
    fragment = reverse("deliberation:proposal_discussion_fragment", args=[proposal.pk])
    assert f'hx-get="{fragment}"' in html
    assert f'href="{page}"' in html
    # The fragment htmx loads shows the comments themselves.
    assert "Which trees?" in client.get(fragment).content.decode()


def test_a_proposal_nobody_discussed_invites_the_first_comment_and_writes_nothing(client, proposal):
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Discussion (0 comments)" in html
    assert "Start the discussion" in html
    assert not Topic.objects.exists()


def test_proposal_cards_show_how_many_comments(client, proposal):
    _comment(proposal, "Good idea.")
    html = client.get(reverse("proposals:list")).content.decode()
    page = reverse("deliberation:proposal_discussion", args=[proposal.pk])
    assert f'<a href="{page}">1 comment</a>' in html


def test_the_comment_counts_of_a_list_take_one_query(proposal, django_assert_num_queries):
    from deliberation.extras import comment_count_extra

    _comment(proposal, "Good idea.")
    with django_assert_num_queries(1):
        links = comment_count_extra([proposal] * 20, "list")
    assert list(links) == [proposal.pk]


def test_a_draft_has_no_discussion_section(proposal):
    from deliberation.extras import discussion_section
    from proposals.models import ProposalStatus

    proposal.status = ProposalStatus.DRAFT
    assert discussion_section(proposal) == ""
