"""Images are checked by Pillow, at most 5 MB, re-encoded without EXIF, at most 3."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from proposals import services
from proposals.images import MAX_BYTES, clean_image
from proposals.models import ProposalImage, ProposalStatus
from tests.proposals.factories import image_bytes, image_upload, make_proposal

pytestmark = pytest.mark.django_db


def _exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to display upright
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0)}  # GPS IFD
    return exif.tobytes()


def test_given_a_photo_with_exif_and_gps_when_cleaned_then_no_metadata_remains():
    upload = SimpleUploadedFile("p.jpg", image_bytes(size=(80, 40), exif=_exif_with_gps()))
    cleaned = clean_image(upload)
    with Image.open(io.BytesIO(cleaned.read())) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        # Turned upright by its orientation before the tag was dropped.
        assert image.size == (40, 80)
    assert b"SecretCam" not in cleaned.read()


def test_given_a_text_file_named_jpg_when_cleaned_then_it_is_refused():
    upload = SimpleUploadedFile("evil.jpg", b"<?php echo 'hi'; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        clean_image(upload)
    assert error.value.code == "not_an_image"
    assert "evil.jpg" in error.value.messages[0]


def test_given_a_truncated_image_when_cleaned_then_it_is_refused():
    data = image_bytes(fmt="PNG", size=(200, 200))[:120]
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("cut.png", data))
    assert error.value.code == "not_an_image"


def test_given_an_upload_over_5_mb_when_cleaned_then_it_is_refused():
    upload = SimpleUploadedFile("big.jpg", b"\xff" * (MAX_BYTES + 1))
    with pytest.raises(ValidationError) as error:
        clean_image(upload)
    assert error.value.code == "image_too_large"


def test_given_a_huge_image_when_cleaned_then_it_is_shrunk_to_2000_px():
    upload = SimpleUploadedFile("wide.png", image_bytes(fmt="PNG", size=(4000, 1000)))
    with Image.open(clean_image(upload)) as image:
        assert image.size == (2000, 500)


def test_given_a_transparent_png_when_cleaned_then_it_stays_a_png():
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    cleaned = clean_image(SimpleUploadedFile("t.png", out.getvalue()))
    assert cleaned.name.endswith(".png")


def test_given_a_proposal_when_a_fourth_image_is_added_then_it_is_refused(ideas_cycle, author):
    proposal = make_proposal(cycle=ideas_cycle, author=author, status=ProposalStatus.DRAFT)
    for number in range(3):
        services.proposal_image_add(
            proposal=proposal, upload=image_upload(f"{number}.jpg"), alt_text=f"View {number}"
        )
    with pytest.raises(ValidationError) as error:
        services.proposal_image_add(proposal=proposal, upload=image_upload(), alt_text="Fourth")
    assert error.value.code == "too_many_images"
    assert list(proposal.images.values_list("position", flat=True)) == [0, 1, 2]


def test_given_no_alt_text_when_an_image_is_added_then_it_is_refused(ideas_cycle, author):
    proposal = make_proposal(cycle=ideas_cycle, author=author, status=ProposalStatus.DRAFT)
    with pytest.raises(ValidationError) as error:
        services.proposal_image_add(proposal=proposal, upload=image_upload(), alt_text="  ")
    assert error.value.code == "alt_required"
    assert not ProposalImage.objects.exists()


def test_given_a_stored_image_then_its_file_name_is_random_and_not_the_upload_name(
    ideas_cycle, author
):
    proposal = make_proposal(cycle=ideas_cycle, author=author, status=ProposalStatus.DRAFT)
    image = services.proposal_image_add(
        proposal=proposal, upload=image_upload("my-home-address.jpg"), alt_text="A bench"
    )
    assert "my-home-address" not in image.image.name
    assert image.width == 80 and image.height == 60
