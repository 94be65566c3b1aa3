"""Sequential Phragmén for approval ballots.

Voters earn virtual money continuously; a project is bought as soon as its supporters
together have earned its cost, and they spend all they have on it, so afterwards each of
them carries the same *load*. The next project is the one whose supporters would reach the
lowest maximal load: ``(sum of their loads + cost) / approvals``. The count stops as soon
as a project that would be bought next (any project tied for the lowest load) no longer
fits the budget, as in pabutools. Projects costing more than the whole budget are never
considered, nor are projects nobody approved.

Loads are kept exactly: each voter's load is the load set by the last project they
approved that was bought, so a project's load sum is an integer combination of the (few)
loads set so far. Floats pick the candidates and exact rationals decide between any whose
loads are within a relative 1e-9 (all terms are positive, so floats are far more accurate).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .types import APPROVAL_TYPES, Profile

_TOL = 1e-9


def phragmen_indices(profile: Profile) -> list[int]:
    """Return the project indices bought by sequential Phragmén, in order."""
    if profile.vote_type not in APPROVAL_TYPES:
        raise ValueError("sequential Phragmén needs approval ballots")
    budget = Fraction(profile.budget)
    costs = profile.costs
    approvals = np.array(profile.approvals, dtype=np.int64)
    cands = [j for j in range(len(costs)) if approvals[j] > 0 and costs[j] <= budget]
    if not cands:
        return []
    inc = profile.support_matrix
    weights = profile.weights
    # cnt[q, k]: approvals of q from voters whose load was set by the k-th purchase
    # (column 0: no purchase yet, load 0).
    cnt = np.zeros((len(costs), len(cands) + 1), dtype=np.int64)
    cnt[:, 0] = approvals
    last = np.zeros(profile.num_groups, dtype=np.int64)
    loads: list[Fraction] = [Fraction(0)]
    loads_f = np.zeros(len(cands) + 1)
    cost_f = np.array([float(c) for c in costs])
    remaining = list(cands)
    chosen: list[int] = []
    spent = Fraction(0)
    while remaining:
        rem = np.array(remaining)
        new_f = (cnt[rem] @ loads_f + cost_f[rem]) / approvals[rem]
        lowest = new_f.min()
        near = rem[new_f <= lowest * (1 + _TOL) + 1e-300].tolist()
        exact = {
            q: (
                sum(
                    (int(n) * loads[k] for k, n in enumerate(cnt[q, : len(loads)]) if n),
                    Fraction(0),
                )
                + costs[q]
            )
            / int(approvals[q])
            for q in near
        }
        low = min(exact.values())
        tied = [q for q in near if exact[q] == low]
        if any(spent + costs[q] > budget for q in tied):
            break
        p = min(tied, key=lambda q: profile.rank[q])
        chosen.append(p)
        spent += costs[p]
        remaining.remove(p)
        col = len(loads)
        loads.append(low)
        loads_f[col] = float(low)
        sup = profile.supporters[p]
        old = last[sup]
        w = weights[sup]
        for k in np.unique(old).tolist():
            mask = old == k
            cnt[:, k] -= w[mask] @ inc[sup[mask]]
        cnt[:, col] += w @ inc[sup]
        last[sup] = col
    return chosen
