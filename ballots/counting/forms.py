"""Forms of the count: importing a Pabulib file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pbudget.models import TallyRule

MAX_PB_BYTES = 50 * 1024 * 1024


class PabulibImportForm(forms.Form):
    file = forms.FileField(
        label=_("Pabulib file (.pb)"),
        help_text=_("A participatory budgeting election in the Pabulib format, from pabulib.org."),
    )
    slug = forms.SlugField(
        label=_("Slug of the new cycle"),
        max_length=80,
        help_text=_("Part of the cycle's address, such as assen-2024."),
    )
    rule = forms.ChoiceField(
        label=_("Tally rule"),
        choices=[("", _("The rule named in the file (greedy if none)")), *TallyRule.choices],
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PB_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."), code="too_large")
        try:
            self.text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not UTF-8 text; Pabulib files are."), code="encoding"
            ) from None
        return upload
