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

Once voting has closed and a cycle's box is empty, the links are erased: after that not
even the server key finds a voter's ballot.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from ballots import box
from ballots.models import Ballot, BallotChoice, SealedBallot
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

    Each batch is its own transaction; a failure leaves the earlier batches mixed and the
    rest in the box.
    """
    cycle = Cycle.objects.get(pk=cycle_id)
    final = is_final(cycle, now=now)
    report = MixReport(cycle_id=cycle_id)
    open_ballot = box.opener()
    for district_id in box_counts(cycle_id):
        while True:
            taken, replaced = _mix_batch(cycle, district_id, final=final, open_ballot=open_ballot)
            if not taken:
                break
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


@transaction.atomic
def _mix_batch(cycle: Cycle, district_id: int, *, final: bool, open_ballot) -> tuple[int, int]:
    """Mix one batch of one district; return (sealed ballots taken, ballots replaced)."""
    with connection.cursor() as cursor:
        # One mixer at a time per cycle and district: batches go oldest first.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"ballots.mix:{cycle.pk}:{district_id}"],
        )
    waiting = SealedBallot.objects.filter(cycle=cycle, district_id=district_id).count()
    size = batch_size(waiting, final=final)
    if size == 0:
        return 0, 0
    rows = list(
        SealedBallot.objects.filter(cycle=cycle, district_id=district_id)
        .order_by("seq")
        .values_list("seq", "sealed")[:size]
    )
    latest: dict[str, box.OpenedBallot] = {}  # per link: the voter's newest ballot
    anonymous: list[box.OpenedBallot] = []  # paper ballots
    for _seq, sealed in rows:  # oldest first, so a later ballot overwrites an earlier one
        ballot = open_ballot(sealed)
        if ballot.link is None:
            anonymous.append(ballot)
        else:
            latest[ballot.link] = ballot
    earlier = list(
        Ballot.objects.filter(cycle=cycle, link__in=list(latest)).values_list("id", flat=True)
    )
    if earlier:
        BallotChoice.objects.filter(ballot_id__in=earlier).delete()
        Ballot.objects.filter(id__in=earlier).delete()
    batch = [*latest.values(), *anonymous]
    _shuffle(batch)
    _insert(cycle, district_id, batch)
    SealedBallot.objects.filter(seq__in=[seq for seq, _sealed in rows]).delete()
    return len(rows), len(earlier)


def _shuffle(items: list) -> None:
    """Fisher–Yates with the operating system's random numbers (``secrets``)."""
    for i in range(len(items) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        items[i], items[j] = items[j], items[i]


def _insert(cycle: Cycle, district_id: int, batch: list[box.OpenedBallot]) -> None:
    """Insert the batch's ballots and their choices in the batch's (shuffled) order."""
    ballot_table = connection.ops.quote_name(Ballot._meta.db_table)
    choice_table = connection.ops.quote_name(BallotChoice._meta.db_table)
    ids = [uuid.uuid4() for _ballot in batch]
    with connection.cursor() as cursor:
        with cursor.copy(
            f"COPY {ballot_table} (id, cycle_id, district_id, channel, link, receipt_hash) "
            "FROM STDIN"
        ) as copy:
            for ballot_id, ballot in zip(ids, batch, strict=True):
                row = (ballot_id, cycle.pk, district_id, ballot.channel, ballot.link)
                copy.write_row((*row, ballot.receipt_hash))
        with cursor.copy(
            f"COPY {choice_table} (ballot_id, proposal_id, points, rank) FROM STDIN"
        ) as copy:
            for ballot_id, ballot in zip(ids, batch, strict=True):
                for proposal, points, rank in zip(
                    ballot.proposals, ballot.points, ballot.ranks, strict=True
                ):
                    copy.write_row((ballot_id, proposal, points, rank))


def _erase_links(cycle: Cycle) -> bool:
    """Forget which ballot belongs to which voter's link, once the box is empty for good."""
    with transaction.atomic():
        if SealedBallot.objects.filter(cycle=cycle).exists():
            return False
        Ballot.objects.filter(cycle=cycle, link__isnull=False).update(link=None)
    return True
