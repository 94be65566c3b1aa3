"""The Method of Equal Shares (MES) and its "add1" completion.

Every voter starts with an equal share of the budget. In each round the project that its
supporters can buy at the lowest price per unit of utility ``rho`` is bought: each supporter
pays ``min(budget, rho * utility)``. A project whose supporters together hold less than its
cost is out. Utility is the project's cost for approval ballots (cost utilities) and the
points given for cumulative ballots. Ties in ``rho`` go by the tie rule.

The fast engine works in float64 over grouped ballots with NumPy and keeps every decision
exact: whenever two prices or a supporters' total and a cost are closer than a tolerance far
above the rounding error, it raises :class:`NearTie` and the election is recounted in exact
rational arithmetic (:func:`_run_exact`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .types import APPROVAL_TYPES, Profile

#: Longest dot product handed to BLAS in one call. OpenBLAS splits longer ones across
#: threads that then spin while waiting for work, which costs more CPU than the product.
DOT_CHUNK = 8192


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Return the dot product of two float vectors, in single-threaded pieces."""
    n = len(a)
    if n <= DOT_CHUNK:
        return float(a.dot(b))
    return sum(
        float(a[i : i + DOT_CHUNK].dot(b[i : i + DOT_CHUNK])) for i in range(0, n, DOT_CHUNK)
    )


#: Relative tolerance for "too close to call in floats". Rounding errors of the sums involved
#: are around n * 2**-53 (n voters) relative, far below this.
TOL = 1e-9


class NearTie(Exception):
    """Raised when floats cannot decide a comparison and exact arithmetic is needed."""


@dataclass
class MESOutcome:
    """The projects bought by one MES run, with the price ``rho`` each was bought at."""

    selected: list[int]
    rhos: list[float] = field(default_factory=list)
    errs: list[float] = field(default_factory=list)
    #: The exact price where it is known cheaply (no poor supporter), else None.
    exacts: list[Fraction | None] = field(default_factory=list)
    exact: bool = False


