"""Forms of the ballots app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ballots.selectors import BallotSection
from pbudget.models import Cycle, District, VotingMethod


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ResidencyForm(forms.Form):
    """The three details the census is checked against."""

    document_number = forms.CharField(
        label=_("Document number"),
        max_length=60,
        help_text=_("As printed on your identity card or residence permit."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput(attrs={"autocomplete": "bday"}),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Census file (CSV)"),
        help_text=_(
            "UTF-8 CSV with a header line: document_number, birth_date (YYYY-MM-DD), "
            "postal_code, district (slug or name)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."), code="extension")
        return upload


class ConflictResolveForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("reassign", _("Give the census entry to the claimant")),
            ("dismiss", _("Dismiss the claim; the current holder keeps it")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (for the record)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoothForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all())
    name = forms.CharField(label=_("Name"), max_length=120)
    place = forms.CharField(label=_("Address"), max_length=200, required=False)


class PaperDistrictForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District of the ballot paper"),
        queryset=District.objects.filter(is_citywide=False),
        empty_label=_("Choose a district"),
    )


def parse_ballot(
    cycle: Cycle, sections: list[BallotSection], data
) -> tuple[dict[int, int], list[str]]:
    """Read the choices out of a submitted ballot: {proposal id: value} and input errors.

    Approval and knapsack: checkboxes ``choice`` (value 1). Cumulative: ``points-<id>``.
    Ranked: ``rank-<id>``. Blank or 0 means not chosen.
    """
    values: dict[int, int] = {}
    errors: list[str] = []
    projects = {p.pk: p for section in sections for p in section.projects}
    if cycle.voting_method in (VotingMethod.APPROVAL, VotingMethod.KNAPSACK):
        for raw in data.getlist("choice"):
            try:
                values[int(raw)] = 1
            except (TypeError, ValueError):
                errors.append(str(_("A choice could not be read; please try again.")))
        return values, errors
    prefix = "points-" if cycle.voting_method == VotingMethod.CUMULATIVE else "rank-"
    for pk, project in projects.items():
        raw = (data.get(f"{prefix}{pk}") or "").strip()
        if not raw:
            continue
        try:
            number = int(raw)
        except ValueError:
            errors.append(
                str(_("“%(project)s”: enter a whole number.") % {"project": project.title})
            )
            continue
        if number < 0:
            errors.append(
                str(_("“%(project)s”: the number cannot be negative.") % {"project": project.title})
            )
            continue
        if number:
            values[pk] = number
    return values, errors
