"""Forms of the finance pages: budget codes and the export format."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coproduction.finance.selectors import CODE_FIELDS
from coproduction.models import BudgetCoding, ExportFormat


class BudgetCodingForm(forms.Form):
    """Fund and codes; the codes the review set are shown but cannot be changed here."""

    fund = forms.CharField(
        label=_("Fund"),
        max_length=60,
        required=False,
        help_text=_("The fund the project is paid from, e.g. 100 General Fund."),
    )
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    program = forms.CharField(label=_("Program"), max_length=120, required=False)
    account_code = forms.CharField(
        label=_("Account code"),
        max_length=60,
        required=False,
        help_text=_("The economic classification (object code) in the city's chart of accounts."),
    )

    def __init__(self, *args, project, coding: BudgetCoding | None, **kwargs):
        initial = (
            {field: getattr(coding, field) for field in ("fund", *CODE_FIELDS)} if coding else {}
        )
        for field in CODE_FIELDS:
            if getattr(project, field):
                initial[field] = getattr(project, field)
        super().__init__(*args, initial=initial, **kwargs)
        for field in CODE_FIELDS:
            if getattr(project, field):
                self.fields[field].disabled = True
                self.fields[field].help_text = _("Set by the review.")


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        widget=forms.RadioSelect,
    )
