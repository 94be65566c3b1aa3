"""Uploaded images: checked by Pillow, shrunk, and re-encoded without EXIF or location data."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024  # 5 MB per upload
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_SIDE = 2000  # stored images are at most this wide or tall
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def clean_image(upload) -> ContentFile:
    """Return a re-encoded copy of ``upload``, or raise ValidationError saying what is wrong.

    The copy is a JPEG (a PNG when the image has transparency), turned upright by its EXIF
    orientation, at most MAX_SIDE pixels on a side, with no metadata at all.
    """
    name = getattr(upload, "name", "") or "image"
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than 5 MB. Choose a smaller image.") % {"name": name},
            code="image_too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(image_format)
        if width * height > MAX_PIXELS:
            raise ValidationError(
                _("“%(name)s” has too many pixels. Choose a smaller image.") % {"name": name},
                code="image_too_many_pixels",
            )
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            has_alpha = image.mode in ("RGBA", "LA") or (
                image.mode == "P" and "transparency" in image.info
            )
            out = io.BytesIO()
            if has_alpha:
                clean = image.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
                extension = "png"
            else:
                clean = image.convert("RGB")
                clean.save(out, format="JPEG", quality=85, optimize=True)
                extension = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("“%(name)s” is not an image we can read. Use a JPEG, PNG, WebP or GIF file.")
            % {"name": name},
            code="not_an_image",
        ) from None
    return ContentFile(out.getvalue(), name=f"image.{extension}")
