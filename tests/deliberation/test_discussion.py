"""Topics and comments: threads, depth limit, edit window, tombstones, order, rate limit."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from deliberation import selectors, services
from deliberation.models import MAX_DEPTH, Comment, Topic
from tests.deliberation.factories import make_comment
from tests.factories import make_user


def test_given_a_comment_when_replying_then_nested_and_counted(topic, comment, other):
    reply = services.comment_create(author=other, topic=topic, body="Why?", parent=comment)
    assert reply.depth == 1
    topic.refresh_from_db()
    assert topic.comment_count == 2
    tree = selectors.comment_tree(topic)
    assert tree[0].comment == comment
    assert tree[0].replies[0].comment == reply


def test_given_the_deepest_reply_when_replying_to_it_then_refused(topic, other):
    parent = None
    for _level in range(MAX_DEPTH):
        parent = make_comment(topic, parent=parent)
    with pytest.raises(ValidationError) as error:
        services.comment_create(author=other, topic=topic, body="deeper", parent=parent)
    assert error.value.code == "too_deep"


def test_given_a_comment_when_edited_within_15_minutes_then_marked_edited(comment, author):
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        edited = services.comment_edit(comment=comment, user=author, body="Benches first.")
    assert edited.edited_at is not None
    assert "Benches first." in edited.body_html


def test_given_a_comment_when_edited_after_15_minutes_then_refused(client, comment, author):
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with pytest.raises(ValidationError) as error:
            services.comment_edit(comment=comment, user=author, body="Too late")
        assert error.value.code == "edit_window_over"
        client.force_login(author)
        url = reverse("deliberation:comment_edit", kwargs={"pk": comment.pk})
        assert client.get(url).status_code == 403


def test_given_an_edited_comment_when_shown_then_the_page_says_edited(client, comment, author):
    services.comment_edit(comment=comment, user=author, body="Changed my mind.")
    html = client.get(comment.topic.get_absolute_url()).content.decode()
    assert "edited" in html and "Changed my mind." in html


def test_given_a_comment_with_replies_when_author_deletes_then_tombstone_keeps_thread(
    client, topic, comment, author, other
):
    reply = services.comment_create(author=other, topic=topic, body="A reply", parent=comment)
    client.force_login(author)
    response = client.post(reverse("deliberation:comment_delete", kwargs={"pk": comment.pk}))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "This comment was deleted by its author." in html
    assert "Trees first" not in html
    assert "A reply" in html and f'id="comment-{reply.pk}"' in html


def test_given_someone_else_when_deleting_then_refused(comment, other):
    with pytest.raises(ValidationError):
        services.comment_delete(comment=comment, user=other)


def test_given_comments_when_ordered_then_newest_oldest_and_most_helpful(topic):
    now = timezone.now()
    old = make_comment(topic, body="old")
    Comment.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=2))
    mid = make_comment(topic, body="mid")
    Comment.objects.filter(pk=mid.pk).update(created_at=now - timedelta(hours=1))
    new = make_comment(topic, body="new")
    for i in range(2):
        services.reaction_add(comment=mid, user=make_user(f"fan{i}@example.org"))

    def order(name):
        return [n.comment.pk for n in selectors.comment_tree(topic, order=name)]

    assert order("newest") == [new.pk, mid.pk, old.pk]
    assert order("oldest") == [old.pk, mid.pk, new.pk]
    assert order("helpful") == [mid.pk, new.pk, old.pk]


def test_given_helpful_twice_when_counted_then_once(comment, other, client):
    assert services.reaction_add(comment=comment, user=other) is True
    assert services.reaction_add(comment=comment, user=other) is False
    comment.refresh_from_db()
    assert comment.helpful_count == 1
    assert services.reaction_remove(comment=comment, user=other) is True
    comment.refresh_from_db()
    assert comment.helpful_count == 0


def test_given_htmx_when_marking_helpful_then_the_button_comes_back(client, comment, other):
    client.force_login(other)
    url = reverse("deliberation:comment_helpful", kwargs={"pk": comment.pk})
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()


def test_given_own_comment_when_marking_helpful_then_forbidden(client, comment, author):
    client.force_login(author)
    url = reverse("deliberation:comment_helpful", kwargs={"pk": comment.pk})
    assert client.post(url).status_code == 403


def test_given_five_posts_in_a_minute_when_posting_a_sixth_then_clear_message_and_text_kept(
    client, topic, other
):
    client.force_login(other)
    url = reverse("deliberation:comment_create", kwargs={"pk": topic.pk})
    with time_machine.travel(timezone.now().replace(second=1), tick=False):
        for i in range(5):
            assert client.post(url, {"body": f"Post {i}"}).status_code == 302
        response = client.post(url, {"body": "The sixth one"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 5 posts a minute" in html
    assert "The sixth one" in html
    assert Comment.objects.filter(topic=topic).count() == 5


def test_given_the_rate_limit_when_a_minute_passes_then_posting_works_again(topic, other):
    start = timezone.now().replace(second=1)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            services.comment_create(author=other, topic=topic, body=f"Post {i}")
        with pytest.raises(ValidationError) as error:
            services.comment_create(author=other, topic=topic, body="Too many")
        assert error.value.code == "rate_limited"
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        services.comment_create(author=other, topic=topic, body="Fine now")


def test_given_a_resident_when_opening_a_topic_then_it_is_listed(client, cycle, other):
    client.force_login(other)
    url = reverse("deliberation:topic_create", kwargs={"slug": cycle.slug})
    response = client.post(url, {"title": "Fountains", "body": "Where do we need *water*?"})
    topic = Topic.objects.get(title="Fountains")
    assert response["Location"] == topic.get_absolute_url()
    assert "<em>water</em>" in topic.body_html
    forum = client.get(reverse("deliberation:forum_cycle", kwargs={"slug": cycle.slug}))
    assert "Fountains" in forum.content.decode()


def test_given_a_proposal_when_discussed_then_reading_writes_nothing_and_first_comment_makes_topic(
    client, proposal, other
):
    client.force_login(other)
    url = reverse("deliberation:proposal_discussion", kwargs={"pk": proposal.pk})
    page = client.get(url).content.decode()
    client.get(url)
    assert not Topic.objects.filter(proposal=proposal).exists()
    first_url = reverse("deliberation:proposal_comment_create", kwargs={"pk": proposal.pk})
    assert f'action="{first_url}"' in page
    response = client.post(first_url, {"body": "Good idea"})
    assert response["Location"].startswith(url)
    topic = Topic.objects.get(proposal=proposal)
    again = client.post(first_url, {"body": "Agreed"})
    assert again["Location"].startswith(url)
    assert Topic.objects.filter(proposal=proposal).count() == 1
    assert topic.comments.count() == 2
    fragment = client.get(
        reverse("deliberation:proposal_discussion_fragment", kwargs={"pk": proposal.pk})
    )
    assert "Good idea" in fragment.content.decode()
    assert "<html" not in fragment.content.decode()


def test_given_an_empty_comment_when_posted_then_form_error(client, topic, other):
    client.force_login(other)
    url = reverse("deliberation:comment_create", kwargs={"pk": topic.pk})
    assert client.post(url, {"body": "   "}).status_code == 400
