"""The "add1" completion of MES: MES runs at increasing voter budgets, each reusing the last.

add1 runs MES with per-voter budget ``beta = B/n + k`` for k = 0, 1, 2, ... and keeps the
last outcome whose cost is within the budget B before the first one that is not. Running
MES from scratch for every k is slow (thousands of runs for budgets in forints), and most
of those runs repeat the previous one. Two facts make the repeats cheap.

1. Budgets only grow with beta. Fix the projects bought in rounds 1..t-1. Then every
   voter's budget at round t is a non-decreasing function of beta (more money makes the
   earlier projects cheaper, so everyone keeps more), hence every project's price at round
   t is non-increasing in beta. Within one run prices only rise from round to round.

2. Prices cannot fall much. Let a project's price be ``rho'`` under budgets ``b'``, with
   poor supporters (those paying all they have) ``P'`` and ``d_rich`` the utility of the
   others. If every budget grows by at most ``M`` (``b <= b' + M``), the price under ``b``
   is at least ``rho' - M * w(P') / d_rich``. Between a run at ``beta'`` and one at
   ``beta`` with the same projects bought before round t, every budget at round t grows
   by at most ``M_t = (beta - beta') + sum over rounds r < t of (u_max of the project
   bought at r) * (its price at beta' - its price at beta)``: a budget is ``beta`` minus
   the payments, and each payment falls by at most that much.

So each run keeps, for every round, a lower bound on every project's price and the
``w(P') / d_rich`` that goes with it. The next run (a higher beta) starts each round from
those bounds shifted by ``M_t`` and works out exact prices only for the projects whose
bound does not already put them behind the cheapest one: usually just the project bought
at that round in the previous run, whose price is needed to pay for it anyway. Once the
run chooses differently, the later rounds use this run's own bounds only (plain lazy MES).

Ranges of k are skipped with a certificate (fact 1): if the run at ``beta2`` buys the same
projects as the run at ``beta1 < beta2`` and, at every round, every other affordable
project at ``beta2`` is dearer than the bought one was at ``beta1`` (or loses the exact tie
rule to it), then every beta in between gives that outcome: there the bought project is at
most its price at ``beta1`` and the others at least their prices at ``beta2``. A project
unaffordable at ``beta2`` is unaffordable below it too.

Prices are computed in floats; every comparison keeps a relative margin ``TOL`` far above
the rounding error. Equal prices are compared exactly (``cost / total utility`` when no
supporter is poor, or clones); anything closer than the margin otherwise raises
:class:`NearTie` and that k is counted in exact rationals (a certificate just fails).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial

import numpy as np

from .add1_lines import bought_before, follow_lines
from .mes import TOL, MESEngine, NearTie
from .mes import dot as _dot

_add_reduce = np.add.reduce

#: Sort key of projects no longer in the running (above any price).
_BIG = 1e300

#: After this many steps in a row with the same outcome, hand over to the line-following
#: search of ``add1_lines`` (budgets in forints: thousands of steps between changes, which
#: its range certificates skip).
LONG_STREAK = 16


@dataclass
class _Run:
    """One MES run at ``beta``: what it bought, at which prices, and what it knew per round.

    ``low[t]``, ``ratio[t]`` and ``out[t]`` are taken when round t decides: a lower bound on
    every project's price at round t (minus the float margin already), its ``w(P')/d_rich``
    (0 when the bound holds for any budgets), and, for projects known to be unaffordable, an
    upper bound on their supporters' total budget (infinity for the others).
    """

    beta: float
    chosen: list[int] = field(default_factory=list)
    rho: list[float] = field(default_factory=list)
    err: list[float] = field(default_factory=list)
    exact: list[Fraction | None] = field(default_factory=list)
    low: list[np.ndarray] = field(default_factory=list)
    ratio: list[np.ndarray] = field(default_factory=list)
    out: list[np.ndarray] = field(default_factory=list)
    #: Positions of the poor supporters of the project bought at each round (or None).
    poor: list[np.ndarray | None] = field(default_factory=list)


class Add1Search:
    """Run MES at increasing per-voter budgets, each run reusing what the last one found."""

    def __init__(self, engine: MESEngine) -> None:
        self.engine = engine
        profile = engine.profile
        m = self.m = len(profile.ids)
        self.n_groups = profile.num_groups
        self.cands = list(engine.cands)
        self.rank = engine.rank
        self.approval = engine.approval
        self.free = list(engine.free)
        is_cand = np.zeros(m, dtype=bool)
        is_cand[self.cands] = True
        self.is_cand = is_cand
        cost = np.array([float(c) for c in engine.c])
        self.cost = cost
        self.cost_low = cost * (1 - TOL)
        # cost / total utility: the least price a project can have, less the float margin.
        elb = np.zeros(m)
        for j in self.cands:
            elb[j] = engine.c[j] / engine.d[j]
        self.elb_low = elb * (1 - TOL)
        # The exact order of (cost / total utility, tie rank): the order of two prices when
        # neither project has a poor supporter.
        order = sorted(self.cands, key=lambda j: (engine.exact_lb[j], self.rank[j]))
        self.pos = np.full(m, m, dtype=np.int64)
        for i, j in enumerate(order):
            self.pos[j] = i
        self.wsum = np.array([float(w.sum()) for w in engine.w])
        # Largest utility of a supporter: a price change of r moves a payment by <= r * umax.
        self.umax = [
            (engine.c[j] if engine.approval else float(engine.u[j].max()))
            if len(engine.u[j])
            else 0.0
            for j in range(m)
        ]
        self.inv_u = [1.0 / u for u in engine.u]
        self.cos = profile.cosupported
        self.runs = 0
        self.rounds_run = 0
        self.prices = 0

    # -- one project's price --------------------------------------------------------------

    def _price(self, j: int, b: np.ndarray, floor: float, hint: np.ndarray | None = None) -> tuple:
        """Return (rho, err, ratio, bb, poor), or (None, total) if j is unaffordable.

        ``bb`` are the supporters' budgets, ``ratio`` is ``w(poor) / d_rich`` and ``poor``
        the positions (in ``engine.sup[j]``) of the poor supporters. ``floor`` is a known
        lower bound of the price: the poor/rich fixpoint starts there (every supporter who
        cannot pay it is poor), which saves passes. ``hint`` is a guess of the poor
        supporters (those of the last run): if the price they give makes exactly them
        poor, it is the price, found in one pass.
        """
        self.prices += 1
        eng = self.engine
        bb, total = eng.supporter_budgets(j, b)
        w = eng.w[j]
        c = eng.c[j]
        if total < c:
            return None, total
        total_w = self.wsum[j]
        approval = self.approval
        if approval:
            scale = c  # in payments x = rho * cost (every supporter's utility is the cost)
            key = bb
        else:
            scale = 1.0
            key = bb * self.inv_u[j]
        if hint is not None and len(hint):
            w_poor = w.take(hint)
            bb_poor = bb.take(hint)
            s_poor = _dot(w_poor, bb_poor)
            w_poor_sum = float(_add_reduce(w_poor))
            if approval:
                d_rich = c * (total_w - w_poor_sum)
            else:
                d_rich = eng.d[j] - _dot(w_poor, eng.u[j].take(hint))
            if d_rich > 0:
                rho = (c - s_poor) / d_rich
                x = rho * scale
                key_poor = bb_poor if approval else key.take(hint)
                if int(np.count_nonzero(key < x)) == len(hint) and bool((key_poor < x).all()):
                    return rho, TOL * (c + s_poor) / d_rich, w_poor_sum / d_rich, bb, hint
        s_poor = 0.0
        n_poor = 0
        w_poor_sum = 0.0
        d = eng.d[j]
        d_rich = d
        poor = None
        rho = max(c / d, floor)
        # Poor/rich fixpoint: supporters who cannot pay rho * utility pay all they have;
        # raise rho until the others cover the rest. Each pass only adds poor supporters.
        while True:
            new = (key < rho * scale).nonzero()[0]
            k = len(new)
            if k <= n_poor:
                break
            n_poor, poor = k, new
            w_poor = w.take(new)
            s_poor = _dot(w_poor, bb.take(new))
            w_poor_sum = float(_add_reduce(w_poor))
            if approval:
                d_rich = c * (total_w - w_poor_sum)
            else:
                d_rich = d - _dot(w_poor, eng.u[j].take(new))
            if d_rich <= 0:
                raise NearTie
            rho = (c - s_poor) / d_rich
        return rho, TOL * (c + s_poor) / d_rich, w_poor_sum / d_rich, bb, poor

    # -- one run --------------------------------------------------------------------------

    def run(self, beta: float, ref: _Run | None = None) -> _Run:
        """Run MES at ``beta``, using the bounds of ``ref`` (any earlier run at a beta not
        above this one). Raises NearTie when floats cannot decide."""
        self.runs += 1
        eng = self.engine
        pos = self.pos
        cost_low = self.cost_low
        wsum = self.wsum
        before = partial(bought_before, eng, self.rank)
        b = np.full(self.n_groups, beta)
        low = self.elb_low.copy()
        ratio = np.zeros(self.m)
        out = np.full(self.m, np.inf)
        active = self.is_cand.copy()
        # ``low`` where active, else BIG: the order in which prices are looked at.
        key = np.where(active, low, _BIG)
        fresh = np.zeros(self.m, dtype=bool)
        val: dict[int, float] = {}
        err: dict[int, float] = {}
        exact: dict[int, Fraction] = {}
        bbs: dict[int, np.ndarray] = {}
        run = _Run(beta)
        # Budgets here exceed those of ``ref`` at its round ``s_ref`` by at most ``shift``:
        # every project ``ref`` bought before that round was bought here too.
        shift = beta - ref.beta if ref is not None else 0.0
        s_ref = 0
        n_ref = len(ref.chosen) if ref is not None else 0
        fresh_ref = ref is not None
        bought: dict[int, float] = {}  # project -> its price here, less the margin
        poor_of: dict[int, np.ndarray | None] = {}
        t = 0

        def compute(j: int) -> None:
            hint = (
                ref.poor[s_ref]
                if ref is not None and s_ref < n_ref and ref.chosen[s_ref] == j
                else None
            )
            got = self._price(j, b, float(low[j]), hint)
            if got[0] is None:
                active[j] = False
                key[j] = _BIG
                out[j] = got[1] * (1 + TOL)
                return
            rho, e, r, bb, poor = got
            val[j], err[j] = rho, e
            low[j] = key[j] = rho - e
            ratio[j] = r
            fresh[j] = True
            bbs[j] = bb
            poor_of[j] = poor
            if poor is None:
                exact[j] = eng.exact_lb[j]
            else:
                exact.pop(j, None)

        while True:
            self.rounds_run += 1
            if fresh_ref:
                assert ref is not None
                fresh_ref = False
                # ``ref``'s bounds at round s_ref, less what budgets may have grown by.
                r_low = ref.low[s_ref]
                moved = r_low - shift * ref.ratio[s_ref]
                better = moved > low
                if better.any():
                    np.copyto(low, moved, where=better)
                    np.copyto(ratio, ref.ratio[s_ref], where=better)
                    np.copyto(key, low, where=active)
                r_out = ref.out[s_ref] + shift * wsum
                gone = active & (r_out < cost_low)
                if gone.any():
                    active &= ~gone
                    key[gone] = _BIG
                    np.copyto(out, r_out, where=gone)
            # Lazy MES: compute the cheapest bound until it is an exact price, then every
            # project whose bound comes within that price (they may tie or undercut).
            best = -1
            while True:
                j = int(key.argmin())
                if key[j] >= _BIG:
                    break
                if not fresh[j]:
                    compute(j)
                    continue
                hi = val[j] + err[j]
                close = (key <= hi).nonzero()[0].tolist()
                if len(close) > 1:
                    ej = exact.get(j)
                    close = [
                        k for k in close if k != j and not (ej is not None and pos[k] > pos[j])
                    ]
                    stale = [k for k in close if not fresh[k]]
                    if stale:
                        for k in stale:
                            compute(k)
                        continue
                    best = j
                    for k in close:
                        if before(k, best, val, err, exact):
                            best = k
                else:
                    best = j
                break
            # Kept for the next run, less the float margin once.
            run.low.append(low * (1 - TOL))
            run.ratio.append(ratio.copy())
            run.out.append(out.copy())
            if best < 0:
                return run
            rho, e = val[best], err[best]
            run.chosen.append(best)
            run.rho.append(rho)
            run.err.append(e)
            run.exact.append(exact.get(best))
            run.poor.append(poor_of[best])
            bought[best] = rho - e
            if ref is not None:
                # Budgets are beta less the payments, whatever the order of purchase:
                # ``ref``'s next rounds apply once their purchases were made here too.
                while s_ref < n_ref and ref.chosen[s_ref] in bought:
                    p = ref.chosen[s_ref]
                    drop = ref.rho[s_ref] + ref.err[s_ref] - bought[p]
                    if drop > 0:
                        shift += drop * self.umax[p] * (1 + TOL)
                    s_ref += 1
                    fresh_ref = True
            # Buy it: rich supporters pay rho * utility, poor ones all they have.
            bb = bbs[best] - rho * (eng.c[best] if self.approval else eng.u[best])
            np.maximum(bb, 0.0, out=bb)
            b.put(eng.sup[best], bb)
            active[best] = False
            key[best] = _BIG
            fresh[self.cos[best]] = False
            t += 1


def add1_indices(profile_budget: Fraction, n: int, engine: MESEngine) -> tuple[list[int], dict]:
    """Return the add1 outcome (see ``mes.mes_add1_indices``) and counters for benchmarks."""
    budget = Fraction(profile_budget)
    costs = engine.profile.costs
    base = budget / n
    k_max = math.floor(budget)  # pabutools stops once the budget exceeds B * (n + 1)
    search = Add1Search(engine)
    free = list(engine.free)
    exact_runs = 0

    def cost_of(selected: list[int]) -> Fraction:
        return sum((costs[j] for j in selected), Fraction(0))

    def outcome(k: int, ref: _Run | None) -> tuple[list[int], _Run | None]:
        nonlocal exact_runs
        try:
            run = search.run(float(base + k), ref)
            return free + run.chosen, run
        except NearTie:
            exact_runs += 1
            return engine._run_exact(base + k).selected, None

    k = 0
    cur, run = outcome(0, None)
    streak = 0
    while k < k_max:
        if streak >= LONG_STREAK:
            selected, lines = follow_lines(budget, n, engine, k)
            return selected, {"runs": search.runs, "rounds": search.rounds_run} | {
                "line_" + key: v for key, v in lines.items()
            }
        nxt, run = outcome(k + 1, run)
        if cost_of(nxt) > budget:
            break
        streak = streak + 1 if nxt == cur else 0
        cur, k = nxt, k + 1
    stats = {
        "runs": search.runs,
        "rounds": search.rounds_run,
        "prices": search.prices,
        "exact_runs": exact_runs,
    }
    return cur, stats
