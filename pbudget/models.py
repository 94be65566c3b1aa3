"""The shared core: users, districts, cycles and their budgets."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager, _user_has_perm
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    """Users are identified by e-mail; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        """Create a resident account."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        """Create a superuser (for emergencies; administrators are a group)."""
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person with an account: a resident, and possibly staff in one or more roles."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown next to what you write. Leave empty to appear as “Resident”."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        help_text=_("The language pbudget uses for your pages and e-mails."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.public_name

    @property
    def public_name(self) -> str:
        """The name shown to other people: never the e-mail address."""
        return self.display_name or str(_("Resident"))

    def get_full_name(self) -> str:
        return self.public_name

    def has_perm(self, perm: str, obj=None) -> bool:
        """Superusers hold every permission only after this session's second factor."""
        from pbudget.mfa import second_factor_passed

        if self.is_active and self.is_superuser and not second_factor_passed(self):
            return _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)

    def get_short_name(self) -> str:
        return self.public_name


class District(models.Model):
    """An area of the city with its own share of the budget; one may be city-wide."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    is_citywide = models.BooleanField(
        _("city-wide"),
        default=False,
        help_text=_("Projects for the whole city; every resident may vote on them."),
    )
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["-is_citywide", "position", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(
                fields=["is_citywide"],
                condition=Q(is_citywide=True),
                name="district_one_citywide",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    """The phases of a cycle, in order."""

    UPCOMING = "upcoming", _("Upcoming")
    IDEAS = "ideas", _("Ideas")
    REVIEW = "review", _("Review")
    VOTING = "voting", _("Voting")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Implementation")


class VotingMethod(models.TextChoices):
    APPROVAL = "approval", _("Approval: choose up to N projects")
    KNAPSACK = "knapsack", _("Knapsack: choose projects that fit the budget")
    CUMULATIVE = "cumulative", _("Cumulative: spread points over projects")
    RANKED = "ranked", _("Ranked: order your top K projects")


class TallyRule(models.TextChoices):
    GREEDY = "greedy", _("Greedy: most votes first, while the money lasts")
    MES = "mes", _("Method of Equal Shares")
    MES_ADD1 = "mes-add1", _("Method of Equal Shares, completed by raising budgets")
    MES_ADD1_GREEDY = "mes-add1-greedy", _("Method of Equal Shares, completed, then greedy")
    PHRAGMEN = "phragmen", _("Sequential Phragmén")


currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code, such as EUR or USD."), code="currency"
)


class CycleQuerySet(models.QuerySet["Cycle"]):
    def published(self) -> CycleQuerySet:
        """Cycles visible to the public."""
        return self.filter(is_published=True)

    def current(self) -> Cycle | None:
        """The cycle a visitor most likely cares about now.

        The published cycle whose ideas phase has opened most recently; if none has
        opened yet, the next one to open.
        """
        now = timezone.now()
        opened = self.published().filter(ideas_opens__lte=now).order_by("-ideas_opens").first()
        return opened or self.published().order_by("ideas_opens").first()


class Cycle(models.Model):
    """One participatory budgeting round.

    The phase is derived from the dates, never stored: ideas → review → voting →
    results → implementation. Each date is the moment its phase opens; the next date
    closes it.
    """

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), validators=[MinValueValidator(2000)]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_validator]
    )
    is_published = models.BooleanField(_("published"), default=True)

    ideas_opens = models.DateTimeField(_("ideas phase opens"))
    review_opens = models.DateTimeField(_("review phase opens"))
    voting_opens = models.DateTimeField(_("voting opens"))
    voting_closes = models.DateTimeField(_("voting closes (results phase opens)"))
    implementation_opens = models.DateTimeField(_("implementation phase opens"))

    voting_method = models.CharField(
        _("voting method"),
        max_length=16,
        choices=VotingMethod.choices,
        default=VotingMethod.APPROVAL,
    )
    max_choices = models.PositiveSmallIntegerField(
        _("approval: most projects a voter may choose"), default=5
    )
    min_spend_share = models.DecimalField(
        _("knapsack: least share of the budget a ballot must spend"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Between 0 and 1; 0 means no minimum."),
    )
    points_total = models.PositiveSmallIntegerField(_("cumulative: points per voter"), default=10)
    points_max_per_project = models.PositiveSmallIntegerField(
        _("cumulative: most points on one project"), default=5
    )
    rank_count = models.PositiveSmallIntegerField(_("ranked: projects to rank"), default=3)
    tally_rule = models.CharField(
        _("tally rule"), max_length=20, choices=TallyRule.choices, default=TallyRule.GREEDY
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum voting age"), default=16)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-ideas_opens"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.CheckConstraint(
                condition=Q(review_opens__gt=F("ideas_opens"))
                & Q(voting_opens__gt=F("review_opens"))
                & Q(voting_closes__gt=F("voting_opens"))
                & Q(implementation_opens__gte=F("voting_closes")),
                name="cycle_phase_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(min_spend_share__gte=0) & Q(min_spend_share__lte=1),
                name="cycle_min_spend_share_0_1",
            ),
            models.CheckConstraint(
                condition=Q(points_max_per_project__lte=F("points_total")),
                name="cycle_points_max_le_total",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cycle_detail", kwargs={"slug": self.slug})

    def phase_at(self, moment) -> Phase:
        """Return the phase the cycle is in at ``moment``."""
        if moment < self.ideas_opens:
            return Phase.UPCOMING
        if moment < self.review_opens:
            return Phase.IDEAS
        if moment < self.voting_opens:
            return Phase.REVIEW
        if moment < self.voting_closes:
            return Phase.VOTING
        if moment < self.implementation_opens:
            return Phase.RESULTS
        return Phase.IMPLEMENTATION

    @property
    def phase(self) -> Phase:
        """The phase now."""
        return self.phase_at(timezone.now())

    @property
    def is_voting_frozen(self) -> bool:
        """Method, budgets, limits and the project list are frozen once voting opens."""
        return timezone.now() >= self.voting_opens

    def timeline(self) -> list[dict]:
        """The phases with their start and end, and which one is current."""
        current = self.phase
        bounds = [
            (Phase.IDEAS, self.ideas_opens, self.review_opens),
            (Phase.REVIEW, self.review_opens, self.voting_opens),
            (Phase.VOTING, self.voting_opens, self.voting_closes),
            (Phase.RESULTS, self.voting_closes, self.implementation_opens),
            (Phase.IMPLEMENTATION, self.implementation_opens, None),
        ]
        order = [p for p, _start, _end in bounds]
        current_index = order.index(current) if current in order else -1
        return [
            {
                "phase": phase,
                "label": phase.label,
                "starts": start,
                "ends": end,
                "is_current": phase == current,
                "is_past": index < current_index,
            }
            for index, (phase, start, end) in enumerate(bounds)
        ]


class DistrictBudget(models.Model):
    """The money a district can spend in a cycle, in the cycle's currency."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="budgets")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="budgets")
    # Decimal, in the currency of the cycle.
    amount = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["-district__is_citywide", "district__position", "district__name"]
        verbose_name = _("district budget")
        verbose_name_plural = _("district budgets")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "district"], name="budget_one_per_district"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district}: {self.amount} {self.cycle.currency}"
