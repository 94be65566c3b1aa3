"""Flags, the queue, moderator actions, suspensions, and the append-only log."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from deliberation import selectors, services
from deliberation.models import AUTO_HIDDEN_REASON, Flag, ModerationLog, Suspension
from deliberation.predicates import is_suspended
from tests.deliberation.factories import make_comment
from tests.factories import make_user, staff_login


def _flag_n(item, n, reason="spam", start=0):
    for i in range(start, start + n):
        services.flag_create(
            reporter=make_user(f"flagger{i}@example.org"), item=item, reason=reason
        )


def test_given_four_flags_then_visible_and_the_fifth_hides_it(comment, settings):
    settings.PBUDGET_FLAG_HIDE_THRESHOLD = 5
    _flag_n(comment, 4)
    comment.refresh_from_db()
    assert not comment.is_hidden
    _flag_n(comment, 1, start=4)
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == AUTO_HIDDEN_REASON


def test_given_a_configured_threshold_of_two_then_two_flags_hide(proposal, settings):
    settings.PBUDGET_FLAG_HIDE_THRESHOLD = 2
    _flag_n(proposal, 2, reason="off_topic")
    proposal.refresh_from_db()
    assert proposal.is_hidden


def test_given_a_flag_when_the_same_person_flags_again_then_refused(comment, other):
    services.flag_create(reporter=other, item=comment, reason="spam")
    with pytest.raises(ValidationError) as error:
        services.flag_create(reporter=other, item=comment, reason="offensive")
    assert error.value.code == "already_flagged"


def test_given_reason_other_without_text_then_refused(comment, other):
    with pytest.raises(ValidationError) as error:
        services.flag_create(reporter=other, item=comment, reason="other")
    assert error.value.code == "text_required"


def test_given_a_flag_form_when_submitted_then_thanks_and_in_queue(client, comment, other):
    client.force_login(other)
    url = reverse("deliberation:flag_create", kwargs={"kind": "comment", "pk": comment.pk})
    response = client.post(url, {"reason": "personal_data", "text": "Shows a phone number"})
    assert response.status_code == 302
    entries = selectors.moderation_queue()
    assert [(e.kind, e.item.pk, e.flag_count) for e in entries] == [("comment", comment.pk, 1)]
    assert entries[0].reasons == [("Shares personal data", 1)]


def test_given_flagged_items_then_queue_by_flag_count_then_age(topic, proposal, activity):
    statement = activity.statements.first()
    older = make_comment(topic, body="older")
    _flag_n(older, 1, start=0)
    _flag_n(statement, 1, start=10)
    _flag_n(proposal, 3, start=20)
    kinds = [entry.kind for entry in selectors.moderation_queue()]
    assert kinds == ["proposal", "comment", "statement"]


def test_given_a_moderator_when_hiding_with_reason_then_tombstone_email_and_log(
    client, comment, moderator, other, django_capture_on_commit_callbacks
):
    services.flag_create(reporter=other, item=comment, reason="offensive")
    staff_login(client, moderator)
    url = reverse("deliberation:moderation_item", kwargs={"kind": "comment", "pk": comment.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "hide", "reason": "Personal attack."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "Personal attack."
    assert Flag.objects.get(comment=comment).status == "upheld"
    html = client.get(comment.topic.get_absolute_url()).content.decode()
    assert "Hidden by a moderator: Personal attack." in html
    assert "Trees first" not in html
    entry = ModerationLog.objects.get(action="hide")
    assert entry.moderator == moderator and entry.subject == comment.author
    assert entry.reason == "Personal attack."
    assert mail.outbox[-1].to == [comment.author.email]
    assert "Personal attack." in mail.outbox[-1].body


def test_given_an_auto_hidden_item_when_flags_dismissed_then_visible_again(
    comment, moderator, settings
):
    settings.PBUDGET_FLAG_HIDE_THRESHOLD = 2
    _flag_n(comment, 2)
    services.moderation_dismiss(moderator=moderator, item=comment, reason="Fair comment.")
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not Flag.objects.open().filter(comment=comment).exists()
    assert selectors.moderation_queue() == []


def test_given_a_moderator_hidden_item_when_dismissing_later_flags_then_stays_hidden(
    comment, moderator
):
    services.moderation_hide(moderator=moderator, item=comment, reason="Spam.")
    _flag_n(comment, 1)
    services.moderation_dismiss(moderator=moderator, item=comment, reason="Already handled.")
    comment.refresh_from_db()
    assert comment.is_hidden


def test_given_a_hidden_proposal_when_restored_then_only_moderation_fields_change(
    proposal, moderator
):
    services.moderation_hide(moderator=moderator, item=proposal, reason="Advert.")
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.hidden_reason == "Advert."
    status, title = proposal.status, proposal.title
    services.moderation_restore(moderator=moderator, item=proposal, reason="Checked.")
    proposal.refresh_from_db()
    assert not proposal.is_hidden and proposal.hidden_reason == ""
    assert (proposal.status, proposal.title) == (status, title)


def test_given_a_warning_then_author_emailed_and_logged(
    comment, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_warn(moderator=moderator, item=comment, reason="Mind the tone.")
    assert "Mind the tone." in mail.outbox[-1].body
    assert ModerationLog.objects.filter(action="warn", subject=comment.author).exists()


def test_given_a_suspension_for_days_then_no_posting_until_it_ends(
    comment, moderator, author, topic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.user_suspend(moderator=moderator, user=author, days=3, reason="Insults.")
    assert is_suspended(author)
    with pytest.raises(ValidationError) as error:
        services.comment_create(author=author, topic=topic, body="Let me in")
    assert error.value.code == "suspended"
    with pytest.raises(ValidationError):
        services.flag_create(reporter=author, item=make_comment(topic), reason="spam")
    assert "suspended your account for 3 days" in mail.outbox[-1].body
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        assert not is_suspended(author)
        services.comment_create(author=author, topic=topic, body="Back again")


def test_given_an_indefinite_suspension_when_lifted_then_posting_again(
    client, moderator, author, topic
):
    suspension = services.user_suspend(moderator=moderator, user=author, days=None, reason="x")
    assert suspension.ends_at is None
    staff_login(client, moderator)
    url = reverse("deliberation:suspension_lift", kwargs={"pk": suspension.pk})
    assert client.post(url, {"reason": "Apologised."}).status_code == 302
    assert not is_suspended(author)
    assert ModerationLog.objects.filter(action="lift", subject=author).exists()
    services.comment_create(author=author, topic=topic, body="Thanks")


def test_given_a_suspension_from_the_item_page_then_author_suspended(client, comment, moderator):
    staff_login(client, moderator)
    url = reverse("deliberation:moderation_item", kwargs={"kind": "comment", "pk": comment.pk})
    response = client.post(url, {"action": "suspend", "reason": "Spam again.", "days": "7"})
    assert response.status_code == 302
    suspension = Suspension.objects.get(user=comment.author)
    assert (suspension.ends_at - suspension.starts_at).days == 7


def test_given_a_suspended_resident_then_the_page_explains_and_hides_the_form(
    client, comment, moderator, author
):
    services.user_suspend(moderator=moderator, user=author, days=1, reason="x")
    client.force_login(author)
    html = client.get(comment.topic.get_absolute_url()).content.decode()
    assert "Your account is suspended" in html
    assert 'id="comment-form"' not in html


def test_given_a_log_entry_when_updated_with_raw_sql_then_the_database_refuses(comment, moderator):
    services.moderation_warn(moderator=moderator, item=comment, reason="Careful.")
    entry = ModerationLog.objects.get()
    update = "UPDATE deliberation_moderationlog SET reason = 'nothing' WHERE id = %s"
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(update, [entry.pk])
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM deliberation_moderationlog WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        ModerationLog.objects.filter(pk=entry.pk).update(reason="changed")
    entry.refresh_from_db()
    assert entry.reason == "Careful."


def test_given_the_log_page_then_actions_listed_for_moderators(client, comment, moderator):
    services.moderation_hide(moderator=moderator, item=comment, reason="Rude words.")
    staff_login(client, moderator)
    html = client.get(reverse("deliberation:moderation_log")).content.decode()
    assert "Rude words." in html and "Hidden" in html
