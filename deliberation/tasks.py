"""Celery tasks of deliberation."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def analyse_common_ground(activity_id: int) -> bool:
    """Recompute the common ground report of one activity (idempotent)."""
    from deliberation.services import commonground_analyse

    return commonground_analyse(activity_id=activity_id)
