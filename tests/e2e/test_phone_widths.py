"""In Chromium on a 360 px phone: no public page of the demo city is wider than the screen,
in English or in Spanish (tables scroll inside their own box, long words wrap)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]

PAGES = [
    "/",
    "/cycles/",
    "/proposals/",
    "/projects/",
    "/forum/",
    "/forum/green-2027/",
    "/results/",
    "/results/budget-2025/old-town/",
    "/results/chicago-35th-2021/city-wide/",
    "/results/budget-2024/",
    "/turnout/budget-2025/",
    "/receipts/budget-2025/",
    "/coproduction/",
    "/vote/",
]


def test_no_public_page_is_wider_than_a_phone(phone_page):
    from pbudget.demo import load_demo_data

    load_demo_data()
    page = phone_page
    page.goto("/proposals/")
    links = page.eval_on_selector_all("a[href^='/proposals/']", "els => els.map(e => e.href)")
    details = sorted({re.sub(r"^https?://[^/]+", "", link) for link in links} - set(PAGES))
    details = [path for path in details if re.fullmatch(r"/proposals/\d+/", path)][:3]
    assert details
    too_wide = []
    for language in ("en", "es"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": page.url}])
        for path in PAGES + details:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide.append((language, path, width))
    assert too_wide == []
