"""Every chart draws in every language: numbers inside SVG never go through localisation."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

GEOMETRY = {"x", "y", "x1", "y1", "x2", "y2", "width", "height", "cx", "cy", "r"}
SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def _chart_pages() -> list[str]:
    from deliberation.models import CommonGround

    activity = CommonGround.objects.filter(cycle__slug="green-2027").first()
    return [
        reverse("ballots:results_detail", args=["budget-2025", "old-town"]),
        reverse("ballots:turnout", args=["budget-2025"]),
        reverse("coproduction:dashboard"),
        reverse("deliberation:commonground_report", args=[activity.pk]),
    ]


def _numbers(svg: str) -> list[str]:
    """Every geometric attribute of an SVG (parsed as XML) that is not a plain number."""
    root = ET.fromstring(svg)  # noqa: S314  (our own page)
    wrong = []
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in GEOMETRY:
                try:
                    float(value.removesuffix("%"))
                except ValueError:
                    wrong.append(f"{element.tag} {name}={value!r}")
    box = root.attrib["viewBox"].split()
    wrong += [f"viewBox {part!r}" for part in box if not re.fullmatch(r"-?\d+(\.\d+)?", part)]
    return wrong


@pytest.mark.slow
def test_every_chart_parses_with_plain_numbers_in_english_and_spanish(client):
    from pbudget.demo import load_demo_data

    load_demo_data()
    for language in ("en", "es"):
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        for url in _chart_pages():
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert f'<html lang="{language}">' in html
            charts = SVG.findall(html)
            assert charts, f"no chart on {url}"
            for svg in charts:
                svg = svg.replace("&nbsp;", " ")
                assert _numbers(svg) == [], (language, url)
