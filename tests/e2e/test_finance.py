"""In Chromium: a finance officer (with the second factor) prepares and downloads each
export format once; the finance pages pass axe-core."""

from __future__ import annotations

import zipfile

import pytest
from django.urls import reverse

from tests.coproduction.test_finance_world import export_dir_fixture, world_fixture  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    from coproduction.skills import ensure_taxonomy

    ensure_taxonomy()


FORMATS = [
    ("CSV: budget lines", "finance-2026-2026-budget-lines.csv"),
    ("Excel workbook (XLSX)", "finance-2026-2026-budget.xlsx"),
    ("Fiscal Data Package (ZIP)", "finance-2026-2026-fiscal-data-package.zip"),
    ("CSV: contributed non-financial assets", "finance-2026-2026-contributed-assets.csv"),
]


def test_a_finance_officer_downloads_each_format_once(page, sign_in_as, axe_check, world, tmp_path):
    sign_in_as(page, world["finance"])
    page.goto(reverse("coproduction:finance"))
    axe_check(page)
    page.get_by_role("link", name="Finance 2026").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Budget lines")
    axe_check(page)

    for label, file_name in FORMATS:
        page.goto(reverse("coproduction:finance_cycle", args=["finance-2026"]))
        page.get_by_label(label).check()
        page.get_by_role("button", name="Prepare the export").click()
        link = page.get_by_role("link", name=f"Download {file_name}")
        link.wait_for()
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == file_name
        saved = tmp_path / file_name
        download.save_as(saved)
        if file_name.endswith(".csv"):
            assert saved.read_bytes().decode().count("\r\n") >= 3
        else:
            assert zipfile.is_zipfile(saved)
        page.reload()
        assert "Downloaded on" in page.locator("#export-progress").inner_text()

    axe_check(page)
    page.goto(reverse("coproduction:finance_cycle", args=["finance-2026"]))
    assert page.get_by_role("heading", name="Your recent exports").is_visible()


def test_a_used_link_shows_a_clear_page(page, sign_in_as, world):
    from coproduction.finance import services

    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    job = services.export_run(job_id=job.pk)
    job.downloaded_at = job.finished_at
    job.save(update_fields=["downloaded_at"])
    sign_in_as(page, world["finance"])

    response = page.goto(reverse("coproduction:finance_download", args=[job.token]))

    assert response.status == 410
    assert "used already" in page.locator("main").inner_text()
    page.get_by_role("link", name="Prepare a new export").click()
    assert page.get_by_role("heading", name="Export", exact=True).is_visible()
