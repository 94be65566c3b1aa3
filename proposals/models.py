"""Proposals: residents' ideas, reviewed and costed by staff; funded ones become projects."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle, District


class Category(models.Model):
    """A theme a proposal belongs to (parks, streets, culture, ...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    FEASIBLE = "feasible", _("On the ballot")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")
    MERGED = "merged", _("Merged")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SELECTED = "selected", _("Funded")
    NOT_SELECTED = "not_selected", _("Not funded")


# Statuses of proposals that went to the ballot (before and after the count).
BALLOT_STATUSES = [ProposalStatus.FEASIBLE, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED]


class DeliveryStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def public(self) -> ProposalQuerySet:
        """Proposals anyone may see: everything but drafts."""
        return self.exclude(status=ProposalStatus.DRAFT)

    def on_ballot(self, cycle: Cycle, district: District | None = None) -> ProposalQuerySet:
        """The projects on the ballot of ``cycle``: feasible and with an official cost.

        With ``district``, that district's projects and the city-wide ones.
        """
        queryset = self.filter(cycle=cycle, status__in=BALLOT_STATUSES, official_cost__isnull=False)
        if district is not None:
            queryset = queryset.filter(Q(district=district) | Q(district__is_citywide=True))
        return queryset

    def funded(self) -> ProposalQuerySet:
        """Proposals that won the vote: the projects."""
        return self.filter(status=ProposalStatus.SELECTED)


class Proposal(models.Model):
    """A resident's idea for a project, from draft to review, ballot and delivery.

    Money is Decimal in the cycle's currency. ``estimated_cost`` is the author's guess;
    ``official_cost`` is set by a reviewer and is what the ballot and the tally use.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="proposals")
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text=_("Choose the city-wide district for a project for the whole city."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="proposals",
    )
    # Residents write at most TITLE_MAX_LENGTH characters (the form); imported elections
    # keep their projects' full names, which can be longer.
    title = models.CharField(_("title"), max_length=300)
    summary = models.CharField(_("one-line summary"), max_length=240)
    description = models.TextField(_("description"), help_text=_("Markdown is allowed."))
    description_html = models.TextField(editable=False, blank=True)  # sanitised render
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="proposals", null=True, blank=True
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("An address or a landmark.")
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    # In the cycle's currency.
    estimated_cost = models.DecimalField(
        _("estimated cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ProposalStatus.choices,
        default=ProposalStatus.DRAFT,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    # Review (staff). The public sees the explanation, never the internal notes.
    official_cost = models.DecimalField(
        _("official cost"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    feasibility_explanation = models.TextField(_("public explanation"), blank=True)
    department = models.CharField(_("responsible department"), max_length=120, blank=True)
    program = models.CharField(_("program"), max_length=120, blank=True)
    account_code = models.CharField(_("account code"), max_length=60, blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_proposals",
    )

    # Moderation (set by the deliberation app's moderators): hidden content shows the
    # public reason in its place.
    is_hidden = models.BooleanField(_("hidden by a moderator"), default=False)
    hidden_reason = models.CharField(_("public reason for hiding"), max_length=240, blank=True)

    # Supports are counted by a unique row each (Support); this is the cached count,
    # changed only with F() in the same transaction as the row.
    support_count = models.PositiveIntegerField(default=0)

    # Delivery of a funded project.
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_projects",
        help_text=_("The staff member or resident coordinating the project's delivery."),
    )
    delivery_status = models.CharField(
        _("delivery status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PLANNED,
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    cancellation_reason = models.TextField(_("reason for cancellation"), blank=True)
    starts_on = models.DateField(_("delivery starts"), null=True, blank=True)
    ends_on = models.DateField(_("delivery ends"), null=True, blank=True)

    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        permissions = [
            ("review_proposal", _("Can review proposals")),
            ("post_update", _("Can post delivery updates on projects")),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="proposal_search_idx"),
            models.Index(fields=["cycle", "status"], name="proposal_cycle_status_idx"),
            models.Index(fields=["-support_count", "-id"], name="proposal_support_idx"),
            models.Index(fields=["-created_at", "-id"], name="proposal_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(official_cost__isnull=True) | Q(official_cost__gte=0),
                name="proposal_official_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="proposal_estimated_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="proposal_progress_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="proposal_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=(Q(status="merged") & Q(merged_into__isnull=False))
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="proposal_merged_iff_target",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["feasible", "selected", "not_selected"])
                | Q(official_cost__isnull=False),
                name="proposal_ballot_needs_official_cost",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("proposals:detail", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        """Anyone may see it: the same rule as ``ProposalQuerySet.public``."""
        return self.status != ProposalStatus.DRAFT

    @property
    def is_project(self) -> bool:
        """A funded proposal is a project whose delivery is tracked."""
        return self.status == ProposalStatus.SELECTED


def proposal_image_path(instance: ProposalImage, filename: str) -> str:
    """A random name: the uploaded file name may say more than the resident meant to."""
    import uuid

    return f"proposals/{instance.proposal_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


# At most this many images per proposal; positions 0..MAX_IMAGES-1, unique per proposal,
# so the limit holds in the database too.
MAX_IMAGES = 3


class ProposalImage(models.Model):
    """A photo or drawing of a proposal: checked by Pillow and re-encoded without metadata."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(
        _("image"), upload_to=proposal_image_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(
        _("description of the image"),
        max_length=200,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("proposal image")
        verbose_name_plural = _("proposal images")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "position"], name="proposal_image_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(position__lt=MAX_IMAGES), name="proposal_image_at_most_3"
            ),
            models.CheckConstraint(condition=~Q(alt_text=""), name="proposal_image_has_alt"),
        ]

    def __str__(self) -> str:
        return self.alt_text


