"""Forms of deliberation: they validate input; services do the work."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.models import STATEMENT_MAX_LENGTH, FlagReason
from pbudget.models import Cycle
from proposals.models import Proposal

MARKDOWN_HELP = _("You can use Markdown: **bold**, *italic*, [links](https://…), lists.")


class TopicForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=140)
    body = forms.CharField(
        label=_("What do you want to discuss?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text=MARKDOWN_HELP,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=MARKDOWN_HELP,
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, reply_to=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reply_to is not None:
            self.fields["body"].label = _("Your reply")
            self.fields["parent"].initial = reply_to.pk
            self.prefix = f"reply-{reply_to.pk}"


class CommentEditForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=MARKDOWN_HELP,
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"), choices=FlagReason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional, but it helps moderators decide. Needed for “Something else”."),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == FlagReason.OTHER and not data.get("text", "").strip():
            self.add_error("text", _("Tell the moderators what is wrong."))
        return data


class ModerationForm(forms.Form):
    ACTIONS = [
        ("hide", _("Hide it, showing the reason in its place")),
        ("restore", _("Restore it (and dismiss the flags)")),
        ("dismiss", _("Dismiss the flags (shows it again if flags alone hid it)")),
        ("warn", _("Warn the author")),
        ("suspend", _("Suspend the author")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=240,
        help_text=_(
            "Told to the author by e-mail and kept in the moderation log. For “hide” it is "
            "also shown publicly in place of the content."
        ),
    )
    days = forms.IntegerField(
        label=_("Suspension length in days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Only for a suspension. Leave empty to suspend until a moderator lifts it."),
    )


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Why lift the suspension?"), max_length=240)


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": STATEMENT_MAX_LENGTH}),
        help_text=_("One clear idea others can agree or disagree with, in at most 140 characters."),
    )


class CommonGroundForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=Cycle.objects.all())
    proposal = forms.ModelChoiceField(
        label=_("Proposal"),
        queryset=Proposal.objects.public(),
        required=False,
        help_text=_("Leave empty for an activity about the whole cycle."),
    )
    title = forms.CharField(label=_("Title"), max_length=140)
    question = forms.CharField(
        label=_("Question"),
        max_length=240,
        help_text=_("What residents are asked, e.g. “What should our parks be like?”"),
    )
