"""Census, residency verification, the voter roll, the ballot box, ballots and booths.

Secrecy: ``VoterRoll`` says *who* voted, ``Ballot`` says *what* was voted. The two tables
share no foreign key and no id. A cast writes the roll row and a ``SealedBallot`` (the
ballot encrypted to the box's public key, see ``ballots.box``) in one transaction; the
mixing task (``ballots.mixing``) later opens sealed ballots in batches of at least
``PBUDGET_BALLOT_MIX_SIZE`` per district and writes them into ``Ballot`` in shuffled order,
in a transaction of its own, with random keys only. So no system column (``xmin``,
``xmax``, ``ctid``), id, sequence or time links a ballot to a roll row better than chance
within its batch. A ``BallotLink`` keeps an online ballot's link, an HMAC of (voter, cycle)
under the server key (``settings.PBUDGET_HMAC_KEY``), so only the mixer, given the voter,
can find that voter's ballot to replace it; the links are deleted once the cycle's box is
empty after voting closes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle, District


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper, in person")


class CensusEntryQuerySet(models.QuerySet["CensusEntry"]):
    def unclaimed(self) -> CensusEntryQuerySet:
        """Entries no account has claimed yet."""
        return self.filter(claimed_by__isnull=True)


class CensusEntry(models.Model):
    """One resident on the census. The document number is stored only as a keyed hash."""

    # Unique through Meta.constraints: a unique=True CharField would also get a second,
    # LIKE-only index, which nobody uses on a hash and every census import would pay for.
    document_hash = models.CharField(_("document number (keyed hash)"), max_length=64)
    birth_date = models.DateField(_("birth date"))
    postal_code = models.CharField(_("postal code"), max_length=16)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="census")
    # One census entry verifies one account, and one account holds one entry.
    claimed_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="census_entry",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = CensusEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("census entry")
        verbose_name_plural = _("census entries")
        # The district is found through the foreign key's own index.
        constraints = [
            models.UniqueConstraint(fields=["document_hash"], name="census_one_entry_per_document")
        ]

    def __str__(self) -> str:
        return f"{self.district} · {self.document_hash[:8]}…"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class CensusImport(models.Model):
    """A census CSV upload and what became of it.

    The file lives at ``source_path`` only until the import finishes: it holds plain
    document numbers, which the database never sees.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    source_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    created_rows = models.PositiveIntegerField(_("new entries"), default=0)
    updated_rows = models.PositiveIntegerField(_("updated entries"), default=0)
    kept_district_rows = models.PositiveIntegerField(
        _("people who keep their district until an open vote closes"), default=0
    )
    error_line = models.PositiveIntegerField(_("line with the error"), null=True, blank=True)
    error_message = models.TextField(_("problem"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("census import")
        verbose_name_plural = _("census imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class VerificationAttempt(models.Model):
    """One try at online residency verification; failed tries lock the account for a while."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_attempts"
    )
    attempted_at = models.DateTimeField(_("attempted at"), db_index=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["user", "-attempted_at"], name="verif_attempt_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.attempted_at:%Y-%m-%d %H:%M} {self.succeeded}"


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REASSIGNED = "reassigned", _("Given to the claimant")
    DISMISSED = "dismissed", _("Dismissed")


class CensusConflict(models.Model):
    """A second account claimed a census entry that another account already holds."""

    entry = models.ForeignKey(CensusEntry, on_delete=models.CASCADE, related_name="conflicts")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="census_conflicts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("census conflict")
        verbose_name_plural = _("census conflicts")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "claimant"],
                condition=Q(status="open"),
                name="census_conflict_one_open_per_claim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry} ← {self.claimant_id} ({self.status})"


class Booth(models.Model):
    """An in-person voting site of a cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="booths")
    name = models.CharField(_("name"), max_length=120)
    place = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "name"], name="booth_unique_name_per_cycle")
        ]

    def __str__(self) -> str:
        return self.name


class VoterRoll(models.Model):
    """Who voted: a census entry (the person), in a cycle, where, how and when.

    One row per person per cycle, kept when the ballot is changed. Nothing here points
    at a ballot.
    """

    voter = models.ForeignKey(CensusEntry, on_delete=models.PROTECT, related_name="roll")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="voter_roll")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    voted_at = models.DateTimeField(_("voted at"))
    booth = models.ForeignKey(
        Booth, on_delete=models.PROTECT, null=True, blank=True, related_name="roll"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("voter roll entry")
        verbose_name_plural = _("voter roll")
        constraints = [
            models.UniqueConstraint(fields=["voter", "cycle"], name="roll_one_per_voter_cycle"),
            models.CheckConstraint(
                condition=Q(channel="online", booth__isnull=True)
                | Q(channel="paper", booth__isnull=False),
                name="roll_paper_has_booth",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "district"], name="roll_cycle_district_idx")]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.get_channel_display()}"


