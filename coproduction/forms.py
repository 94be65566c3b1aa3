"""Forms of the coproduction app: they validate input; services hold the rules."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduction.models import (
    GOODS_KINDS,
    LABOUR_KINDS,
    ContributionKind,
    Offer,
    RateKind,
    Skill,
    ValuationRate,
)
from pbudget.models import District

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {"pdf": "PDF", "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def validate_evidence(upload) -> None:
    """A receipt or photo: PDF, JPEG, PNG or WebP, at most 5 MB, and really what it says."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(_("Upload a PDF, JPEG, PNG or WebP file."), code="evidence_type")
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="evidence_size")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    expected = EVIDENCE_TYPES[extension]
    if expected == "PDF":
        if not head.startswith(b"%PDF-"):
            raise ValidationError(_("This file is not a PDF."), code="evidence_content")
        return
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            _("This file is not a readable image."), code="evidence_content"
        ) from error
    finally:
        upload.seek(0)
    if found != expected:
        raise ValidationError(
            _("The file's content does not match its name."), code="evidence_content"
        )


class OfferForm(forms.ModelForm):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Offer
        fields = [
            "skills",
            "hours_per_month",
            "district",
            "tools",
            "space",
            "languages",
            "note",
            "visibility",
        ]
        widgets = {
            "tools": forms.Textarea(attrs={"rows": 2}),
            "space": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 2}),
            "visibility": forms.RadioSelect,
        }


class OfferContactForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "pbudget sends it by e-mail. Neither of you sees the other's address: leave a way "
            "to answer you if you want one."
        ),
    )


class OfferSearchForm(forms.Form):
    skill = forms.ModelChoiceField(
        label=_("Skill"), queryset=Skill.objects.all(), required=False, empty_label=_("Any skill")
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("Any district"),
    )
    text = forms.CharField(label=_("Tools, space or language"), required=False, max_length=80)


class PledgeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you pledge?"), choices=ContributionKind.choices, widget=forms.RadioSelect
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal("5000"),
        decimal_places=2,
        help_text=_("For labour: the hours in total, for everyone taking part."),
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.all(),
        required=False,
        help_text=_("For skilled labour."),
    )
    is_own_profession = forms.BooleanField(
        label=_("This skill is my profession"),
        required=False,
        help_text=_("Professional work is valued at that occupation's market wage."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=240,
        required=False,
        help_text=_("For materials, equipment or space: what it is."),
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False)
    estimated_value = forms.DecimalField(
        label=_("Estimated value"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("For materials, equipment or space: its fair market or rental value."),
    )
    group_name = forms.CharField(
        label=_("On behalf of a group (optional)"),
        max_length=120,
        required=False,
        help_text=_("The name of your group, association or business."),
    )
    people = forms.IntegerField(
        label=_("People taking part"), min_value=1, max_value=500, initial=1
    )

    def __init__(self, *args, currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("skill", "is_own_profession"):
            self.fields[name].widget.attrs["data-kind-only"] = "skilled"
        if currency:
            self.fields["estimated_value"].label = _("Estimated value (%(currency)s)") % {
                "currency": currency
            }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in LABOUR_KINDS and not data.get("hours"):
            self.add_error("hours", _("Say how many hours you pledge."))
        if kind == ContributionKind.SKILLED_LABOUR and not data.get("skill"):
            self.add_error("skill", _("Choose the skill you pledge."))
        if kind in GOODS_KINDS:
            if data.get("estimated_value") is None:
                self.add_error("estimated_value", _("Give an estimated value (0 if unsure)."))
            if not data.get("description"):
                self.add_error("description", _("Describe what you pledge."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to decline. The person who offered will read it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for declining."))
        return data


class VerifyForm(DecisionForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verify", _("Verify")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )


class LedgerEntryForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What was delivered?"), choices=ContributionKind.choices, widget=forms.RadioSelect
    )
    worked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        help_text=_("For labour: the hours worked that day."),
    )
    skill = forms.ModelChoiceField(
        label=_("Skill"),
        queryset=Skill.objects.all(),
        required=False,
        help_text=_("For skilled labour."),
    )
    is_own_profession = forms.BooleanField(
        label=_("This skill is the contributor's profession"), required=False
    )
    creates_asset = forms.BooleanField(
        label=_("The work built or improved something that lasts"),
        required=False,
        help_text=_("A structure, a garden, equipment."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=240,
        required=False,
        help_text=_("What was done, given or lent."),
    )
    quantity = forms.CharField(label=_("Quantity"), max_length=60, required=False)
    fair_value = forms.DecimalField(
        label=_("Fair value"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("For goods: fair market value. For equipment or space: fair rental value."),
    )
    evidence = forms.FileField(
        label=_("Receipt or photo"),
        required=False,
        validators=[validate_evidence],
        help_text=_("PDF, JPEG, PNG or WebP, at most 5 MB. Required for materials."),
    )

    def __init__(self, *args, currency: str = "", contributors=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("skill", "is_own_profession"):
            self.fields[name].widget.attrs["data-kind-only"] = "skilled"
        self.fields["evidence"].widget.attrs["data-kind-only"] = "materials equipment space"
        if currency:
            self.fields["fair_value"].label = _("Fair value (%(currency)s)") % {
                "currency": currency
            }
        if contributors is not None:
            self.fields["contributor"] = forms.ModelChoiceField(
                label=_("Contributor"),
                queryset=contributors,
                help_text=_("Log on behalf of this person."),
            )
            self.order_fields(["contributor"])
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,.webp"

    def clean_worked_on(self):
        day = self.cleaned_data["worked_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future_date")
        return day

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in LABOUR_KINDS and not data.get("hours"):
            self.add_error("hours", _("Give the hours worked that day."))
        if kind == ContributionKind.SKILLED_LABOUR and not data.get("skill"):
            self.add_error("skill", _("Choose the skill used."))
        if kind in GOODS_KINDS:
            if data.get("fair_value") is None:
                self.add_error("fair_value", _("Give the fair value."))
            if not data.get("description"):
                self.add_error("description", _("Describe what was given or lent."))
        if (
            kind == ContributionKind.MATERIALS
            and not data.get("evidence")
            and "evidence" not in self.errors
        ):
            self.add_error("evidence", _("Attach a receipt or a photo of the materials."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=240)


class RateForm(forms.ModelForm):
    source_url = forms.URLField(label=_("Source URL"), max_length=400, assume_scheme="https")

    class Meta:
        model = ValuationRate
        fields = [
            "kind",
            "occupation_code",
            "occupation_title",
            "amount",
            "currency",
            "fringe_percent",
            "publisher",
            "series",
            "data_year",
            "geography",
            "source_url",
            "valid_from",
        ]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}

    def clean(self):
        data = super().clean()
        if data.get("kind") == RateKind.OCCUPATION and not data.get("occupation_code"):
            self.add_error("occupation_code", _("An occupation rate needs its SOC code."))
        if data.get("kind") == RateKind.GENERAL and data.get("occupation_code"):
            self.add_error("occupation_code", _("Leave the code empty for the general rate."))
        return data

    def _post_clean(self):
        # The model's check constraints are validated by the service.
        pass
