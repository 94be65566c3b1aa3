"""Celery task of the count: tally one cycle and district (see ballots.counting.services)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

#: Extra ``apply_async`` options for the count (tests route it to a queue of their own).
ENQUEUE_OPTIONS: dict[str, Any] = {}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def count_district(*, cycle_id: int, district_id: int) -> str:
    """Count one district (idempotent: the same rows are filled in again)."""
    from ballots.counting.services import count_run

    run = count_run(cycle_id=cycle_id, district_id=district_id)
    return run.status if run is not None else "gone"


def enqueue_count(*, cycle_id: int, district_id: int) -> None:
    """Queue the count (call it from ``transaction.on_commit``)."""
    count_district.apply_async(
        kwargs={"cycle_id": cycle_id, "district_id": district_id}, **ENQUEUE_OPTIONS
    )