class SealedBallot(models.Model):
    """A ballot in the box: cast, encrypted, not yet mixed into ``Ballot``.

    ``sealed`` is the padded record of ``ballots.box`` encrypted to the box's public key;
    its choices, link, receipt hash and channel are inside. ``seq`` orders the box so
    that mixing takes the oldest first: a voter's later ballot is never mixed before an
    earlier one. A sealed ballot counts once it is mixed; the count waits for an empty box.
    """

    seq = models.BigAutoField(primary_key=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    sealed = models.BinaryField()

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")
        indexes = [models.Index(fields=["cycle", "district", "seq"], name="box_cycle_district_idx")]

    def __str__(self) -> str:
        return f"{self.cycle_id} · {self.district_id} · #{self.seq}"


class Ballot(models.Model):
    """What was voted: the choices of one ballot, with no way back to the voter.

    Written only by the mixing task (and by Pabulib imports, which have no voters), in
    shuffled batches with random ids. ``receipt_hash`` = SHA-256 of the receipt code shown
    once to an online voter; NULL for paper ballots, whose entry no voter watches.
    """

    # Every index here is paid for by every ballot mixed: the cycle and district are found
    # through (cycle, district); the receipt hash is unique without a LIKE index.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="ballots", db_index=False
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    receipt_hash = models.CharField(max_length=64, null=True, editable=False, db_collation="C")  # noqa: DJ001  (NULL: paper ballots have no receipt)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["receipt_hash"], name="ballot_one_per_receipt")
        ]
        indexes = [models.Index(fields=["cycle", "district"], name="ballot_cycle_district_idx")]

    def __str__(self) -> str:
        return f"{self.cycle} · {(self.receipt_hash or self.channel)[:10]}"


class BallotLink(models.Model):
    """The link of a mixed online ballot while voting runs: HMAC(voter, cycle).

    Written with its ballot, in the same shuffled batch; the mixer finds a voter's earlier
    ballot by it to replace it. Deleted for a whole cycle once its box is empty after the
    close: from then on not even the server key finds a voter's ballot.
    """

    # No database constraints on these two: only the mixer writes links, with the ballot
    # it has just written, and a constraint check per row would cost a fifth of mixing.
    ballot = models.OneToOneField(
        Ballot, on_delete=models.CASCADE, primary_key=True, related_name="link", db_constraint=False
    )
    cycle = models.ForeignKey(  # indexed by the unique (cycle, link)
        Cycle, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    link = models.CharField(max_length=64, db_collation="C")  # hex: byte order will do

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "link"], name="ballot_one_per_link")
        ]

    def __str__(self) -> str:
        return f"{self.cycle_id} · {self.link[:10]}…"


class BallotChoice(models.Model):
    """One project chosen on a ballot: 1 point (approval, knapsack), points, or a rank.

    Keyed by (ballot, project): no sequence numbers the choices in the order they were
    written. Neither key is checked by the database: only the mixer and Pabulib imports
    write choices, with the ballot they have just written and projects they have just
    read, and a check per choice cost 40 % of mixing. Django keeps a project with votes
    from being deleted (PROTECT) and deletes a ballot's choices with it (CASCADE).
    """

    pk = models.CompositePrimaryKey("ballot", "proposal")
    ballot = models.ForeignKey(  # indexed by the primary key
        Ballot,
        on_delete=models.CASCADE,
        related_name="choices",
        db_constraint=False,
        db_index=False,
    )
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    points = models.PositiveSmallIntegerField(default=1)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)  # 1 = first choice

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="choice_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.points}"


class BoothBallotCount(models.Model):
    """People marked and paper ballots entered at a booth, per district.

    Kept apart from the ballots. A booth never enters more paper ballots than it marked
    people (a check constraint), so no ballot can be entered for nobody.
    """

    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="ballot_counts")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    marked = models.PositiveIntegerField(default=0)
    entered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booth", "district"], name="booth_count_unique"),
            models.CheckConstraint(
                condition=Q(entered__lte=models.F("marked")), name="booth_entered_at_most_marked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booth} · {self.district}: {self.entered} of {self.marked}"


from ballots.models_tally import *  # noqa: E402, F403
