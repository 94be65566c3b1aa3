"""Celery tasks of the ballots app: census imports, mixing the ballot box, the count."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_census_import(*, census_import_id: int) -> str:
    """Import a census file (idempotent: a finished import is not run again)."""
    from ballots.services import census_import_run

    return census_import_run(census_import_id=census_import_id).status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def mix_ballot_box(*, cycle_id: int) -> int:
    """Mix the batches of a cycle's ballot box that are due; return how many were mixed.

    Idempotent, and safe to kill: each batch is one transaction (``ballots.mixing``).
    """
    from ballots.mixing import ballot_box_mix

    return ballot_box_mix(cycle_id=cycle_id).mixed


@shared_task
def mix_ballot_boxes() -> int:
    """Queue the mixing of every cycle whose box holds sealed ballots (Celery beat)."""
    from ballots.mixing import cycles_with_sealed_ballots

    cycles = cycles_with_sealed_ballots()
    for cycle_id in cycles:
        enqueue_mix(cycle_id=cycle_id)
    return len(cycles)


def enqueue_mix(*, cycle_id: int) -> None:
    """Queue the mixing of one cycle's box."""
    mix_ballot_box.apply_async(kwargs={"cycle_id": cycle_id})


from ballots.tasks_tally import count_district  # noqa: E402, F401  (registers the count task)
