"""The count: one tally run per cycle, district and rule, and elections imported from Pabulib.

A cycle and district have exactly one *official* run (the cycle's rule; Borda for ranked
ballots) and may have comparison runs under other rules (greedy next to Equal Shares on
the results page). The database holds that invariant: one row per (cycle, district, rule)
and one official row per (cycle, district); the task updates its row in place.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle, District


class TallyStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Counting")
    DONE = "done", _("Counted")
    FAILED = "failed", _("Failed")


class TallyRun(models.Model):
    """The result of counting one district's ballots under one rule.

    Money (``budget``, ``spent``, ``left``) is Decimal in the cycle's currency.
    ``winners`` are proposal ids in selection order; ``votes`` maps each proposal id (as a
    string) to its votes: approvals, points, or Borda score.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="tally_runs")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(_("rule"), max_length=20)
    is_official = models.BooleanField(_("official result"), default=True)
    parameters = models.JSONField(_("rule parameters"), default=dict, blank=True)
    software_version = models.CharField(_("software version"), max_length=40, blank=True)
    ballot_hash = models.CharField(_("SHA-256 of the ballots"), max_length=64, blank=True)
    num_voters = models.PositiveIntegerField(_("ballots counted"), default=0)
    satisfied_voters = models.PositiveIntegerField(
        _("voters with a funded project they chose"), default=0
    )
    winners = models.JSONField(_("winners in order"), default=list, blank=True)
    votes = models.JSONField(_("votes per project"), default=dict, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent"), max_digits=14, decimal_places=2, default=0)
    left = models.DecimalField(_("left unspent"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=TallyStatus.choices, default=TallyStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error_message = models.TextField(_("problem"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("times started"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["cycle", "district__position", "-is_official", "rule"]
        verbose_name = _("tally run")
        verbose_name_plural = _("tally runs")
        permissions = [("run_count", _("Can run, watch and publish the count"))]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "district", "rule"], name="tally_one_per_cycle_district_rule"
            ),
            models.UniqueConstraint(
                fields=["cycle", "district"],
                condition=Q(is_official=True),
                name="tally_one_official_per_cycle_district",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(status="done", is_official=True),
                name="tally_published_only_when_done",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="tally_progress_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.district} · {self.rule} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (TallyStatus.DONE, TallyStatus.FAILED)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ImportedElection(models.Model):
    """A past election read from a Pabulib ``.pb`` file into a cycle of its own.

    ``project_ids`` maps each proposal id (as a string) to the project id in the file, so
    results can be compared with the file's ``selected`` column and other tools.
    """

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="imported_from")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    meta = models.JSONField(_("META section"), default=dict)
    project_ids = models.JSONField(default=dict)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("imported election")
        verbose_name_plural = _("imported elections")

    def __str__(self) -> str:
        return self.file_name


__all__ = ["ImportedElection", "TallyRun", "TallyStatus"]
