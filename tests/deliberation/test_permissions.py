"""Every role (and anonymous) on every view of deliberation: page, 403, 404 or sign-in."""

import pytest
from django.urls import reverse

from deliberation.models import Suspension
from pbudget import roles
from tests.deliberation.factories import make_comment
from tests.factories import ALL_ROLES, make_user, staff_login

MODERATORS = {roles.MODERATOR, roles.ADMINISTRATOR}


def _client_for(client, role):
    if role is None:
        return client
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    staff_login(client, user)
    return client


@pytest.fixture
def world(cycle, topic, comment, proposal, activity, author, moderator):
    """One of everything, written by ``author`` (not the user of the test)."""
    suspended = make_user("suspended@example.org")
    suspension = Suspension.objects.create(user=suspended, reason="Insults")
    return {
        "slug": cycle.slug,
        "topic": topic.pk,
        "comment": comment.pk,
        "proposal": proposal.pk,
        "activity": activity.pk,
        "statement": activity.statements.first().pk,
        "suspension": suspension.pk,
    }


PUBLIC = [
    ("forum_index", lambda w: {}),
    ("forum_cycle", lambda w: {"slug": w["slug"]}),
    ("topic_detail", lambda w: {"pk": w["topic"]}),
    ("proposal_discussion", lambda w: {"pk": w["proposal"]}),
    ("proposal_discussion_fragment", lambda w: {"pk": w["proposal"]}),
    ("commonground_list", lambda w: {}),
    ("commonground_detail", lambda w: {"pk": w["activity"]}),
    ("commonground_report", lambda w: {"pk": w["activity"]}),
]
SIGNED_IN = [
    ("topic_create", lambda w: {"slug": w["slug"]}),
    ("flag_create", lambda w: {"kind": "comment", "pk": w["comment"]}),
    ("flag_create", lambda w: {"kind": "topic", "pk": w["topic"]}),
    ("flag_create", lambda w: {"kind": "proposal", "pk": w["proposal"]}),
    ("flag_create", lambda w: {"kind": "statement", "pk": w["statement"]}),
]
AUTHOR_ONLY = [
    ("comment_edit", lambda w: {"pk": w["comment"]}),
    ("comment_delete", lambda w: {"pk": w["comment"]}),
]
MODERATOR_ONLY = [
    ("moderation_queue", lambda w: {}),
    ("moderation_item", lambda w: {"kind": "comment", "pk": w["comment"]}),
    ("moderation_item", lambda w: {"kind": "proposal", "pk": w["proposal"]}),
    ("moderation_log", lambda w: {}),
    ("suspension_list", lambda w: {}),
    ("suspension_lift", lambda w: {"pk": w["suspension"]}),
    ("commonground_create", lambda w: {}),
]


def _url(name, kwargs, world):
    return reverse(f"deliberation:{name}", kwargs=kwargs(world))


def _is_login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs"), PUBLIC)
def test_public_pages_open_to_everyone(client, world, role, name, kwargs):
    response = _client_for(client, role).get(_url(name, kwargs, world))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs"), SIGNED_IN)
def test_signed_in_pages_for_every_role_sign_in_for_anonymous(client, world, role, name, kwargs):
    response = _client_for(client, role).get(_url(name, kwargs, world))
    if role is None:
        assert _is_login_redirect(response)
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs"), AUTHOR_ONLY)
def test_comment_edit_and_delete_only_for_the_author(client, world, role, name, kwargs):
    response = _client_for(client, role).get(_url(name, kwargs, world))
    if role is None:
        assert _is_login_redirect(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), AUTHOR_ONLY)
