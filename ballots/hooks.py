"""What the ballots app tells the core through ``pbudget.registry``.

The core must not import this app; it asks registered checks instead: whether a cycle has
ballots (it can no longer be deleted), whether its count has started (its voting can no
longer be extended), and it runs the clean-up of census uploads left behind.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

# An upload younger than this may belong to an import being started right now.
CENSUS_UPLOAD_MAX_AGE_SECONDS = 3600


def cycle_has_ballots(cycle_id: int) -> bool:
    """Someone voted in the cycle: a voter-roll row, or a ballot sealed or mixed."""
    from ballots.models import Ballot, SealedBallot, VoterRoll

    return (
        VoterRoll.objects.filter(cycle_id=cycle_id).exists()
        or SealedBallot.objects.filter(cycle_id=cycle_id).exists()
        or Ballot.objects.filter(cycle_id=cycle_id).exists()
    )


def cycle_count_started(cycle_id: int) -> bool:
    """A count of the cycle's ballots exists, whatever became of it."""
    from ballots.models_tally import TallyRun

    return TallyRun.objects.filter(cycle_id=cycle_id).exists()


def census_uploads_clean(*, now: float | None = None) -> int:
    """Delete census uploads (plain document numbers) older than an hour that no queued or
    running import is waiting to read; return how many went."""
    from ballots.models import CensusImport, ImportStatus

    directory = Path(settings.PBUDGET_CENSUS_DIR)
    if not directory.is_dir():
        return 0
    now = time.time() if now is None else now
    waiting = {
        Path(path).resolve()
        for path in CensusImport.objects.filter(
            status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
        ).values_list("source_path", flat=True)
        if path
    }
    removed = 0
    for path in directory.iterdir():
        if not path.is_file() or path.resolve() in waiting:
            continue
        try:
            if now - path.stat().st_mtime < CENSUS_UPLOAD_MAX_AGE_SECONDS:
                continue
            path.unlink()
        except FileNotFoundError:  # removed meanwhile by the import that read it
            continue
        removed += 1
    return removed


def ready() -> None:
    """Called from ``BallotsConfig.ready``."""
    from pbudget import registry

    registry.add_cycle_fact("has_ballots", cycle_has_ballots)
    registry.add_cycle_fact("count_started", cycle_count_started)
    registry.add_cleanup("census uploads", census_uploads_clean)