class Support(models.Model):
    """One resident's support for a proposal during the ideas phase: one row per person."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_supports"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.proposal_id}"


class Follow(models.Model):
    """A person who wants e-mail when a proposal's status changes or its project moves on."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposal_follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="follow_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.proposal_id}"


class EventKind(models.TextChoices):
    CREATED = "created", _("Draft started")
    SUBMITTED = "submitted", _("Submitted")
    EDITED = "edited", _("Edited")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVIEWED = "reviewed", _("Reviewed")
    MERGED = "merged", _("Merged into another proposal")
    ABSORBED = "absorbed", _("A duplicate was merged into this proposal")
    STATUS = "status", _("Status changed")
    DELIVERY = "delivery", _("Delivery update")


class ProposalEvent(models.Model):
    """One entry of a proposal's public history: who did what, when.

    ``note`` is public text (a review's explanation, a merge's reason); internal notes
    never go here.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal_events",
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=ProposalStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ProposalStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    related = models.ForeignKey(
        Proposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("proposal event")
        verbose_name_plural = _("proposal events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"


def project_update_path(instance: ProjectUpdate, filename: str) -> str:
    import uuid

    return f"projects/{instance.proposal_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1]}"


class ProjectUpdate(models.Model):
    """A dated note on a funded project's delivery, posted by staff, with an optional photo."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="project_updates",
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    photo = models.ImageField(
        _("photo"),
        upload_to=project_update_path,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
    )
    photo_width = models.PositiveIntegerField(default=0, editable=False)
    photo_height = models.PositiveIntegerField(default=0, editable=False)
    photo_alt = models.CharField(_("description of the photo"), max_length=200, blank=True)
    # The delivery state this update left the project in, for the record.
    delivery_status = models.CharField(
        _("delivery status"), max_length=16, choices=DeliveryStatus.choices
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MaxValueValidator(100)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("project update")
        verbose_name_plural = _("project updates")
        constraints = [
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_alt=""), name="project_update_photo_has_alt"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="project_update_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.date}"
