"""Flags and reactions under concurrent requests: the database keeps the invariants."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from deliberation import services
from deliberation.models import AUTO_HIDDEN_REASON, Comment, Flag, ModerationLog, Reaction
from tests.deliberation.factories import make_comment, make_topic
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _race(calls):
    """Run the callables at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # collected for the assertions
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def comment():
    cycle = make_cycle(phase="ideas")
    return make_comment(make_topic(cycle), body="Something to react to")


def test_given_one_person_when_marking_helpful_six_times_at_once_then_counted_once(comment):
    fan = make_user("fan@example.org")
    results = _race([lambda: services.reaction_add(comment=comment, user=fan)] * 6)
    assert sorted(results) == [False] * 5 + [True]
    assert Reaction.objects.filter(comment=comment).count() == 1
    assert Comment.objects.get(pk=comment.pk).helpful_count == 1


def test_given_many_people_when_marking_helpful_at_once_then_every_one_counted(comment):
    fans = [make_user(f"fan{i}@example.org") for i in range(8)]
    results = _race([lambda u=u: services.reaction_add(comment=comment, user=u) for u in fans])
    assert results == [True] * 8
    assert Comment.objects.get(pk=comment.pk).helpful_count == 8


def test_given_one_person_when_flagging_five_times_at_once_then_one_flag(comment):
    reporter = make_user("reporter@example.org")
    results = _race(
        [lambda: services.flag_create(reporter=reporter, item=comment, reason="spam")] * 5
    )
    flags = [r for r in results if isinstance(r, Flag)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(flags) == 1 and len(refused) == 4
    assert all(error.code == "already_flagged" for error in refused)
    assert Flag.objects.filter(comment=comment).count() == 1


def test_given_threshold_reporters_at_once_then_hidden_once_and_logged_once(comment, settings):
    settings.PBUDGET_FLAG_HIDE_THRESHOLD = 5
    reporters = [make_user(f"r{i}@example.org") for i in range(7)]
    results = _race(
        [
            lambda u=u: services.flag_create(reporter=u, item=comment, reason="offensive")
            for u in reporters
        ]
    )
    assert all(isinstance(r, Flag) for r in results)
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == AUTO_HIDDEN_REASON
    assert ModerationLog.objects.filter(action="auto_hide", item_pk=comment.pk).count() == 1
