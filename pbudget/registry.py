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


# Providers of extra HTML shown with proposals on the list, detail and ballot pages, e.g.
# the coproduction app's "€40,000 public cost + €6,200 in residents' time". A provider takes
# (proposals, place) — place is "list", "detail" or "ballot" — and returns
# {proposal pk: safe HTML}; it should run a constant number of queries for the batch.
PROPOSAL_EXTRAS: list[Callable] = []


def add_proposal_extra(provider: Callable) -> None:
    """Register a provider of extra HTML for proposals (see PROPOSAL_EXTRAS)."""
    if provider not in PROPOSAL_EXTRAS:
        PROPOSAL_EXTRAS.append(provider)


def proposal_extras(proposals, place: str) -> dict:
    """Collect every provider's HTML for ``proposals``: {pk: safe HTML}."""
    from django.utils.safestring import mark_safe

    proposals = list(proposals)
    combined: dict = {}
    for provider in PROPOSAL_EXTRAS:
        for pk, html in provider(proposals, place).items():
            combined[pk] = combined.get(pk, "") + str(html)
    return {pk: mark_safe(html) for pk, html in combined.items()}  # noqa: S308  (providers return escaped HTML)


# Sections shown on a proposal's own page after its details, e.g. the deliberation app's
# discussion. A provider takes the proposal and returns safe HTML (or "" for none).
PROPOSAL_SECTIONS: list[Callable] = []


def add_proposal_section(provider: Callable) -> None:
    """Register a provider of a section of the proposal page (see PROPOSAL_SECTIONS)."""
    if provider not in PROPOSAL_SECTIONS:
        PROPOSAL_SECTIONS.append(provider)


def proposal_sections(proposal) -> list:
    """Every provider's section for ``proposal``, in registration order, empty ones left out."""
    from django.utils.safestring import mark_safe

    sections = (str(provider(proposal)) for provider in PROPOSAL_SECTIONS)
    return [mark_safe(html) for html in sections if html]  # noqa: S308  (providers escape)


# Housekeeping: each entry deletes what has outlived its use (expired export files, images
# held for abandoned forms, expired sessions) and returns how many things it removed. The
# core's ``housekeeping`` task runs them all on a schedule (see pbudget.tasks).
CLEANUPS: list[tuple[str, Callable[[], int]]] = []


def add_cleanup(name: str, cleanup: Callable[[], int]) -> None:
    """Run ``cleanup()`` at every housekeeping pass under ``name``; it must be idempotent."""
    if all(existing != name for existing, _fn in CLEANUPS):
        CLEANUPS.append((name, cleanup))


# Facts about a cycle that only a feature app can tell, asked by the core's rules:
# "has_ballots" (someone is on the voter roll: the cycle can no longer be deleted) and
# "count_started" (a count of its ballots exists: voting can no longer be extended). An app
# registers ``check(cycle_id) -> bool`` under a fact's name, e.g. the ballots app.
CYCLE_FACTS: dict[str, list[Callable[[int], bool]]] = {}


def add_cycle_fact(name: str, check: Callable[[int], bool]) -> None:
    """Answer the fact ``name`` about a cycle with ``check(cycle_id)``."""
    checks = CYCLE_FACTS.setdefault(name, [])
    if check not in checks:
        checks.append(check)


def cycle_fact(name: str, cycle_id: int) -> bool:
    """Whether any registered check says the fact ``name`` holds for the cycle."""
    return any(check(cycle_id) for check in CYCLE_FACTS.get(name, []))
