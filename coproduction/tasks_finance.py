"""Celery task of the finance exports: write one export job's file."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_export(*, job_id: int) -> str:
    """Write the export of ``job_id``; a second run of a finished job writes nothing."""
    from coproduction.finance.services import export_run

    return export_run(job_id=job_id).status
