"""The valuation task through a real Celery worker: queued after commit, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from coproduction import services
from coproduction.models import Valuation, ValuationRun
from coproduction.tasks import revalue, value_entries
from tests.coproduction.factories import make_entry, make_project
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_task_is_late_acknowledged_and_rejected_when_a_worker_dies():
    for task in (value_entries, revalue):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True


def test_verifying_queues_the_valuation_which_a_real_worker_writes_once(celery_worker):
    project = make_project(make_cycle(phase="implementation", slug="worker-cycle"))
    contributor = make_user("contributor@example.org")
    finance = make_user("finance@example.org", roles=["finance officer"])
    entries = [make_entry(project, contributor, hours=Decimal(n)) for n in (1, 2, 3)]

    for entry in entries:
        with transaction.atomic():
            services.ledger_entry_decide(entry=entry, by=finance, verify=True)

    # The same work sent again, as after a redelivery: nothing is written twice.
    again = value_entries.delay(entry_ids=[entry.pk for entry in entries])
    assert again.get(timeout=120) == 0
    everything = value_entries.delay()
    assert everything.get(timeout=120) == 0
    assert sorted(Valuation.objects.values_list("amount", flat=True)) == [
        Decimal("33.49"),
        Decimal("66.98"),
        Decimal("100.47"),
    ]

    run = ValuationRun.objects.create(cycle=project.cycle, requested_by=finance, reason="Test")
    assert revalue.delay(run_id=run.pk).get(timeout=120) == 3
    assert revalue.delay(run_id=run.pk).get(timeout=120) == 0
    assert Valuation.objects.filter(revision=2).count() == 3