class MESEngine:
    """Precomputed data for running MES on one profile, possibly many times (add1)."""

    def __init__(self, profile: Profile) -> None:
        if profile.vote_type == "ordinal":
            raise ValueError("MES needs approval or cumulative ballots, not ordinal ones")
        self.profile = profile
        self.approval = profile.vote_type in APPROVAL_TYPES
        m = len(profile.ids)
        self.rank = profile.rank
        weights = profile.weights.astype(np.float64)
        self.sup = profile.supporters
        self.w = [weights[s] for s in self.sup]
        self.w_int = [profile.weights[s] for s in self.sup]
        # Utilities: the cost (approval) or the points (cumulative).
        if self.approval:
            self.u_exact: list[list[Fraction | int]] = [
                [profile.costs[j]] * len(self.sup[j]) for j in range(m)
            ]
            self.u = [np.full(len(self.sup[j]), float(profile.costs[j])) for j in range(m)]
        else:
            self.u_exact = [[int(x) for x in profile.scores[j]] for j in range(m)]
            self.u = [profile.scores[j].astype(np.float64) for j in range(m)]
        self.c = [float(x) for x in profile.costs]
        self.d = [float(self.w[j] @ self.u[j]) if len(self.sup[j]) else 0.0 for j in range(m)]
        supported = [j for j in range(m) if len(self.sup[j])]
        # Free projects with support are bought first, as in pabutools; in tie order here.
        self.free = sorted(
            (j for j in supported if profile.costs[j] == 0), key=lambda j: self.rank[j]
        )
        self.cands = [j for j in supported if profile.costs[j] > 0]
        self.cos = profile.cosupported
        # Total utility of each project, exactly: cost * approvals, or the points summed.
        self.total_u: dict[int, Fraction | int] = {
            j: (profile.costs[j] * int(self.w_int[j].sum()))
            if self.approval
            else int(self.w_int[j] @ profile.scores[j])
            for j in self.cands
        }
        #: The price of a project when no supporter is poor; a lower bound on its price.
        self.exact_lb = {j: Fraction(profile.costs[j]) / self.total_u[j] for j in self.cands}

        # Projects with the same cost and supporters (and points) share a clone class.
        keys: dict[tuple, int] = {}
        self._clone_id = {
            j: keys.setdefault(
                (profile.costs[j], self.sup[j].tobytes(), profile.scores[j].tobytes()), len(keys)
            )
            for j in self.cands
        }

    def is_clone(self, a: int, b: int) -> bool:
        """Return True if projects a and b have the same cost and the same supporters."""
        return self._clone_id[a] == self._clone_id[b]

    def run(self, beta: Fraction, budget: Fraction | None = None) -> MESOutcome:
        """Run MES with ``beta`` per voter; exact, falling back to rationals on near ties."""
        try:
            out = self._run_float(float(beta), None)
        except NearTie:
            return self._run_exact(beta)
        assert out is not None
        return out

    # -- float engine ---------------------------------------------------------------------

    def supporter_budgets(self, j: int, b: np.ndarray) -> tuple[np.ndarray, float]:
        """Return project j's supporters' budgets under ``b`` and their weighted total.

        The total is below the cost if j is unaffordable, above it if affordable; raises
        NearTie when it is too close to the cost for floats to tell.
        """
        bb = b.take(self.sup[j])
        total = dot(self.w[j], bb)
        c = self.c[j]
        if c * (1 - TOL) <= total <= c * (1 + TOL):
            raise NearTie
        return bb, total

    def _rho(self, j: int, b: np.ndarray) -> tuple[float, float, Fraction | None] | None:
        """Return (rho, error bound, exact rho or None) of project j, or None if unaffordable.

        The exact price is known for free when no supporter is poor: it is cost / total
        utility. This is the common case, and it makes equal prices (two projects with the
        same number of approvals, say) exactly comparable without a rational recount.
        """
        bb, total = self.supporter_budgets(j, b)
        w = self.w[j]
        c = self.c[j]
        if total < c:
            return None
        u = self.u[j]
        ratio = bb / u
        rho = c / self.d[j]
        s_poor = 0.0
        d_rich = self.d[j]
        n_poor = 0
        # Poor/rich fixpoint: voters who cannot pay rho * u pay all they have; raising rho
        # until the rest cover the cost. Each pass only adds poor voters, so it terminates.
        while True:
            poor = ratio < rho
            k = int(np.count_nonzero(poor))
            if k == n_poor:
                break
            n_poor = k
            s_poor = float(w[poor] @ bb[poor])
            d_rich = self.d[j] - float(w[poor] @ u[poor])
            if d_rich <= 0:
                raise NearTie
            rho = (c - s_poor) / d_rich
        exact = self.exact_lb[j] if n_poor == 0 else None
        return rho, TOL * (c + s_poor) / d_rich, exact

    def _run_float(self, beta: float, ref: MESOutcome | None) -> MESOutcome | None:
        """Run MES in floats. With ``ref``, return None unless the run certifies it.

        Certifying ``ref`` (computed at a lower beta) means: same selections, and in each
        round every other affordable project is dearer here than the selected one was in
        ``ref`` (or exactly as dear and after it in the tie order). Raises NearTie when
        floats cannot decide. (add1 now uses :mod:`ballots.tally.add1`; ``ref`` is kept for
        checks by hand.)
        """
        m = len(self.profile.ids)
        b = np.full(self.profile.num_groups, beta)
        lb = np.zeros(m)
        lb_err = np.zeros(m)
        ex: list[Fraction | None] = [None] * m
        for j in self.cands:
            lb[j] = self.c[j] / self.d[j]
            lb_err[j] = TOL * lb[j]
        fresh = np.zeros(m, dtype=bool)
        remaining = list(self.cands)
        rank = self.rank
        out = MESOutcome(list(self.free))
        t = 0
        while True:
            remaining.sort(key=lambda j: (lb[j], rank[j]))
            if ref is not None and t < len(ref.rhos):
                ref_p = ref.selected[len(self.free) + t]
                ref_hi = ref.rhos[t] + ref.errs[t]
                ref_ex = ref.exacts[t]
            else:
                ref_p, ref_hi, ref_ex = -1, -math.inf, None
            best = -1
            best_rho = best_err = math.inf
            keep = []
            for pos, j in enumerate(remaining):
                # lb is a lower bound of j's price (prices only rise within a run).
                limit = max(best_rho + best_err, ref_hi)
                if lb[j] - lb_err[j] > limit:
                    keep.extend(remaining[pos:])
                    break
                if not fresh[j]:
                    r = self._rho(j, b)
                    if r is None:
                        continue  # unaffordable now, so for the rest of the run
                    lb[j], lb_err[j], ex[j] = r
                    fresh[j] = True
                keep.append(j)
                if best < 0 or self._before(j, best, lb, lb_err, ex):
                    best, best_rho, best_err = j, lb[j], lb_err[j]
            remaining = keep
            if ref is not None:
                if best != ref_p:
                    return None
                for j in remaining:
                    if j != best and lb[j] - lb_err[j] <= ref_hi:
                        # j may be cheaper than ref's choice somewhere in between, unless
                        # both prices are exact and j loses the comparison.
                        if ex[j] is None or ref_ex is None:
                            return None
                        if (ex[j], rank[j]) < (ref_ex, rank[best]):
                            return None
            if best < 0:
                return out
            out.selected.append(best)
            out.rhos.append(best_rho)
            out.errs.append(best_err)
            out.exacts.append(ex[best])
            remaining.remove(best)
            idx = self.sup[best]
            newb = b[idx] - best_rho * self.u[best]
            np.maximum(newb, 0.0, out=newb)
            b[idx] = newb
            fresh[self.cos[best]] = False
            t += 1

    def _before(
        self, j: int, best: int, lb: np.ndarray, err: np.ndarray, ex: list[Fraction | None]
    ) -> bool:
        """Return True if project j is bought before ``best`` (lower price, then tie order)."""
        if lb[j] + err[j] < lb[best] - err[best]:
            return True
        if lb[j] - err[j] > lb[best] + err[best]:
            return False
        # Too close to call in floats: exact prices decide, or clones (equal prices).
        ej, eb = ex[j], ex[best]
        if ej is not None and eb is not None:
            return (ej, self.rank[j]) < (eb, self.rank[best])
        if self.is_clone(j, best):
            return bool(self.rank[j] < self.rank[best])
        raise NearTie

    # -- exact engine ---------------------------------------------------------------------

    def _run_exact(self, beta: Fraction) -> MESOutcome:
        """Run MES in exact rational arithmetic (slow; used when floats cannot decide)."""
        m = len(self.profile.ids)
        b: list[Fraction] = [Fraction(beta)] * self.profile.num_groups
        lb: dict[int, Fraction] = dict(self.exact_lb)
        fresh = [False] * m
        remaining = list(self.cands)
        rank = self.rank
        out = MESOutcome(list(self.free), exact=True)
        while True:
            remaining.sort(key=lambda j: (lb[j], rank[j]))
            best = -1
            keep = []
            for pos, j in enumerate(remaining):
                if best >= 0 and lb[j] > lb[best]:
                    keep.extend(remaining[pos:])
                    break
                if not fresh[j]:
                    r = self._rho_exact(j, b)
                    if r is None:
                        continue
                    lb[j] = r
                    fresh[j] = True
                keep.append(j)
                if best < 0 or (lb[j], rank[j]) < (lb[best], rank[best]):
                    best = j
            remaining = keep
            if best < 0:
                return out
            rho = lb[best]
            out.selected.append(best)
            out.rhos.append(float(rho))
            out.errs.append(float(rho) * 1e-15)
            out.exacts.append(rho)
            remaining.remove(best)
            for g, u in zip(self.sup[best].tolist(), self.u_exact[best], strict=False):
                b[g] = max(b[g] - rho * u, Fraction(0))
            for k in np.flatnonzero(self.cos[best]).tolist():
                fresh[k] = False

    def _rho_exact(self, j: int, b: list[Fraction]) -> Fraction | None:
        """Return the exact price of project j under budgets b, or None if unaffordable."""
        cost = Fraction(self.profile.costs[j])
        items = [
            (b[g], int(w), u)
            for g, w, u in zip(self.sup[j].tolist(), self.w_int[j], self.u_exact[j], strict=False)
        ]
        if sum((bb * w for bb, w, _ in items), Fraction(0)) < cost:
            return None
        items.sort(key=lambda it: it[0] / it[2])
        paid = Fraction(0)
        denom = sum(w * u for _, w, u in items)
        for bb, w, u in items:
            rho = (cost - paid) / denom
            if rho * u <= bb:
                return rho
            paid += bb * w
            denom -= w * u
        raise AssertionError("affordable project without a price")


def mes_indices(profile: Profile) -> list[int]:
    """Return the project indices bought by MES (no completion), in order."""
    if profile.num_voters == 0:
        return []
    engine = MESEngine(profile)
    return engine.run(Fraction(profile.budget) / profile.num_voters).selected


def mes_add1_indices(profile: Profile, engine: MESEngine | None = None) -> list[int]:
    """Return MES completed by raising every voter's budget 1 unit at a time ("add1").

    The outcome for per-voter budget ``B/n + k`` is computed for k = 0, 1, 2, ...; the last
    outcome whose cost is within the budget before the first one that is not is returned
    (pabutools' ``exhaustion_by_budget_increase`` with ``exhaustive_stop=False``, budget
    step ``n``), stopping at k = B as pabutools does.

    Each run starts from the price bounds of the previous one and works out few prices;
    after many steps with the same outcome it hands over to a search that follows prices
    as lines in the per-voter budget (see :mod:`ballots.tally.add1`). The result is the
    one stepping would give.
    """
    from .add1 import add1_indices

    n = profile.num_voters
    if n == 0:
        return []
    engine = engine or MESEngine(profile)
    return add1_indices(profile.budget, n, engine)[0]
