"""Mixing the ballot box: sealed ballots become anonymous ballots, in shuffled batches.

The threat (README, "Ballot secrecy"): someone reads everything in PostgreSQL — tables,
system columns, sequences, statistics views, logs, backups — but holds none of the
application's secrets. A cast writes the voter-roll row and the sealed ballot in one
transaction, so the sealed ballot is linked to its voter; that is harmless while it is
sealed. Mixing cuts the link:

1. take the oldest sealed ballots of one cycle and district (a batch of at least
   ``PBUDGET_BALLOT_MIX_SIZE``, K; while voting runs, at least K always stay in the box,
   so the last batch after the close has K too);
2. open them with the private key; of several ballots of one voter (same link) keep the
   latest, and delete that voter's earlier mixed ballot;
3. shuffle the batch (``secrets``) and insert the ballots and their choices in that
   order, with random ids, in one statement each, then delete the batch's sealed rows.

All of it is one transaction, so every ballot of a batch has the same ``xmin``, the
order of the rows is the shuffled order, and nothing but the batch links a ballot to a
voter: an attacker guesses right with probability 1/n in a batch of n. A worker killed
mid-batch rolls the whole batch back: a sealed ballot is in the box or mixed, never both,
never neither. Batches of one cycle and district are mixed one at a time (an advisory
lock), oldest first, so a voter's newer ballot is never replaced by an older one.

Once voting has closed and a cycle's box is empty, the links are deleted: after that not
even the server key finds a voter's ballot.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from ballots import box
from ballots.models import Ballot, BallotChoice, BallotLink, SealedBallot
from pbudget.db import bound_cursor
from pbudget.models import Cycle

logger = logging.getLogger(__name__)

#: A cast checks the voting window when it writes; its commit follows within moments.
#: The last batch waits this long after the close so no late commit is left alone.
CLOSE_GRACE = timedelta(seconds=10)


@dataclass
class MixReport:
    """What one mixing pass did for one cycle."""

    cycle_id: int
    batches: list[int] = field(default_factory=list)  # sealed ballots taken per batch
    replaced: int = 0  # earlier mixed ballots replaced by a newer one of the same voter
    left: int = 0  # sealed ballots still in the box
    links_erased: bool = False

    @property
    def mixed(self) -> int:
        return sum(self.batches)


def is_final(cycle: Cycle, *, now=None) -> bool:
    """Voting has closed (with a grace for the last commits): the whole box may be mixed."""
    return (now or timezone.now()) >= cycle.voting_closes + CLOSE_GRACE


def batch_size(waiting: int, *, final: bool) -> int:
    """How many of ``waiting`` sealed ballots (of one district) the next batch takes.

    While voting runs, at least K stay in the box, so a batch is only formed from 2K;
    after the close everything goes, in batches of at most ``PBUDGET_BALLOT_MIX_MAX``
    that never leave fewer than K for the last one.
    """
    k = settings.PBUDGET_BALLOT_MIX_SIZE
    most = settings.PBUDGET_BALLOT_MIX_MAX
    if not final:
        return min(waiting - k, most) if waiting >= 2 * k else 0
    if waiting <= most:
        return waiting
    return most if waiting - most >= k else waiting - k


def box_counts(cycle_id: int) -> dict[int, int]:
    """Sealed ballots waiting in a cycle's box, per district id."""
    return dict(
        SealedBallot.objects.filter(cycle_id=cycle_id)
        .values("district_id")
        .annotate(n=Count("seq"))
        .values_list("district_id", "n")
    )


def cycles_with_sealed_ballots() -> list[int]:
    """Ids of the cycles whose box is not empty."""
    return list(SealedBallot.objects.values_list("cycle_id", flat=True).distinct())


def ballot_box_mix(*, cycle_id: int, now=None) -> MixReport:
    """Mix every batch of a cycle's box that is due (idempotent: run it any time).

    One mixer at a time per cycle (another one waits, then finds less to do). Each batch
    is its own transaction; a failure leaves the earlier batches mixed and the rest in the
    box.
    """
    cycle = Cycle.objects.get(pk=cycle_id)
    report = MixReport(cycle_id=cycle_id)
    open_ballot = box.opener()
    with _mixing_lock(cycle_id):
        final = is_final(cycle, now=now)
        for district_id, waiting in box_counts(cycle_id).items():
            after = 0  # the box position the last batch ended at
            while size := batch_size(waiting, final=final):
                taken, replaced, after = _mix_batch(
                    cycle, district_id, size=size, after=after, open_ballot=open_ballot
                )
                if not taken:
                    break
                waiting -= taken
                report.batches.append(taken)
                report.replaced += replaced
        report.left = sum(box_counts(cycle_id).values())
        if final and report.left == 0:
            report.links_erased = _erase_links(cycle)
    if report.batches:
        logger.info(
            "mixed %s sealed ballots of cycle %s in %s batches (%s replaced, %s left)",
            report.mixed,
            cycle_id,
            len(report.batches),
            report.replaced,
            report.left,
        )
    return report


