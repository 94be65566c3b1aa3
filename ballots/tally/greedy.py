"""Greedy by votes: fund projects in tie order (most votes first) while they fit."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from .types import Profile


def greedy_indices(
    profile: Profile,
    *,
    min_votes: int = 0,
    stop_at_first_misfit: bool = False,
    budget: Fraction | None = None,
    initial: Iterable[int] = (),
) -> list[int]:
    """Return the project indices funded by greedy-by-votes, in selection order.

    Projects are taken in the tie order (votes, then cost, then id). A project is funded if it
    still fits in what is left of ``budget``; with ``stop_at_first_misfit`` the first project
    that does not fit ends the count. Projects with fewer than ``min_votes`` votes are never
    funded. ``initial`` projects are already funded and their cost is already spent.
    """
    chosen = list(initial)
    taken = set(chosen)
    left = (profile.budget if budget is None else budget) - sum(
        (profile.costs[j] for j in chosen), Fraction(0)
    )
    for j in profile.tie_order:
        if j in taken:
            continue
        if profile.votes[j] < min_votes:
            break  # the tie order is by votes, so every later project has fewer
        if profile.costs[j] <= left:
            chosen.append(j)
            left -= profile.costs[j]
        elif stop_at_first_misfit:
            break
    return chosen
