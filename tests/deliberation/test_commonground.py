"""Common ground: statements, votes, the debounced idempotent task, and the report page."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from deliberation import services
from deliberation.models import CommonGround, Statement, StatementVote
from tests.deliberation.factories import make_activity
from tests.factories import make_cycle, make_user

CONSENSUS = "Every child should reach a park in ten minutes."


def _vote_two_groups(activity, people=12):
    """Half the people agree with the first two statements, half disagree; all agree with
    CONSENSUS."""
    first, second, common = activity.statements.order_by("pk")
    for i in range(people):
        user = make_user(f"voter{i}@example.org")
        side = 1 if i < people // 2 else -1
        for statement, choice in ((first, side), (second, side), (common, 1)):
            StatementVote.objects.create(statement=statement, user=user, choice=choice)


@pytest.fixture
def three(cycle):
    return make_activity(
        cycle, statements=["Close the road on Sundays.", "Turn parking into parks.", CONSENSUS]
    )


def test_given_a_statement_over_140_characters_then_refused(activity, other):
    with pytest.raises(ValidationError) as error:
        services.statement_create(author=other, activity=activity, text="x" * 141)
    assert error.value.code == "too_long"
    services.statement_create(author=other, activity=activity, text="y" * 140)


def test_given_a_vote_when_voting_again_then_changed_not_added(activity, other):
    statement = activity.statements.first()
    services.statement_vote(user=other, statement=statement, choice=1)
    services.statement_vote(user=other, statement=statement, choice=-1)
    assert list(StatementVote.objects.values_list("choice", flat=True)) == [-1]


def test_given_a_vote_then_the_database_refuses_a_second_row(activity, other):
    statement = activity.statements.first()
    StatementVote.objects.create(statement=statement, user=other, choice=1)
    with pytest.raises(IntegrityError):
        StatementVote.objects.create(statement=statement, user=other, choice=0)


def test_given_a_burst_of_votes_then_one_analysis_is_scheduled(
    activity, other, django_capture_on_commit_callbacks, monkeypatch
):
    from deliberation import tasks

    scheduled = []
    monkeypatch.setattr(
        tasks.analyse_common_ground, "apply_async", lambda **kw: scheduled.append(kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        for statement in activity.statements.all():
            for choice in (1, 0, -1):
                services.statement_vote(user=other, statement=statement, choice=choice)
    assert len(scheduled) == 1
    assert scheduled[0]["args"] == [activity.pk] and scheduled[0]["countdown"] >= 1
    # The task clears the key when it starts: the next vote schedules the next run.
    services.commonground_analyse(activity_id=activity.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.statement_vote(user=other, statement=activity.statements.first(), choice=1)
    assert len(scheduled) == 2


def test_given_the_same_votes_when_analysed_twice_then_the_second_run_changes_nothing(three):
    _vote_two_groups(three)
    assert services.commonground_analyse(activity_id=three.pk) is True
    three.refresh_from_db()
    first = (three.computed_at, three.report)
    assert services.commonground_analyse(activity_id=three.pk) is False
    three.refresh_from_db()
    assert (three.computed_at, three.report) == first


def test_given_votes_when_analysed_then_the_report_page_shows_consensus_and_groups(client, three):
    _vote_two_groups(three)
    services.commonground_analyse(activity_id=three.pk)
    three.refresh_from_db()
    consensus = Statement.objects.get(text=CONSENSUS)
    assert three.report["consensus"][0] == consensus.pk
    assert len(three.report["groups"]) == 2
    html = client.get(reverse("deliberation:commonground_report", kwargs={"pk": three.pk}))
    html = html.content.decode()
    agreed = html.split('id="consensus-heading"')[1].split('id="divisive-heading"')[0]
    assert CONSENSUS in agreed
    assert "Close the road on Sundays." in html.split('id="divisive-heading"')[1]
    assert "Last computed at" in html
    assert html.count("<circle") == 12
    assert "<script" not in html.split("<svg")[1].split("</svg>")[0]


def test_given_a_hidden_statement_then_left_out_of_the_analysis(three, moderator):
    _vote_two_groups(three)
    hidden = three.statements.get(text=CONSENSUS)
    services.moderation_hide(moderator=moderator, item=hidden, reason="Duplicate.")
    services.commonground_analyse(activity_id=three.pk)
    three.refresh_from_db()
    assert hidden.pk not in [row["pk"] for row in three.report["statement_stats"]]


def test_given_a_resident_when_voting_through_the_page_then_vote_kept(client, activity, other):
    client.force_login(other)
    statement = activity.statements.first()
    url = reverse("deliberation:statement_vote", kwargs={"pk": statement.pk})
    response = client.post(url, {"choice": "-1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert StatementVote.objects.get(user=other).choice == -1
    assert client.post(url, {"choice": "7"}).status_code == 302
    assert StatementVote.objects.get(user=other).choice == -1


def test_given_a_moderator_when_opening_an_activity_twice_then_refused(cycle, moderator):
    services.commonground_open(creator=moderator, cycle=cycle, title="One", question="Q?")
    with pytest.raises(ValidationError) as error:
        services.commonground_open(creator=moderator, cycle=cycle, title="Two", question="Q?")
    assert error.value.code == "already_open"


@pytest.mark.django_db(transaction=True)
def test_given_votes_when_the_real_worker_runs_the_task_then_the_report_is_stored(
    celery_worker,
):
    from deliberation.tasks import analyse_common_ground

    activity = make_activity(
        make_cycle(phase="ideas"), statements=["Sundays car-free.", "Parks not parking.", CONSENSUS]
    )
    _vote_two_groups(activity, people=8)
    cache.delete(f"deliberation:commonground:scheduled:{activity.pk}")
    assert analyse_common_ground.delay(activity.pk).get(timeout=60) is True
    activity = CommonGround.objects.get(pk=activity.pk)
    assert activity.computed_at is not None
    assert activity.report["participants"] == 8
    # Idempotent: the same votes again change nothing.
    assert analyse_common_ground.delay(activity.pk).get(timeout=60) is False
