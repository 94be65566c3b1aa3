"""Coproduction: what residents offer, pledge and deliver, and what it is worth.

Money is Decimal with the currency stored beside it on every row that holds an amount:
values are never converted between currencies, and sums are always kept per currency.

The ledger (LedgerEntry, LedgerDecision, Valuation) is append-only. A PostgreSQL trigger
(migration 0002) refuses UPDATE and DELETE on those tables; a correction is a reversing
entry that points to the entry it corrects, a decision is a row of its own, and a
revaluation writes new Valuation rows with a higher revision.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pbudget.models import District, currency_validator
from pbudget.storage import private_storage
from proposals.models import Proposal


class Skill(models.Model):
    """An everyday or professional skill, mapped to a US SOC 2018 occupation code."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    soc_code = models.CharField(
        _("SOC occupation code"),
        max_length=7,
        help_text=_("US Standard Occupational Classification, e.g. 47-2031."),
    )
    soc_title = models.CharField(_("SOC occupation title"), max_length=160)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.CheckConstraint(
                condition=Q(soc_code__regex=r"^[0-9]{2}-[0-9]{4}$"), name="skill_soc_code_format"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    LISTED = (
        "listed",
        _(
            "Staff and proposal authors may find me and write to me through pbudget "
            "(they never see my e-mail address)"
        ),
    )
    PRIVATE = "private", _("Only me")


class Offer(models.Model):
    """A resident's civic assets: the skills, time and things they can lend. One per person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coproduction_offer"
    )
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="offers",
        null=True,
        blank=True,
        help_text=_("Where you would rather help. Leave empty for anywhere."),
    )
    skills = models.ManyToManyField(Skill, related_name="offers", blank=True)
    hours_per_month = models.PositiveSmallIntegerField(
        _("hours a month"), default=0, validators=[MaxValueValidator(200)]
    )
    tools = models.TextField(_("tools or equipment you can lend"), blank=True, max_length=1000)
    space = models.TextField(_("space you can lend"), blank=True, max_length=1000)
    languages = models.CharField(
        _("languages you speak"),
        max_length=200,
        blank=True,
        help_text=_("For example: English, Spanish."),
    )
    note = models.TextField(_("anything else"), blank=True, max_length=1000)
    visibility = models.CharField(
        _("who may see this"),
        max_length=8,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,  # opt-in: nobody finds an offer its owner did not list
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_month__lte=200), name="offer_hours_per_month_le_200"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}"

    @property
    def is_visible(self) -> bool:
        return self.visibility == Visibility.LISTED


class ContributionKind(models.TextChoices):
    GENERAL_LABOUR = "general", _("General labour (hours)")
    SKILLED_LABOUR = "skilled", _("Skilled labour (hours and a skill)")
    MATERIALS = "materials", _("Materials or goods")
    EQUIPMENT = "equipment", _("Equipment loan")
    SPACE = "space", _("Use of a space")


LABOUR_KINDS = [ContributionKind.GENERAL_LABOUR, ContributionKind.SKILLED_LABOUR]
GOODS_KINDS = [ContributionKind.MATERIALS, ContributionKind.EQUIPMENT, ContributionKind.SPACE]


class PledgeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PledgeQuerySet(models.QuerySet["Pledge"]):
    def accepted(self) -> PledgeQuerySet:
        """Pledges staff accepted: the ones that count."""
        return self.filter(status=PledgeStatus.ACCEPTED)

    def pending(self) -> PledgeQuerySet:
        return self.filter(status=PledgeStatus.PENDING)


class Pledge(models.Model):
    """A promise of hours, skills, materials, equipment or space to a proposal.

    ``value`` is fixed when staff accept the pledge (hours at the rate valid that day,
    goods at the estimate given), in ``currency``; a later rate never changes it.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="pledges")
    pledger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="pledges"
    )
    group_name = models.CharField(
        _("on behalf of a group"),
        max_length=120,
        blank=True,
        help_text=_("The name of your group, association or business, if you pledge for one."),
    )
    people = models.PositiveSmallIntegerField(
        _("people taking part"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    kind = models.CharField(_("what you pledge"), max_length=10, choices=ContributionKind.choices)
    hours = models.DecimalField(
        _("hours"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("5000"))],
        help_text=_("In total, for everyone taking part."),
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="pledges"
    )
    is_own_profession = models.BooleanField(
        _("this skill is my profession"),
        default=False,
        help_text=_("Professional work is valued at that occupation's wage."),
    )
    description = models.CharField(_("description"), max_length=240, blank=True)
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)
    # In ``currency`` (the cycle's currency for goods), stated by the pledger.
    estimated_value = models.DecimalField(
        _("estimated value"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Fair market (or rental) value, in the cycle's currency."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.PENDING
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Fixed on acceptance.
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, validators=[currency_validator])
    rate = models.ForeignKey(
        "ValuationRate", on_delete=models.PROTECT, null=True, blank=True, related_name="pledges"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PledgeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        indexes = [models.Index(fields=["proposal", "status"], name="pledge_proposal_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["general", "skilled"]) | Q(hours__gt=0),
                name="pledge_labour_has_hours",
            ),
            models.CheckConstraint(
                condition=~Q(kind="skilled") | Q(skill__isnull=False),
                name="pledge_skilled_has_skill",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["general", "skilled"]) | Q(estimated_value__gte=0),
                name="pledge_goods_have_value",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | (Q(value__isnull=False) & ~Q(currency="")),
                name="pledge_accepted_has_value",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="pledge_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.proposal}"

    @property
    def pledged_by(self) -> str:
        return self.group_name or self.pledger.public_name


class RateKind(models.TextChoices):
    GENERAL = "general", _("General volunteer hour")
    OCCUPATION = "occupation", _("Occupation wage (specialised skill)")


class ValuationRateQuerySet(models.QuerySet["ValuationRate"]):
    def valid_on(self, day) -> ValuationRateQuerySet:
        return self.filter(valid_from__lte=day)


class ValuationRate(models.Model):
    """An hourly rate from a published series, kept by finance officers.

    Rates are never edited: a new figure is a new row (valued work keeps the row it used).
    ``amount`` is per ``unit`` in ``currency``; ``fringe_percent`` is added on top for
    occupation wages (benefits an employer would pay).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=RateKind.choices)
    occupation_code = models.CharField(
        _("SOC occupation code"),
        max_length=7,
        blank=True,
        help_text=_("For occupation rates, e.g. 47-2031. Empty for the general rate."),
    )
    occupation_title = models.CharField(_("occupation title"), max_length=160, blank=True)
    amount = models.DecimalField(
        _("amount"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    unit = models.CharField(_("unit"), max_length=10, default="hour", editable=False)
    currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[currency_validator]
    )
    fringe_percent = models.DecimalField(
        _("fringe benefits (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
    )
    publisher = models.CharField(_("publisher"), max_length=160)
    series = models.CharField(_("series"), max_length=200)
    data_year = models.PositiveSmallIntegerField(
        _("data year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    geography = models.CharField(_("geography"), max_length=120)
    source_url = models.URLField(_("source URL"), max_length=400)
    valid_from = models.DateField(_("valid from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ValuationRateQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "occupation_code", "-valid_from", "-pk"]
        verbose_name = _("valuation rate")
        verbose_name_plural = _("valuation rates")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="general") & Q(occupation_code=""))
                | (Q(kind="occupation") & Q(occupation_code__regex=r"^[0-9]{2}-[0-9]{4}$")),
                name="rate_occupation_code_iff_occupation",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="rate_amount_positive"),
            models.CheckConstraint(
                condition=Q(fringe_percent__gte=0), name="rate_fringe_not_negative"
            ),
        ]

    def __str__(self) -> str:
        label = self.occupation_title or self.get_kind_display()
        return (
            f"{label}: {self.amount} {self.currency}/{self.unit} "
            f"({self.publisher} {self.data_year})"
        )

    @property
    def hourly_value(self) -> Decimal:
        """The amount plus fringe, per hour, rounded to cents."""
        return (self.amount * (1 + self.fringe_percent / 100)).quantize(Decimal("0.01"))

    @property
    def source_text(self) -> str:
        return (
            f"{self.publisher}, {self.series}, {self.data_year} data, "
            f"{self.geography}: {self.source_url}"
        )


def evidence_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"coproduction/evidence/{uuid.uuid4().hex}.{extension}"


class Flag(models.TextChoices):
    OVER_16_HOURS = "over-16-hours", _("More than 16 hours in one day for this person")
    DUPLICATE = "duplicate", _("The same entry was logged before")
    OUTSIDE_DATES = "outside-dates", _("Outside the project's delivery dates")


class EntryStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    DECLINED = "declined", _("Declined")


class LedgerEntryQuerySet(models.QuerySet["LedgerEntry"]):
    def verified(self) -> LedgerEntryQuerySet:
        return self.filter(decision__outcome=EntryStatus.VERIFIED)

    def awaiting_decision(self) -> LedgerEntryQuerySet:
        return self.filter(decision__isnull=True)


class LedgerEntry(models.Model):
    """What one person delivered to a funded project. Append-only (see the module docstring).

    Hours are in hours; ``fair_value`` is the total fair market (goods) or fair rental
    (equipment, space) value in ``currency``. A reversing entry carries the opposite signs
    of the entry it reverses.
    """

    project = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="ledger_entries")
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries_entered"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    worked_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, null=True, blank=True)
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    is_own_profession = models.BooleanField(
        _("done in the contributor's own profession"), default=False
    )
    creates_asset = models.BooleanField(
        _("built or improved something that lasts"),
        default=False,
        help_text=_("A structure, a garden, equipment: work that creates or enhances an asset."),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=240, blank=True)
    quantity = models.CharField(_("quantity"), max_length=60, blank=True)
    fair_value = models.DecimalField(
        _("fair value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validator])
    # Evidence may show names and addresses: private storage, served only by a checked view.
    evidence = models.FileField(
        _("evidence"),
        upload_to=evidence_path,
        storage=private_storage,
        blank=True,
        max_length=200,
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(_("reason for the correction"), max_length=240, blank=True)
    flags = ArrayField(
        models.CharField(max_length=20, choices=Flag.choices), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-worked_on", "-pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["contributor", "worked_on"], name="ledger_contributor_day_idx"),
            models.Index(fields=["project", "kind"], name="ledger_project_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["general", "skilled"])
                | (Q(hours__isnull=False) & ~Q(hours=0)),
                name="ledger_labour_has_hours",
            ),
            models.CheckConstraint(
                condition=~Q(kind="skilled") | Q(skill__isnull=False),
                name="ledger_skilled_has_skill",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["general", "skilled"]) | Q(fair_value__isnull=False),
                name="ledger_goods_have_value",
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | ~Q(reason=""),
                name="ledger_reversal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(reverses=models.F("pk")), name="ledger_not_reversing_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.worked_on}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def is_labour(self) -> bool:
        return self.kind in LABOUR_KINDS

    @property
    def status(self) -> str:
        decision = getattr(self, "decision", None)
        return decision.outcome if decision is not None else EntryStatus.SUBMITTED

    def get_flags_display(self) -> list[str]:
        labels = dict(Flag.choices)
        return [labels.get(flag, flag) for flag in self.flags]


class LedgerDecision(models.Model):
    """The verification or refusal of one entry: one row, written once."""

    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(
        _("decision"),
        max_length=10,
        choices=[(EntryStatus.VERIFIED, _("Verified")), (EntryStatus.DECLINED, _("Declined"))],
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_decisions"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger decision")
        verbose_name_plural = _("ledger decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=["verified", "declined"]), name="ledger_decision_outcome"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="declined") | ~Q(reason=""),
                name="ledger_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.outcome}"


class ValuationMethod(models.TextChoices):
    GENERAL_RATE = "general-rate", _("Replacement cost: general volunteer rate")
    SPECIALIST_RATE = "specialist-rate", _("Replacement cost: occupation wage plus fringe")
    FAIR_MARKET = "fair-market", _("Fair market value")
    FAIR_RENTAL = "fair-rental", _("Fair rental value")
    REVERSAL = "reversal", _("Reversal of an earlier value")


class RecognitionBasis(models.TextChoices):
    SPECIALISED_SKILL = "specialised-skill", _("Recognisable: specialised skill")
    ASSET = "asset", _("Recognisable: creates or enhances an asset")
    GOODS = "goods", _("Recognisable: contributed goods or use of property")
    MEMO = "memo", _("Memo only: general volunteer hours")


class ValuationRun(models.Model):
    """An explicit revaluation asked for by a finance officer (the first valuation has none)."""

    cycle = models.ForeignKey(
        "pbudget.Cycle", on_delete=models.PROTECT, related_name="valuation_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=240)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    valued = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Revaluation {self.pk} of {self.cycle}"


class ValuationQuerySet(models.QuerySet["Valuation"]):
    def current(self) -> ValuationQuerySet:
        """Each entry's latest valuation (the highest revision)."""
        newer = Valuation.objects.filter(
            entry=models.OuterRef("entry"), revision__gt=models.OuterRef("revision")
        )
        return self.filter(~models.Exists(newer))


class Valuation(models.Model):
    """The value of one verified entry, with the rate and the source it used. Append-only.

    ``amount`` is in ``currency`` (the rate's currency for hours, the entry's for goods).
    The current value of an entry is its row with the highest ``revision``.
    """

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="valuations")
    revision = models.PositiveIntegerField(default=1)
    run = models.ForeignKey(
        ValuationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="valuations"
    )
    method = models.CharField(max_length=16, choices=ValuationMethod.choices)
    rate = models.ForeignKey(
        ValuationRate, on_delete=models.PROTECT, null=True, blank=True, related_name="valuations"
    )
    # Copies of what the rate said when it was used: the value never depends on a later read.
    rate_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    fringe_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    # FASB ASC 958-605-25-16: services are recognised when they create or enhance a
    # non-financial asset, or need a specialised skill that would otherwise be bought;
    # contributed goods and use of equipment or space are recognised at fair value.
    # Everything else (general hours) is shown as a memo only.
    is_recognisable = models.BooleanField(default=False)
    basis = models.CharField(max_length=20, choices=RecognitionBasis.choices)
    source = models.TextField(blank=True)
    valued_at = models.DateTimeField(auto_now_add=True)

    objects = ValuationQuerySet.as_manager()

    class Meta:
        ordering = ["entry", "-revision"]
        verbose_name = _("valuation")
        verbose_name_plural = _("valuations")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "revision"], name="valuation_one_per_revision"
            ),
            models.UniqueConstraint(
                fields=["entry", "run"],
                condition=Q(run__isnull=False),
                name="valuation_one_per_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} r{self.revision}: {self.amount} {self.currency}"


# Finance: budget coding set by finance officers, export jobs and the finance audit log.


class BudgetCoding(models.Model):
    """The fund and codes a finance officer set for a funded project.

    The review's department, program and account code win where they are set: a code here
    only fills what the review left empty. The fund is finance's alone (the review has
    none). Every change is written to FinanceAuditLog with the old and new value.
    """

    project = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="budget_coding")
    fund = models.CharField(_("fund"), max_length=60, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    program = models.CharField(_("program"), max_length=120, blank=True)
    account_code = models.CharField(_("account code"), max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("budget coding")
        verbose_name_plural = _("budget codings")
        permissions = [
            ("view_finance", _("Can see budget lines and export them")),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.fund} {self.department} {self.account_code}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV: budget lines")
    XLSX = "xlsx", _("Excel workbook (XLSX)")
    FDP = "fdp", _("Fiscal Data Package (ZIP)")
    DISCLOSURE_CSV = "disclosure-csv", _("CSV: contributed non-financial assets")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class ExportJob(models.Model):
    """One export asked for by one person; its file downloads once, by them, within a day.

    ``file_name`` is relative to settings.PBUDGET_EXPORT_DIR (private, never served as
    media). ``token`` is the random part of the download link.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="finance_exports"
    )
    cycle = models.ForeignKey(
        "pbudget.Cycle", on_delete=models.PROTECT, related_name="finance_exports"
    )
    format = models.CharField(_("format"), max_length=16, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="exportjob_progress_le_100"
            ),
            models.CheckConstraint(
                condition=Q(downloaded_at__isnull=True) | Q(status="done"),
                name="exportjob_downloaded_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} · {self.cycle_id} · {self.status}"


class FinanceAction(models.TextChoices):
    EXPORT_REQUESTED = "export-requested", _("Export asked for")
    EXPORT_FINISHED = "export-finished", _("Export written")
    EXPORT_FAILED = "export-failed", _("Export failed")
    DOWNLOADED = "downloaded", _("Export downloaded")
    DOWNLOAD_REFUSED = "download-refused", _("Download refused")
    CODE_CHANGED = "code-changed", _("Budget code changed")


class FinanceAuditLog(models.Model):
    """What happened to budget lines and their exports, and who did it. Append-only.

    A PostgreSQL trigger refuses UPDATE and DELETE (migration of this model). ``actor``
    is empty for the command line and for the worker writing an export.
    """

    action = models.CharField(max_length=20, choices=FinanceAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cycle = models.ForeignKey(
        "pbudget.Cycle", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        ExportJob, on_delete=models.PROTECT, null=True, blank=True, related_name="audit"
    )
    field = models.CharField(max_length=20, blank=True)
    old_value = models.CharField(max_length=120, blank=True)
    new_value = models.CharField(max_length=120, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("finance audit entry")
        verbose_name_plural = _("finance audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
