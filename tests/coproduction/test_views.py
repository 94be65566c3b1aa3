"""Pages: forms keep what was typed, posts call services, values show where they should."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coproduction.models import LedgerEntry, Offer, Pledge, ValuationRate
from tests.coproduction.factories import make_entry, skill
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_resident_saves_an_offer_and_sees_it_on_their_page(client, resident):
    staff_login(client, resident)
    response = client.post(
        reverse("coproduction:offer_edit"),
        {
            "skills": [skill("carpentry").pk, skill("painting").pk],
            "hours_per_month": "6",
            "tools": "Ladder",
            "languages": "English, Spanish",
            "visibility": "listed",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("coproduction:mine")).content.decode()
    assert "Carpentry, Painting and decorating" in page
    assert Offer.objects.get(user=resident).hours_per_month == 6


def test_a_pledge_form_with_errors_keeps_what_was_typed(client, resident, proposal):
    staff_login(client, resident)
    url = reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk})
    response = client.post(url, {"kind": "skilled", "hours": "12", "people": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the skill you pledge." in page
    assert 'value="12"' in page
    assert not Pledge.objects.exists()


def test_a_resident_pledges_and_a_reviewer_accepts(client, resident, reviewer, proposal):
    staff_login(client, resident)
    url = reverse("coproduction:pledge_create", kwargs={"pk": proposal.pk})
    response = client.post(
        url,
        {"kind": "materials", "description": "Paint", "quantity": "10 l",
         "estimated_value": "150", "people": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert pledge.status == "pending"

    staff_login(client, reviewer)
    assert "Paint" in client.get(reverse("coproduction:pledge_review_list")).content.decode()
    decide = reverse("coproduction:pledge_decide", kwargs={"pk": pledge.pk})
    assert client.post(decide, {"decision": "decline"}).status_code == 400
    assert client.post(decide, {"decision": "accept"}).status_code == 302
    pledge.refresh_from_db()
    assert (pledge.status, pledge.value) == ("accepted", Decimal("150"))
    page = client.get(url).content.decode()
    assert "40,000 EUR public cost + 150 EUR in residents&#x27; time and materials" in page


def test_a_contributor_logs_goods_with_a_photo_and_bad_files_are_refused(client, resident, project):
    staff_login(client, resident)
    url = reverse("coproduction:entry_create", kwargs={"pk": project.pk})
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    fields = {"kind": "materials", "worked_on": day, "description": "Timber",
              "fair_value": "90"}  # fmt: skip

    fake = SimpleUploadedFile("photo.png", b"MZ not an image", "image/png")
    response = client.post(url, {**fields, "evidence": fake})
    assert response.status_code == 400
    assert "not a readable image" in response.content.decode()
    assert 'value="Timber"' in response.content.decode()

    wrong = SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream")
    assert client.post(url, {**fields, "evidence": wrong}).status_code == 400

    photo = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    response = client.post(url, {**fields, "evidence": photo})
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    evidence = client.get(reverse("coproduction:entry_evidence", kwargs={"pk": entry.pk}))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content) == png_bytes()
    # The file lives outside the public media folder and has no URL of its own.
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / entry.evidence.name
    assert stored.is_file()
    assert not (Path(settings.MEDIA_ROOT) / entry.evidence.name).exists()
    with pytest.raises(ValueError, match="no URL"):
        entry.evidence.url  # noqa: B018


def test_a_coordinator_logs_on_behalf_of_a_pledger(client, project, neighbour):
    coordinator = make_user("coord@example.org")
    project.coordinator = coordinator
    project.save()
    Pledge.objects.create(
        proposal=project, pledger=neighbour, kind="general", hours=Decimal("4"),
        status="accepted", value=Decimal("1"), currency="EUR",
    )  # fmt: skip
    staff_login(client, coordinator)
    url = reverse("coproduction:entry_create", kwargs={"pk": project.pk})
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url, {"contributor": neighbour.pk, "kind": "general", "worked_on": day, "hours": "3"}
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.contributor, entry.entered_by) == (neighbour, coordinator)


def test_a_finance_officer_verifies_and_sees_the_value(
    client, resident, finance, project, django_capture_on_commit_callbacks
):
    entry = make_entry(project, resident, hours=Decimal("2"))
    staff_login(client, finance)
    url = reverse("coproduction:entry_decide", kwargs={"pk": entry.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "verify"})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "66.98 USD" in page
    assert "Independent Sector" in page
    assert "Memo only" in page


def test_a_finance_officer_adds_a_rate_and_bad_input_is_kept(client, finance):
    staff_login(client, finance)
    url = reverse("coproduction:rate_create")
    fields = {
        "kind": "occupation", "occupation_code": "", "occupation_title": "Plumbers",
        "amount": "31.30", "currency": "USD", "fringe_percent": "42", "publisher": "BLS",
        "series": "OEWS", "data_year": "2023", "geography": "United States",
        "source_url": "https://www.bls.gov/oes/", "valid_from": "2024-04-01",
    }  # fmt: skip
    response = client.post(url, fields)
    assert response.status_code == 400
    assert 'value="Plumbers"' in response.content.decode()
    response = client.post(url, {**fields, "occupation_code": "47-2152"})
    assert response.status_code == 302
    assert ValuationRate.objects.filter(occupation_code="47-2152").exists()
    assert "47-2152" in client.get(reverse("coproduction:rate_list")).content.decode()


def test_the_dashboard_draws_svg_charts(client, resident, finance, project):
    make_entry(project, resident, hours=Decimal("5"), verified_by=finance)
    from coproduction.valuation import value_unvalued

    value_unvalued()
    page = client.get(
        reverse("coproduction:cycle_dashboard", kwargs={"slug": project.cycle.slug})
    ).content.decode()
    assert '<svg viewBox="0 0 620' in page
    assert "Benches for the riverside" in page
    assert "167.45 USD" in page
    assert "never converted" in page  # the cycle is in EUR, the default rate in USD


def test_the_budget_line_page_shows_cash_and_in_kind_side_by_side(client, project):
    page = client.get(reverse("coproduction:project", kwargs={"pk": project.pk})).content
    page = page.decode()
    assert "Cash cost (appropriated)" in page
    assert "40,000 EUR" in page
    assert "Leverage ratio" in page


def test_the_dashboard_opens_on_the_latest_cycle_with_deliveries(client, resident, finance):
    from tests.coproduction.factories import make_project
    from tests.factories import make_cycle

    make_cycle(phase="ideas", slug="newest")  # the current cycle, with nothing yet
    project = make_project(make_cycle(phase="implementation", slug="older"))
    make_entry(project, resident, verified_by=finance)

    page = client.get(reverse("coproduction:dashboard")).content.decode()

    assert "Coproduction in Cycle older" in page


def test_the_dashboard_lists_accepted_pledges_by_proposal(client, resident, proposal):
    Pledge.objects.create(
        proposal=proposal, pledger=resident, kind="materials", description="Soil",
        estimated_value=Decimal("90"), status="accepted", value=Decimal("90"), currency="EUR",
    )  # fmt: skip

    page = client.get(reverse("coproduction:dashboard")).content.decode()

    assert "Accepted pledges by proposal" in page
    assert "90 EUR" in page


def test_a_resident_coordinator_finds_their_projects_and_the_queue(client, project, resident):
    project.coordinator = resident
    project.save()
    staff_login(client, resident)

    page = client.get(reverse("coproduction:mine")).content.decode()

    assert "Projects I coordinate" in page
    assert reverse("coproduction:ledger_queue") in page
    assert reverse("coproduction:entry_create", kwargs={"pk": project.pk}) in page
