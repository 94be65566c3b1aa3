"""Forms of proposals: writing, reviewing, merging, delivery updates, list filters."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from pbudget.models import Cycle, District, Phase
from proposals.images import MAX_BYTES
from proposals.models import (
    MAX_IMAGES,
    Category,
    DeliveryStatus,
    Proposal,
    ProposalStatus,
)

IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


#: The longest title a resident may give a proposal.
TITLE_MAX_LENGTH = 140


class ProposalForm(forms.ModelForm):
    """A resident's proposal with up to MAX_IMAGES new images.

    Saving a draft asks only for the title and the district; submitting asks for the rest
    (the service checks that too).
    """

    class Meta:
        model = Proposal
        fields = [
            "title",
            "summary",
            "description",
            "category",
            "district",
            "place",
            "latitude",
            "longitude",
            "estimated_cost",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 10}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "estimated_cost": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        }
        help_texts = {
            "description": _(
                "What should be done, where, and why it matters. Markdown is allowed: "
                "**bold**, *italic*, lists with “-”, links as [text](https://…)."
            ),
            "latitude": _("Optional, e.g. 40.416775."),
            "longitude": _("Optional, e.g. -3.703790."),
        }

    def __init__(
        self, *args, cycle: Cycle, is_draft: bool, existing_images=(), user=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.cycle = cycle
        title = self.fields["title"]
        title.max_length = TITLE_MAX_LENGTH
        title.validators.append(MaxLengthValidator(TITLE_MAX_LENGTH))
        title.widget.attrs["maxlength"] = str(TITLE_MAX_LENGTH)
        self.user = user
        self.held: dict[int, dict] = {}  # slot → held image from an earlier failed submission
        self.fields["district"].queryset = District.objects.filter(budgets__cycle=cycle)
        self.fields["district"].empty_label = _("Choose a district")
        self.fields["category"].queryset = Category.objects.all()
        self.fields["category"].empty_label = _("Choose a category")
        self.fields["estimated_cost"].label = _("Estimated cost (%(currency)s)") % {
            "currency": cycle.currency
        }
        self.fields["estimated_cost"].help_text = _(
            "Your best guess; reviewers set the official cost."
        )
        self.existing_images = list(existing_images)
        for image in self.existing_images:
            self.fields[f"alt_existing_{image.pk}"] = forms.CharField(
                label=_("Description of this image"),
                max_length=200,
                initial=image.alt_text,
                required=False,
            )
            self.fields[f"remove_{image.pk}"] = forms.BooleanField(
                label=_("Remove this image"), required=False
            )
        self.new_slots = list(range(1, MAX_IMAGES - len(self.existing_images) + 1))
        for slot in self.new_slots:
            self.fields[f"image_{slot}"] = forms.ImageField(
                label=_("Image %(number)s") % {"number": len(self.existing_images) + slot},
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
                help_text=_("JPEG, PNG, WebP or GIF, up to 5 MB. Location data is removed."),
            )
            self.fields[f"held_{slot}"] = forms.CharField(
                required=False, widget=forms.HiddenInput, max_length=1000
            )
            self.fields[f"alt_{slot}"] = forms.CharField(
                label=_("Description of image %(number)s")
                % {"number": len(self.existing_images) + slot},
                max_length=200,
                required=False,
                help_text=_("What the image shows, for people who cannot see it."),
            )
        required_always = {"title", "district"}
        for name in ("summary", "description", "category"):
            self.fields[name].required = not is_draft
        for name in required_always:
            self.fields[name].required = True

    def image_slots(self):
        """(file field, alt text field, hidden held field, held image) of each empty slot."""
        return [
            (
                self[f"image_{slot}"],
                self[f"alt_{slot}"],
                self[f"held_{slot}"],
                self.held.get(slot),
            )
            for slot in self.new_slots
        ]

    def existing_image_fields(self):
        return [
            (image, self[f"alt_existing_{image.pk}"], self[f"remove_{image.pk}"])
            for image in self.existing_images
        ]

    def clean(self):
        from proposals import pending

        cleaned = super().clean()
        for slot in self.new_slots:
            upload = cleaned.get(f"image_{slot}")
            if not upload and self.user is not None:
                held = pending.read(cleaned.get(f"held_{slot}", ""), user=self.user)
                if held:
                    self.held[slot] = held
            if upload and upload.size > MAX_BYTES:
                self.add_error(
                    f"image_{slot}",
                    _("This image is larger than 5 MB. Choose a smaller one."),
                )
            alt = (cleaned.get(f"alt_{slot}") or "").strip()
            if (upload or slot in self.held) and not alt:
                self.add_error(
                    f"alt_{slot}",
                    _("Describe what the image shows, for people who cannot see it."),
                )
        for image in self.existing_images:
            if (
                not cleaned.get(f"remove_{image.pk}")
                and not (cleaned.get(f"alt_existing_{image.pk}") or "").strip()
            ):
                self.add_error(
                    f"alt_existing_{image.pk}",
                    _("Describe what the image shows, for people who cannot see it."),
                )
        return cleaned

    def proposal_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields} | {
            "summary": self.cleaned_data.get("summary") or "",
            "description": self.cleaned_data.get("description") or "",
        }

    def new_images(self) -> list[tuple[int, object, str]]:
        """(slot, file, alt text) of each new image: chosen now, or held from last time."""
        from proposals import pending

        images = []
        for slot in self.new_slots:
            upload = self.cleaned_data.get(f"image_{slot}")
            if not upload and slot in self.held:
                upload = pending.open_file(self.held[slot])
            if upload:
                images.append((slot, upload, self.cleaned_data[f"alt_{slot}"]))
        return images

    def hold_images(self) -> list[str]:
        """After an error: keep each readable new image for the next submission.

        Returns the names of the files that could not be kept and must be attached again.
        """
        from proposals import pending

        lost = []
        for slot in self.new_slots:
            upload = self.files.get(f"image_{slot}") if self.files else None
            if upload is None:
                continue
            field_errors = self.errors.get(f"image_{slot}")
            held = None if field_errors else pending.hold(upload, user=self.user)
            if held is None:
                lost.append(upload.name)
                continue
            self.held[slot] = held
        # Keep the held tokens in the hidden inputs of the form as rendered again.
        data = self.data.copy()
        for slot, held in self.held.items():
            data[f"held_{slot}"] = held["token"]
        self.data = data
        return lost

    def discard_held(self) -> None:
        from proposals import pending

        for held in self.held.values():
            pending.discard(held)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing it? (optional, shown publicly)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    """A reviewer's decision on one proposal."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("feasible", _("Feasible: it goes to the ballot")),
            ("not_feasible", _("Not feasible")),
        ],
        widget=forms.RadioSelect,
    )
    official_cost = forms.DecimalField(
        label=_("Official cost"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    explanation = forms.CharField(
        label=_("Public explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the proposal's page. Required when it is not feasible."),
    )
    department = forms.CharField(label=_("Responsible department"), required=False, max_length=120)
    program = forms.CharField(label=_("Program"), required=False, max_length=120)
    account_code = forms.CharField(label=_("Account code"), required=False, max_length=60)
    internal_notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see these. Never shown to the public."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official_cost"].label = _("Official cost (%(currency)s)") % {
            "currency": currency
        }

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == "feasible" and cleaned.get("official_cost") is None:
            self.add_error(
                "official_cost",
                _("Give the official cost: feasible proposals go to the ballot with it."),
            )
        if decision == "not_feasible" and not (cleaned.get("explanation") or "").strip():
            self.add_error(
                "explanation", _("Explain to the public why this proposal is not feasible.")
            )
        return cleaned


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        label=_("Keep this proposal"),
        queryset=Proposal.objects.none(),
        empty_label=_("Choose the proposal to keep"),
    )
    note = forms.CharField(
        label=_("Public note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in both proposals' history and sent to both authors."),
    )

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            Proposal.objects.filter(
                cycle=proposal.cycle,
                status__in=[
                    ProposalStatus.SUBMITTED,
                    ProposalStatus.FEASIBLE,
                    ProposalStatus.NOT_FEASIBLE,
                ],
            )
            .exclude(pk=proposal.pk)
            .order_by("title")
        )
        self.fields["into"].label_from_instance = lambda p: f"#{p.pk} {p.title}"


class ProjectUpdateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}))
    delivery_status = forms.ChoiceField(label=_("Delivery status"), choices=DeliveryStatus.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    cancellation_reason = forms.CharField(
        label=_("Reason for cancellation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the project is cancelled."),
    )
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=_("Optional. JPEG, PNG, WebP or GIF, up to 5 MB."),
    )
    photo_alt = forms.CharField(
        label=_("Description of the photo"),
        required=False,
        max_length=200,
        help_text=_("Required with a photo: what it shows."),
    )


class ListFilterForm(forms.Form):
    """The list's search box, filters and sort (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    cycle = forms.ChoiceField(label=_("Cycle"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Relevance or newest")),
            ("newest", _("Newest")),
            ("supports", _("Most supported")),
            ("cost_low", _("Cost, lowest first")),
            ("cost_high", _("Cost, highest first")),
        ],
    )

    def __init__(self, *args, cycles, districts, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["cycle"].choices = [("", _("All cycles"))] + [(c.slug, c.name) for c in cycles]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.slug, d.name) for d in districts
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]
        self.fields["status"].choices = [("", _("Any status"))] + [
            (value, label)
            for value, label in ProposalStatus.choices
            if value != ProposalStatus.DRAFT
        ]
        self.fields["phase"].choices = [("", _("Any phase"))] + [
            (value, label) for value, label in Phase.choices if value != Phase.UPCOMING
        ]


class ReviewQueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    cycle = forms.ChoiceField(label=_("Cycle"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("To review")),
            (ProposalStatus.FEASIBLE, _("Feasible")),
            (ProposalStatus.NOT_FEASIBLE, _("Not feasible")),
            ("all", _("All")),
        ],
    )

    def __init__(self, *args, cycles, districts, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.input_type = "search"
        self.fields["cycle"].choices = [("", _("All cycles in review"))] + [
            (c.slug, c.name) for c in cycles
        ]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.slug, d.name) for d in districts
        ]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]


class ProjectFilterForm(forms.Form):
    """Filters of the funded projects page: cycle, district and delivery status (by slug)."""

    cycle = forms.ChoiceField(label=_("Cycle"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Delivery"), required=False)

    def __init__(self, *args, cycles, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", _("All cycles"))] + [(c.slug, c.name) for c in cycles]
        self.fields["district"].choices = [("", _("All districts"))] + [
            (d.slug, d.name) for d in districts
        ]
        self.fields["status"].choices = [("", _("Any stage")), *DeliveryStatus.choices]
