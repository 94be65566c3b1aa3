"""Celery tasks of the ballots app."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_census_import(*, census_import_id: int) -> str:
    """Import a census file (idempotent: a finished import is not run again)."""
    from ballots.services import census_import_run

    return census_import_run(census_import_id=census_import_id).status


from ballots.tasks_tally import count_district  # noqa: E402, F401  (registers the count task)
