"""Where feature apps plug into the core without the core importing them.

Each app registers, in its ``AppConfig.ready()``, its navigation links, its cards on the
staff page and its demo data loader. The core only reads these lists, so dependencies
keep pointing one way (pbudget ← proposals ← deliberation, ballots, coproduction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    label: str  # a lazy translation
    url_name: str
    permission: str | None = None  # None: shown to everyone
    description: str = ""
    order: int = 50


NAV_LINKS: list[Link] = []
STAFF_LINKS: list[Link] = []
DEMO_LOADERS: list[tuple[int, Callable]] = []


def add_nav_link(link: Link) -> None:
    """Show a link in the main navigation."""
    if link not in NAV_LINKS:
        NAV_LINKS.append(link)
        NAV_LINKS.sort(key=lambda item: item.order)


def add_staff_link(link: Link) -> None:
    """Show a card on the staff page to users holding ``link.permission``."""
    if link not in STAFF_LINKS:
        STAFF_LINKS.append(link)
        STAFF_LINKS.sort(key=lambda item: item.order)


def add_demo_loader(loader: Callable, order: int = 50) -> None:
    """Run ``loader(now=...)`` after the core demo data, in ``order``; it must be idempotent."""
    if all(existing is not loader for _order, existing in DEMO_LOADERS):
        DEMO_LOADERS.append((order, loader))
        DEMO_LOADERS.sort(key=lambda item: item[0])
