"""A real Celery worker on Redis runs pbudget's tasks, queued after commit."""

import pytest
from django.db import transaction

from pbudget.tasks import ping
from tests.factories import make_cycle


@pytest.mark.django_db(transaction=True)
def test_task_queued_on_commit_runs_in_a_real_worker(celery_worker):
    results = []
    with transaction.atomic():
        make_cycle(phase="ideas")
        transaction.on_commit(lambda: results.append(ping.delay()))
        assert results == []  # nothing is queued before the commit
    answer = results[0].get(timeout=60)
    assert answer["cycles"] == 1
    assert answer["worker"]


@pytest.mark.django_db(transaction=True)
def test_email_task_goes_through_the_worker(celery_worker):
    from pbudget.tasks import send_email

    result = send_email.delay(to=["someone@example.org"], subject="Hello", body="Body")
    assert result.get(timeout=60) == 1
