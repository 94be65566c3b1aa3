"""Factories for proposal tests: categories, proposals in a given status, images."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from proposals.markup import render_markdown
from proposals.models import Category, Proposal, ProposalStatus


def make_category(name: str = "Parks", slug: str | None = None) -> Category:
    category, _created = Category.objects.get_or_create(
        slug=slug or name.lower(), defaults={"name": name}
    )
    return category


def make_proposal(*, cycle, author=None, status=ProposalStatus.SUBMITTED, **fields) -> Proposal:
    """A proposal in ``status`` (feasible and later ones get an official cost)."""
    from pbudget.models import District

    description = fields.pop("description", "A **good** idea for the neighbourhood.")
    defaults = {
        "title": "Trees on the river walk",
        "summary": "Plant trees for shade.",
        "district": District.objects.get(slug="old-town"),
        "category": make_category(),
        "estimated_cost": Decimal("10000"),
    }
    if status in (ProposalStatus.FEASIBLE, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED):
        defaults["official_cost"] = Decimal("12000")
    defaults.update(fields)
    return Proposal.objects.create(
        cycle=cycle,
        author=author,
        status=status,
        description=description,
        description_html=render_markdown(description),
        **defaults,
    )


def image_bytes(
    fmt: str = "JPEG", size=(80, 60), colour="green", exif: bytes | None = None
) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def image_upload(name: str = "photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(**kwargs), content_type="image/jpeg")
