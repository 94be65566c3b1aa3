"""The deliberation demo loader: lively, with a queue and groups; idempotent."""

from django.utils import timezone

from deliberation import demo, selectors
from deliberation.models import CommonGround, Flag, StatementVote, Topic
from tests.factories import make_cycle, make_user


def test_given_the_core_demo_when_loaded_twice_then_same_data_queue_and_groups(db):
    make_cycle(phase="ideas", slug="green-2027")
    make_cycle(phase="review", slug="streets-2027")
    for local in ("resident", "neighbour"):
        make_user(f"{local}@demo.pbudget.local")
    make_user("moderator@demo.pbudget.local", roles=["moderator"])

    demo.load(now=timezone.now())
    counts = (Topic.objects.count(), Flag.objects.count(), StatementVote.objects.count())
    demo.load(now=timezone.now())
    assert (Topic.objects.count(), Flag.objects.count(), StatementVote.objects.count()) == counts

    assert Topic.objects.filter(kind="forum").count() == 4
    queue = selectors.moderation_queue()
    assert len(queue) >= 3
    assert any(entry.item.is_hidden for entry in queue)  # five reports hid the spam
    activity = CommonGround.objects.get(cycle__slug="green-2027")
    assert activity.computed_at is not None
    assert len(activity.report["groups"]) >= 2
    assert activity.report["consensus"]