def test_given_the_author_when_opening_edit_or_delete_then_page(
    client, world, author, name, kwargs
):
    client.force_login(author)
    assert client.get(_url(name, kwargs, world)).status_code == 200


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs"), MODERATOR_ONLY)
def test_moderation_pages_only_for_moderators_and_administrators(client, world, role, name, kwargs):
    response = _client_for(client, role).get(_url(name, kwargs, world))
    if role is None:
        assert _is_login_redirect(response)
    elif role in MODERATORS:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_given_a_moderator_without_second_factor_when_opening_the_queue_then_sent_to_mfa(
    client, moderator
):
    client.force_login(moderator)
    response = client.get(reverse("deliberation:moderation_queue"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# Writes: every role with a verified e-mail may post, react and vote; anonymous signs in.
POSTS = [
    ("comment_create", lambda w: {"pk": w["topic"]}, {"body": "Hello"}),
    ("comment_helpful", lambda w: {"pk": w["comment"]}, {}),
    ("statement_create", lambda w: {"pk": w["activity"]}, {"text": "Benches matter."}),
    ("statement_vote", lambda w: {"pk": w["statement"]}, {"choice": "1"}),
    ("topic_create", lambda w: {"slug": w["slug"]}, {"title": "Fountains", "body": "Where?"}),
    (
        "flag_create",
        lambda w: {"kind": "comment", "pk": w["comment"]},
        {"reason": "spam", "text": ""},
    ),
]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize(("name", "kwargs", "data"), POSTS)
def test_writes_by_every_role(client, world, role, name, kwargs, data):
    response = _client_for(client, role).post(_url(name, kwargs, world), data)
    if role is None:
        assert _is_login_redirect(response)
    else:
        assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_moderation_action_only_by_moderators(client, world, role):
    url = reverse(
        "deliberation:moderation_item", kwargs={"kind": "comment", "pk": world["comment"]}
    )
    response = _client_for(client, role).post(url, {"action": "hide", "reason": "Off-topic."})
    if role is None:
        assert _is_login_redirect(response)
    elif role in MODERATORS:
        assert response.status_code == 302
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [p for p in POSTS if p[0] not in ("comment_helpful", "statement_vote")],
)
def test_given_a_suspended_resident_when_posting_or_flagging_then_forbidden(
    client, world, name, kwargs, data
):
    from deliberation.models import Suspension

    suspended = Suspension.objects.get(pk=world["suspension"]).user
    client.force_login(suspended)
    response = client.post(_url(name, kwargs, world), data)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [p for p in POSTS if p[0] in ("comment_helpful", "statement_vote")],
)
def test_given_a_suspended_resident_when_reacting_or_voting_then_allowed(
    client, world, name, kwargs, data
):
    suspended = Suspension.objects.get(pk=world["suspension"]).user
    client.force_login(suspended)
    assert client.post(_url(name, kwargs, world), data).status_code == 302


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [p for p in POSTS if p[0] not in ("flag_create",)],
)
def test_given_an_unverified_email_when_posting_then_forbidden(client, world, name, kwargs, data):
    client.force_login(make_user("new@example.org", verified=False))
    assert client.post(_url(name, kwargs, world), data).status_code == 403


def test_given_a_draft_proposal_when_opening_its_discussion_then_404(client, cycle, author):
    from tests.deliberation.factories import make_proposal

    draft = make_proposal(cycle, author=author, status="draft")
    url = reverse("deliberation:proposal_discussion", kwargs={"pk": draft.pk})
    assert client.get(url).status_code == 404


def test_given_unknown_kind_when_flagging_then_404(client, world, other):
    client.force_login(other)
    url = reverse("deliberation:flag_create", kwargs={"kind": "cycle", "pk": 1})
    assert client.get(url).status_code == 404


def test_given_a_reply_when_replying_beyond_the_depth_limit_then_no_reply_form(
    client, topic, other
):
    parent = None
    for depth in range(4):
        parent = make_comment(topic, body=f"Level {depth}", parent=parent)
    client.force_login(other)
    html = client.get(reverse("deliberation:topic_detail", kwargs={"pk": topic.pk})).content
    assert html.decode().count('name="parent"') == 3 + 1  # 3 reply forms + the main form


@pytest.mark.parametrize("role", ALL_ROLES)
def test_staff_card_and_nav_link_by_role(client, db, role):
    response = _client_for(client, role).get(reverse("home"))
    assert 'href="/forum/"' in response.content.decode()
    if role is None or role == roles.RESIDENT:
        return
    staff = client.get(reverse("staff_home")).content.decode()
    assert ("Moderation queue" in staff) == (role in MODERATORS)
