"""Bar charts drawn as SVG by the server: no JavaScript, readable without colour."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

LABEL_WIDTH = 220
BAR_SPACE = 300
ROW_HEIGHT = 30
_ids = count(1)


def bar_chart(rows, *, title: str, unit: str) -> dict:
    """Geometry for ``templates/coproduction/_bar_chart.html`` from (label, value) rows."""
    rows = [(str(label), Decimal(value or 0)) for label, value in rows]
    largest = max((value for _label, value in rows), default=Decimal("0"))
    bars = []
    for index, (label, value) in enumerate(rows):
        width = int(BAR_SPACE * value / largest) if largest > 0 and value > 0 else 0
        bars.append(
            {
                "label": label if len(label) <= 30 else label[:29] + "…",
                "full_label": label,
                "value": value,
                "width": width,
                "y": index * ROW_HEIGHT,
                "text_y": index * ROW_HEIGHT + 20,
                "value_x": LABEL_WIDTH + width + 6,
            }
        )
    return {
        "id": f"chart-{next(_ids)}",
        "title": title,
        "unit": unit,
        "bars": bars,
        "height": max(len(bars), 1) * ROW_HEIGHT,
        "label_width": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH,
    }
