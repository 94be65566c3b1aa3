"""Forms of the core."""

from __future__ import annotations

import itertools
from decimal import Decimal

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context
from allauth.mfa.base import forms as mfa_forms
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle, District, User
from pbudget.services import FROZEN_FIELDS, cycle_closing_movable
from pbudget.signin import signin_attempt

DATE_FIELDS = [
    "ideas_opens",
    "review_opens",
    "voting_opens",
    "voting_closes",
    "implementation_opens",
]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CycleForm(forms.ModelForm):
    """A cycle, its phase dates, voting method and a budget field per district."""

    class Meta:
        model = Cycle
        fields = [
            "name",
            "slug",
            "description",
            "fiscal_year",
            "currency",
            "is_published",
            *DATE_FIELDS,
            "voting_method",
            "max_choices",
            "min_spend_share",
            "points_total",
            "points_max_per_project",
            "rank_count",
            "tally_rule",
            "minimum_age",
        ]
        widgets = {name: DateTimeInput() for name in DATE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DATE_FIELDS:
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        current = {}
        if self.instance.pk:
            current = {b.district_id: b.amount for b in self.instance.budgets.all()}
        self.districts = list(District.objects.all())
        for district in self.districts:
            self.fields[self.budget_field_name(district)] = forms.DecimalField(
                label=_("Budget for %(district)s") % {"district": district.name},
                required=False,
                max_digits=14,
                decimal_places=2,
                min_value=Decimal("0"),
                validators=[MinValueValidator(Decimal("0"))],
                initial=current.get(district.pk),
                help_text=_("Leave empty if the district takes no part in this cycle."),
            )
        self.is_frozen = bool(self.instance.pk and self.instance.is_voting_frozen)
        if self.is_frozen:
            frozen = [*FROZEN_FIELDS, *self.budget_field_names()]
            if not cycle_closing_movable(cycle=self.instance):
                frozen.append("voting_closes")
            for name in frozen:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Frozen: voting has opened.")
            if "voting_closes" not in frozen:
                self.fields["voting_closes"].help_text = _(
                    "Voting is open: its closing can only be moved later."
                )

    @staticmethod
    def budget_field_name(district: District) -> str:
        return f"budget_{district.pk}"

    def budget_field_names(self) -> list[str]:
        return [self.budget_field_name(d) for d in self.districts]

    def budget_fields(self):
        return [self[name] for name in self.budget_field_names()]

    def clean(self):
        cleaned = super().clean()
        order = [(name, cleaned.get(name)) for name in DATE_FIELDS]
        for (earlier_name, earlier), (later_name, later) in itertools.pairwise(order):
            if earlier is None or later is None:
                continue
            must_be_after = later_name != "implementation_opens"
            if (must_be_after and later <= earlier) or (later < earlier):
                self.add_error(
                    later_name,
                    forms.ValidationError(
                        _("Must be after “%(earlier)s”.")
                        % {"earlier": self.fields[earlier_name].label},
                        code="date_order",
                    ),
                )
        total = cleaned.get("points_total")
        most = cleaned.get("points_max_per_project")
        if total is not None and most is not None and most > total:
            self.add_error(
                "points_max_per_project",
                forms.ValidationError(
                    _("Cannot be more than the points per voter."), code="points_max"
                ),
            )
        share = cleaned.get("min_spend_share")
        if share is not None and share > 1:
            self.add_error(
                "min_spend_share",
                forms.ValidationError(_("Use a share between 0 and 1."), code="share_range"),
            )
        has_budget = any(cleaned.get(name) is not None for name in self.budget_field_names())
        if self.districts and not has_budget:
            self.add_error(
                None,
                forms.ValidationError(_("Give at least one district a budget."), code="no_budget"),
            )
        return cleaned

    def model_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def budgets(self) -> dict[District, Decimal | None]:
        return {d: self.cleaned_data.get(self.budget_field_name(d)) for d in self.districts}


class DistrictForm(forms.ModelForm):
    class Meta:
        model = District
        fields = ["name", "slug", "is_citywide", "description", "position"]


class ProfileForm(forms.ModelForm):
    """What a person may change about their own account."""

    class Meta:
        model = User
        fields = ["display_name", "language"]
        widgets = {"language": forms.Select()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["language"].widget.choices = [("", _("Browser default")), *settings.LANGUAGES]


class SignupForm(allauth_forms.SignupForm):
    """allauth's sign-up, answering as slowly for an address that has an account as for a new one.

    A new account costs a password hash (Argon2 in production), a known address only a
    lookup: the difference would tell who has an account. So the known address's password is
    hashed too, and thrown away; allauth then mails that address, as it mails a new one.
    """

    display_name = forms.CharField(
        label=_("Public name"),
        max_length=80,
        help_text=_(
            "Shown next to your proposals and comments, for example “Ana from Old Town”. "
            "Never your e-mail address."
        ),
    )
    field_order = ["email", "display_name", "password1", "password2"]

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if "@" in name:
            raise forms.ValidationError(
                _("Use a name, not an e-mail address: everyone can see it."), code="email_as_name"
            )
        return name

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class SecondFactorLimitMixin:
    """An authenticator code is a sign-in try: slowed per address and per (account, address)."""

    def clean_code(self) -> str:
        attempt = signin_attempt(context.request, kind="mfa", account=str(self.user.pk))
        if attempt is None:
            raise get_account_adapter().validation_error("too_many_login_attempts")
        code = super().clean_code()  # a wrong code raises, and the try stays counted
        attempt.succeeded()
        return code


class MFAAuthenticateForm(SecondFactorLimitMixin, mfa_forms.AuthenticateForm):
    """The code asked at sign-in."""


class MFAReauthenticateForm(SecondFactorLimitMixin, mfa_forms.ReauthenticateForm):
    """The code asked again before a sensitive change."""