@contextmanager
def _mixing_lock(cycle_id: int) -> Iterator[None]:
    """Hold the cycle's mixing lock (a session advisory lock: a killed worker drops it)."""
    key = f"ballots.mix:{cycle_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


@transaction.atomic
def _mix_batch(
    cycle: Cycle, district_id: int, *, size: int, after: int, open_ballot
) -> tuple[int, int, int]:
    """Mix the ``size`` oldest sealed ballots of one district after box position ``after``.

    Returns (sealed ballots taken, ballots replaced, the last box position taken). Reading
    on from ``after`` skips the rows earlier batches of this pass deleted (an index scan
    from the start would step over all of them again).
    """
    quote = connection.ops.quote_name
    with bound_cursor() as cursor:
        # In binary: as text, PostgreSQL would spell every sealed byte out in hex.
        cursor.cursor.execute(
            f"SELECT seq, sealed FROM {quote(SealedBallot._meta.db_table)} "  # noqa: S608
            "WHERE cycle_id = %s AND district_id = %s AND seq > %s ORDER BY seq LIMIT %s",
            [cycle.pk, district_id, after, size],
            binary=True,
        )
        rows = cursor.fetchall()
    if not rows:
        return 0, 0, after
    latest: dict[str, box.OpenedBallot] = {}  # per link: the voter's newest ballot
    anonymous: list[box.OpenedBallot] = []  # paper ballots
    for _seq, sealed in rows:  # oldest first, so a later ballot overwrites an earlier one
        ballot = open_ballot(sealed)
        if ballot.link is None:
            anonymous.append(ballot)
        else:
            latest[ballot.link] = ballot
    with bound_cursor() as cursor:
        # Arrays, not IN lists: one parameter each however large the batch.
        cursor.execute(
            f"SELECT ballot_id FROM {quote(BallotLink._meta.db_table)} "  # noqa: S608
            "WHERE cycle_id = %s AND link = ANY(%s)",
            [cycle.pk, list(latest)],
        )
        earlier = [ballot_id for (ballot_id,) in cursor.fetchall()]
        for model, column in (
            (BallotChoice, "ballot_id"),
            (BallotLink, "ballot_id"),
            (Ballot, "id"),
        ):
            if earlier:
                cursor.execute(
                    f"DELETE FROM {quote(model._meta.db_table)} WHERE {column} = ANY(%s)",  # noqa: S608
                    [earlier],
                )
    batch = [*latest.values(), *anonymous]
    _shuffle(batch)
    _insert(cycle, district_id, batch)
    with bound_cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(SealedBallot._meta.db_table)} WHERE seq = ANY(%s)",  # noqa: S608
            [[seq for seq, _sealed in rows]],
        )
    return len(rows), len(earlier), rows[-1][0]


def _shuffle(items: list) -> None:
    """Fisher–Yates with the operating system's random numbers (``secrets``)."""
    for i in range(len(items) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        items[i], items[j] = items[j], items[i]


def _copy_text(rows) -> str:
    """Rows as COPY's text format (the values here need no escaping: ids, numbers, hex)."""
    return "".join(
        "\t".join("\\N" if value is None else str(value) for value in row) + "\n" for row in rows
    )


def _insert(cycle: Cycle, district_id: int, batch: list[box.OpenedBallot]) -> None:
    """Insert the batch's ballots, links and choices in the batch's (shuffled) order."""
    quote = connection.ops.quote_name
    rows = [(uuid.uuid4(), ballot) for ballot in batch]
    ballots = _copy_text(
        (ballot_id, cycle.pk, district_id, ballot.channel, ballot.receipt_hash)
        for ballot_id, ballot in rows
    )
    links = _copy_text(
        (ballot_id, cycle.pk, ballot.link) for ballot_id, ballot in rows if ballot.link
    )
    choices = _copy_text(
        (ballot_id, *choice)
        for ballot_id, ballot in rows
        for choice in zip(ballot.proposals, ballot.points, ballot.ranks, strict=True)
    )
    with connection.cursor() as cursor:
        for model, columns, text in (
            (Ballot, "id, cycle_id, district_id, channel, receipt_hash", ballots),
            (BallotLink, "ballot_id, cycle_id, link", links),
            (BallotChoice, "ballot_id, proposal_id, points, rank", choices),
        ):
            with cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                copy.write(text)


def _erase_links(cycle: Cycle) -> bool:
    """Forget which ballot belongs to which voter's link, once the box is empty for good."""
    with transaction.atomic():
        if SealedBallot.objects.filter(cycle=cycle).exists():
            return False
        BallotLink.objects.filter(cycle=cycle).delete()
    return True
