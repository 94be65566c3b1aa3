"""Celery tasks of the coproduction app: valuing the ledger.

Both tasks acknowledge late and are re-queued if the worker dies mid-way
(``reject_on_worker_lost``, the per-task form of ``task_reject_on_worker_lost``); unique
keys make a second run write nothing twice.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, reject_on_worker_lost=True)
def value_entries(*, entry_ids: list[int] | None = None) -> int:
    """Value verified entries that have no value yet (all of them without ``entry_ids``).

    Idempotent: the unique (entry, revision) key lets a second run, or a run after a worker
    died mid-way, write only what is missing.
    """
    from coproduction.valuation import value_unvalued

    return value_unvalued(entry_ids=entry_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def revalue(*, run_id: int) -> int:
    """Write new values for a revaluation run; idempotent by the unique (entry, run) key."""
    from coproduction.models import ValuationRun
    from coproduction.valuation import revalue_cycle

    run = ValuationRun.objects.get(pk=run_id)
    written = revalue_cycle(run_id=run.pk, cycle_id=run.cycle_id)
    ValuationRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), valued=run.valued + written
    )
    return written
