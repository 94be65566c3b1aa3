"""add1 over long ranges of budgets: following prices as lines in the voter budget.

``ballots.tally.add1`` hands over to this search once the outcome stays the same for many
steps in a row (budgets in forints: thousands of steps between changes), where its range
certificates skip far more steps than the monotone ones of ``add1``.

add1 runs MES with per-voter budget ``beta = B/n + k`` for k = 0, 1, 2, ... and keeps the
last outcome whose cost is within the budget B before the first one that is not. Running
MES for every k is slow (tens of thousands of runs for budgets in forints), yet the outcome
changes only at a few of them. This module finds those k directly.

Fix the projects bought at rounds 1..t-1 and, for each of them, which of its supporters
were "poor" (paid all they had). Then every voter's budget at round t is an affine function
of beta, and so is the price of the project bought at round t as long as its own poor set
stays the same. The price of any other project at round t is a convex function of beta
(its supporters' budgets are affine in beta and the price is the least ``rho`` with
``sum(min(b_i, rho * u_i)) >= cost``, a jointly concave constraint), so its tangent at the
beta where it was computed is a lower bound for every beta; and prices only rise from one
round to the next, so an older tangent is a lower bound too. Round t therefore keeps its
choice for every beta up to the first point where

- a supporter of the chosen project crosses between poor and rich,
- the tangent (or the constant lower bound ``cost / total utility``) of another project
  meets the chosen project's affine price, or
- the total budget of a project found unaffordable reaches its cost.

The outcome is constant up to the least of these points over all rounds; the next integer
k at or after it is computed by re-running MES from the first round whose point it passed,
starting from that round's budgets evaluated at the new beta (the earlier rounds are the
same). Every comparison keeps a relative margin ``TOL`` far above the rounding error;
equal prices are compared exactly (price ``cost / total utility`` when no supporter is
poor, which stays so while the poor set is fixed, or clones); anything closer than the
margin otherwise raises :class:`NearTie` and that k is counted in exact rationals. Ending a
range early is always safe: it only costs one more partial run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .mes import TOL, MESEngine, NearTie, dot

_add_reduce = np.add.reduce

#: A range is certified only if it skips at least this many steps; after this many failed
#: certificates in a row the next step is run.
MIN_SPAN = 2
MAX_FAILS = 2


def bought_before(engine: MESEngine, rank, j: int, best: int, val, err, exact: dict) -> bool:
    """Return True if project j is bought before ``best`` (lower price, then tie order).

    ``val`` and ``err`` hold each project's price and its error bound (arrays or dicts);
    ``exact`` the prices known exactly. Raises NearTie when the bounds cannot decide.
    """
    if val[j] + err[j] < val[best] - err[best]:
        return True
    if val[j] - err[j] > val[best] + err[best]:
        return False
    ej, eb = exact.get(j), exact.get(best)
    if ej is not None and eb is not None:
        return (ej, rank[j]) < (eb, rank[best])
    if engine.is_clone(j, best):
        return bool(rank[j] < rank[best])
    raise NearTie


@dataclass
class _Round:
    """The state at the start of one MES round, and how far (in beta) its choice holds."""

    beta: float
    remaining: list[int]
    # Lower-bound lines of the projects' prices: value ``val`` at ``ref``, slope ``q``.
    ref: np.ndarray
    val: np.ndarray
    q: np.ndarray
    err: np.ndarray
    chosen: int = -1
    hi: float = math.inf
    hi_cross: float = math.inf  # predicted end, ignoring changes of the poor supporters
    # The chosen project's price at ``beta`` (error bound, exact value if no poor supporter),
    # its slope, and its poor supporters (None if none).
    rho: float = math.inf
    rho_err: float = 0.0
    rho_exact: Fraction | None = None
    rho_q: float = 0.0
    poor: np.ndarray | None = None


class Add1Search:
    """Run MES at increasing per-voter budgets, re-using the rounds that stay the same."""

    def __init__(self, engine: MESEngine) -> None:
        self.engine = engine
        profile = engine.profile
        self.m = len(profile.ids)
        self.n_groups = profile.num_groups
        self.cands = list(engine.cands)
        self.rank = engine.rank
        self.rank_l = [int(x) for x in engine.rank]
        self.elb = np.zeros(self.m)
        for j in self.cands:
            self.elb[j] = engine.c[j] / engine.d[j]
        # The exact order of (cost / total utility, tie rank): the order of two prices when
        # neither project has a poor supporter.
        order = sorted(self.cands, key=lambda j: (engine.exact_lb[j], self.rank[j]))
        self.pos = np.zeros(self.m, dtype=np.int64)
        for i, j in enumerate(order):
            self.pos[j] = i
        self.inv_u = [1.0 / u for u in engine.u]
        self.approval = engine.approval
        # Utilities: a scalar (the cost, the same float as every entry of ``engine.u[j]``)
        # for approval ballots, which saves a pass over the supporters; else the array.
        self.uu: list = [engine.c[j] if engine.approval else engine.u[j] for j in range(self.m)]
        self.wsum = [float(w.sum()) for w in engine.w]
        self.rounds: list[_Round] = []
        self.runs = 0
        self.rounds_run = 0

    # -- one project's price, with its slope in beta --------------------------------------

    def _price(
        self,
        j: int,
        b: np.ndarray,
        s: np.ndarray | None,
        floor: float = 0.0,
        out_slope: bool = True,
    ) -> tuple:
        """Return (rho, err, slope, poor, n_poor), or (None, total, slope).

        ``poor`` is None or the positions (in ``engine.sup[j]``) of the poor supporters.

        ``floor`` is a known lower bound of the price: the poor/rich fixpoint starts there
        (every supporter who cannot pay it is poor), which saves passes. With ``out_slope``
        False, the slope of an unaffordable project's total is not worked out (0.0).
        """
        eng = self.engine
        idx = eng.sup[j]
        bb, total = eng.supporter_budgets(j, b)
        w = eng.w[j]
        c = eng.c[j]
        if total < c:
            return None, total, (dot(w, s.take(idx)) if s is not None and out_slope else 0.0)
        if self.approval:
            return self._price_approval(j, idx, bb, w, c, s, floor)
        u = eng.u[j]
        ratio = bb * self.inv_u[j]
        d = eng.d[j]
        rho = max(c / d, floor)
        s_poor = 0.0
        d_rich = d
        n_poor = 0
        poor = None
        w_poor = None
        # Poor/rich fixpoint as in MESEngine._rho (the poor set only grows).
        while True:
            mask = ratio < rho
            k = int(np.count_nonzero(mask))
            if k <= n_poor:
                break
            n_poor = k
            poor = mask
            w_poor = w * mask
            s_poor = dot(w_poor, bb)
            d_rich = d - dot(w_poor, u)
            if d_rich <= 0:
                raise NearTie
            rho = (c - s_poor) / d_rich
        slope = 0.0
        if w_poor is not None and s is not None:
            slope = -dot(w_poor, s.take(idx)) / d_rich
        if poor is not None:
            poor = np.flatnonzero(poor)
        return rho, TOL * (c + s_poor) / d_rich, slope, poor, n_poor

    def _price_approval(
        self,
        j: int,
        idx: np.ndarray,
        bb: np.ndarray,
        w: np.ndarray,
        c: float,
        s: np.ndarray | None,
        floor: float,
    ) -> tuple:
        """``_price`` for approval ballots (utility = cost): in payments ``x = rho * cost``."""
        total_w = self.wsum[j]
        x = max(c / total_w, floor * c)
        s_poor = 0.0
        w_rich = total_w
        n_poor = 0
        pos = w_poor = None
        # Few NumPy calls per pass: most price computations are short (a few thousand
        # supporters), so the calls' overhead counts as much as the passes.
        while True:
            new = (bb < x).nonzero()[0]
            k = len(new)
            if k <= n_poor:
                break
            n_poor, pos = k, new
            w_poor = w.take(pos)
            s_poor = dot(w_poor, bb.take(pos))
            w_rich = total_w - float(_add_reduce(w_poor))
            if w_rich <= 0:
                raise NearTie
            x = (c - s_poor) / w_rich
        d_rich = c * w_rich
        slope = 0.0
        if w_poor is not None and s is not None:
            slope = -dot(w_poor, s.take(idx.take(pos))) / d_rich
        return x / c, TOL * (c + s_poor) / d_rich, slope, pos, n_poor

    # -- running rounds -------------------------------------------------------------------

    def run_from(self, t0: int, beta: float, cert: list[_Round] | None = None) -> list[int] | None:
        """Run MES at ``beta`` from round ``t0``; rounds before it must hold at ``beta``.

        With ``cert`` (the rounds of the current run, at a lower beta), return None, keeping
        the current rounds, unless this run certifies that outcome for every beta between.
        """
        eng = self.engine
        m = self.m
        rank = self.rank
        rank_l = self.rank_l
        elb = self.elb
        self.runs += 1
        if not self.rounds:
            t0 = 0
        b = np.full(self.n_groups, beta)
        s = np.ones(self.n_groups)
        rounds = self.rounds[:t0]
        # The budgets at round t0: replay the earlier rounds' purchases at this beta.
        for r in rounds:
            self._pay(b, s, r.chosen, r.rho + r.rho_q * (beta - r.beta), r.rho_q, r.poor)
        if t0 == 0:
            remaining = list(self.cands)
            ref = np.full(m, beta)
            val = elb.copy()
            q = np.zeros(m)
            err = TOL * elb
        else:
            r0 = self.rounds[t0]
            remaining = list(r0.remaining)
            ref, val, q, err = r0.ref.copy(), r0.val.copy(), r0.q.copy(), r0.err.copy()
        selected = list(eng.free) + [r.chosen for r in rounds]
        t = t0
        # Once a round cannot hold up to the next integer step, the later rounds will be run
        # again there anyway: skip working out how far they hold.
        horizon = beta + 1.0
        broken = any(r.hi <= horizon for r in rounds)
        fresh = np.zeros(m, dtype=bool)
        exact: dict[int, Fraction] = {}
        poor_of: dict[int, tuple[np.ndarray | None, int]] = {}
        while True:
            self.rounds_run += 1
            rnd = _Round(beta, list(remaining), ref.copy(), val.copy(), q.copy(), err.copy())
            rounds.append(rnd)
            # With ``cert``: the rounds of a run at a lower beta, whose outcome this run must
            # certify for every beta in between (see ``add1_indices``).
            if cert is not None and t < len(cert):
                c_best = cert[t].chosen
                c_hi = cert[t].rho + cert[t].rho_err
                c_exact = cert[t].rho_exact
            else:
                c_best, c_hi, c_exact = -1, -math.inf, None
            # Lower bounds at beta: the lines, or cost / total utility.
            lbv = np.maximum(val + q * (beta - ref), elb)
            lbe = err + TOL * np.abs(q) * np.abs(beta - ref)
            lbl = lbv.tolist()  # Python floats sort much faster than NumPy scalars
            remaining.sort(key=lambda j: (lbl[j], rank_l[j]))
            best = -1
            best_rho = best_err = math.inf
            keep = []
            out_lines = []  # (total, slope, cost) of the projects found unaffordable
            for pos, j in enumerate(remaining):
                if lbv[j] - lbe[j] > max(best_rho + best_err, c_hi):
                    keep.extend(remaining[pos:])
                    break
                if not fresh[j]:
                    r = self._price(j, b, s, lbv[j] - lbe[j])
                    if r[0] is None:
                        out_lines.append((r[1], r[2], eng.c[j]))
                        continue
                    rho, e, slope, poor, n_poor = r
                    ref[j], val[j], q[j], err[j] = beta, rho, slope, e
                    lbv[j], lbe[j] = rho, e
                    poor_of[j] = (poor, n_poor)
                    if n_poor == 0:
                        exact[j] = eng.exact_lb[j]
                    else:
                        exact.pop(j, None)
                    fresh[j] = True
                keep.append(j)
                if best < 0 or bought_before(self.engine, self.rank, j, best, lbv, lbe, exact):
                    best, best_rho, best_err = j, lbv[j], lbe[j]
            remaining = keep
            if cert is not None:
                if best != c_best:
                    return None
                for j in remaining:
                    if j != best and lbv[j] - lbe[j] <= c_hi:
                        # j may undercut the certified choice somewhere in between, unless
                        # both prices are exact and j loses the comparison.
                        ej = exact.get(j) if fresh[j] else None
                        if ej is None or c_exact is None:
                            return None
                        if (ej, rank[j]) < (c_exact, rank[best]):
                            return None
            rnd.hi, rnd.hi_cross = self._holds_until(
                beta,
                best,
                remaining,
                (ref, val, q, lbe),
                exact,
                out_lines,
                b,
                s,
                poor_of.get(best),
                partition=not broken,
            )
            broken = rnd.hi <= horizon
            if best < 0:
                self.rounds = rounds
                return selected
            rnd.chosen = best
            rnd.rho, rnd.rho_err, rnd.rho_q = best_rho, best_err, q[best]
            rnd.rho_exact = exact.get(best)
            rnd.poor = poor_of[best][0]
            selected.append(best)
            remaining.remove(best)
            self._pay(b, s, best, best_rho, q[best], rnd.poor)
            fresh[eng.cos[best]] = False
            t += 1

    def _pay(
        self, b: np.ndarray, s: np.ndarray, j: int, rho: float, q: float, poor: np.ndarray | None
    ) -> None:
        """Buy project j at price rho (slope q): update the budgets and their slopes."""
        idx = self.engine.sup[j]
        u = self.uu[j]
        newb = b.take(idx)
        newb -= rho * u
        news = s.take(idx)
        news -= q * u
        np.maximum(newb, 0.0, out=newb)
        b.put(idx, newb)
        s.put(idx, news)
        if poor is not None:
            # The poor supporters (positions in idx) pay all they have.
            pidx = idx.take(poor)
            b.put(pidx, 0.0)
            s.put(pidx, 0.0)

    def certify_range(self, beta1: float, beta2: float) -> bool:
        """Return True if the current rounds' outcome provably holds on [beta1, beta2].

        The rounds whose lines hold up to ``beta2`` are the same there. From the first one
        that may not, every voter's budget is bounded below and above by affine functions
        of beta on the range (exact at the start). The chosen project's price under the
        lower budgets is convex in beta, so below its chord between the two ends; another
        project's price under the upper budgets is convex, so above its tangent at
        ``beta2``. If every other project's tangent stays above the chosen chord (or the
        exact tie rules decide), the round makes the same choice on the whole range; the
        bounds are then carried through the purchase (``max(0, b - rho * u)``, bounded by
        its chord from above and by a line from below). ``beta1`` must be a beta where the
        current outcome is known to hold.
        """
        eng = self.engine
        rounds = self.rounds
        his = [r.hi for r in rounds]
        t0 = next((t for t, h in enumerate(his) if h <= beta2), None)
        if t0 is None:
            return True
        span = beta2 - beta1
        if span <= 0:
            return True
        b = np.full(self.n_groups, beta1)
        s = np.ones(self.n_groups)
        for r in rounds[:t0]:
            self._pay(b, s, r.chosen, r.rho + r.rho_q * (beta1 - r.beta), r.rho_q, r.poor)
        lo1, lo2 = b, b + s * span  # s >= 0: budgets only grow with beta
        up1, up2 = lo1.copy(), lo2.copy()
        up_s = s
        rank = self.rank
        elb = self.elb
        remaining = list(rounds[t0].remaining)
        tangent: dict[int, tuple[float, float]] = {}  # lower lines: (value at beta2, slope)
        try:
            for t, r in enumerate(rounds[t0:], start=t0):
                p = r.chosen
                if p >= 0:
                    first = t == t0  # lower and upper budgets are still the same
                    if first:
                        at2 = low = self._price(p, lo2, up_s)
                    else:
                        # Known lower bounds start the poor/rich fixpoints (fewer passes):
                        # upper budgets only fall from round to round, so an earlier
                        # price under them is below this one; and lo2 <= up2, so the
                        # price under up2 is below the one under lo2.
                        line = tangent.get(p)
                        low = self._price(p, up2, up_s, line[0] if line is not None else 0.0)
                        if low[0] is None:
                            return False
                        at2 = self._price(p, lo2, None, low[0] - low[1])
                    at1 = self._price(p, lo1, None)
                    if at1[0] is None or at2[0] is None:
                        return False
                    c1, c2 = at1[0] + at1[1], at2[0] + at2[1]
                    p_flat = at1[4] == 0 and at2[4] == 0  # price cost / utility throughout
                    t_q = low[2]
                    t2 = low[0] - low[1]
                    t1 = t2 - t_q * span - TOL * abs(t_q) * span
                keep = []
                for j in remaining:
                    if j == p:
                        continue
                    if p >= 0:
                        if p_flat and self.pos[j] > self.pos[p]:
                            keep.append(j)
                            continue
                        if elb[j] * (1 - TOL) > c1:
                            keep.append(j)
                            continue
                        line = tangent.get(j)
                        if line is not None and self._above(line, span, c1, c2):
                            keep.append(j)
                            continue
                        if eng.is_clone(j, p) and rank[j] > rank[p]:
                            keep.append(j)
                            continue
                    line = tangent.get(j)
                    floor = line[0] if line is not None else 0.0
                    got = self._price(j, up2, up_s, floor, out_slope=False)
                    if got[0] is None:
                        # Out at beta2 under the upper budgets, so on the whole range: the
                        # upper budgets never exceed their value at beta2.
                        continue
                    if p < 0:
                        return False
                    line = (got[0] - got[1], got[2])
                    tangent[j] = line
                    if not self._above(line, span, c1, c2):
                        return False
                    keep.append(j)
                remaining = keep
                if p < 0:
                    return True
                idx = eng.sup[p]
                u = self.uu[p]
                # Lower budgets: max(0, lo - chord * u) is at least the line h, and 0.
                h1 = lo1.take(idx) - c1 * u
                h2 = lo2.take(idx) - c2 * u
                use_h = (h1 >= 0) | ((h2 > 0) & (h1 + h2 > 0))
                lo1[idx] = np.where(use_h, h1, 0.0)
                lo2[idx] = np.where(use_h, h2, 0.0)
                # Upper budgets: max(0, up - tangent * u) is convex, below its chord.
                # (A price is never negative: with t2 clamped at 0 the upper budgets never
                # rise from one round to the next, which the price floors above rely on.)
                g2 = np.maximum(up2.take(idx) - max(t2, 0.0) * u, 0.0)
                # True budgets only grow with beta (same choices), so capping the bound at
                # beta1 by the one at beta2 keeps it an upper bound, and non-decreasing.
                g1 = np.minimum(np.maximum(up1.take(idx) - t1 * u, 0.0), g2)
                up1[idx] = g1
                up2[idx] = g2
                up_s[idx] = (g2 - g1) / span
        except NearTie:
            return False
        return True

    @staticmethod
    def _above(line: tuple[float, float], span: float, c1: float, c2: float) -> bool:
        """Return True if the line (value at beta2, slope) is above the chord c1..c2."""
        v2, q = line
        v1 = v2 - q * span - TOL * abs(q) * span
        return v1 > c1 and v2 > c2

    def _holds_until(
        self,
        beta: float,
        best: int,
        remaining: list[int],
        lines: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        exact: dict,
        out_lines: list,
        b: np.ndarray,
        s: np.ndarray,
        poor_info: tuple[np.ndarray | None, int] | None,
        partition: bool = True,
    ) -> tuple[float, float]:
        """Return how far (in beta) this round provably makes the same choice, and how far
        it would if the chosen project's poor supporters did not change (a prediction).

        With ``partition`` False, the first is not worked out (returned as ``beta``)."""
        hi = math.inf
        # A project found unaffordable stays so while its supporters' total is below cost
        # (and then for the rest of the run, as budgets only fall within a run).
        for total, slope, cost in out_lines:
            room = cost * (1 - TOL) - total
            if room <= 0:
                return beta, beta
            if slope > 0:
                hi = min(hi, beta + room / slope)
        if best < 0:
            return (hi if partition else beta), hi
        eng = self.engine
        _, val, q, _ = lines
        r_val, r_q = val[best], q[best]
        assert poor_info is not None
        poor, n_poor = poor_info
        # The chosen project's price is affine while its poor supporters stay poor (rich
        # ones stay rich: their budget grows at least as fast as beta, prices only fall).
        hi_part = math.inf
        if poor is not None and partition:
            pidx = eng.sup[best].take(poor)
            u = self.uu[best] if self.approval else eng.u[best].take(poor)
            gap = r_val * u - b.take(pidx)  # > 0
            closing = s.take(pidx) - r_q * u  # >= 0
            dist = np.divide(gap, closing, out=np.full(len(gap), math.inf), where=closing > 0)
            if len(dist):
                hi_part = beta + float(dist.min()) * (1 - 1e-7)
        hi = self._crossing(beta, best, remaining, lines, n_poor, hi)
        return (min(hi, hi_part) if partition else beta), hi

    def _crossing(
        self,
        beta: float,
        best: int,
        remaining: list[int],
        lines: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        n_poor: int,
        hi: float,
    ) -> float:
        """Return min(hi, the first beta where another project's lower bound meets the
        chosen project's price line)."""
        eng = self.engine
        ref, val, q, lbe = lines
        r_val, r_q, r_err = val[best], q[best], lbe[best]
        others = [j for j in remaining if j != best]
        if not others:
            return hi
        rem = np.array(others, dtype=np.int64)
        if n_poor == 0:
            # The chosen price is cost / total utility for the whole range; a project after
            # it in the exact order of those lower bounds can never undercut it.
            rem = rem[self.pos[rem] < self.pos[best]]
        # Constant lower bound cost / total utility: safe for good once above the price.
        elb = self.elb[rem]
        rem = rem[elb * (1 - TOL) - r_val - r_err <= 0]
        if len(rem) == 0:
            return hi
        lv = val[rem] + q[rem] * (beta - ref[rem])
        diff0 = lv - lbe[rem] - r_val - r_err
        dsl = q[rem] - r_q - TOL * (np.abs(q[rem]) + abs(r_q))
        dist = np.divide(diff0, -dsl, out=np.full(len(rem), math.inf), where=dsl < 0)
        dist[diff0 <= 0] = 0.0
        for i in (dist == 0.0).nonzero()[0].tolist():
            j = int(rem[i])
            if eng.is_clone(j, best) and self.rank[j] > self.rank[best]:
                dist[i] = math.inf
        return min(hi, beta + float(dist.min()))


def follow_lines(
    profile_budget: Fraction, n: int, engine: MESEngine, k0: int
) -> tuple[list[int], dict]:
    """Return the add1 outcome (see ``mes.mes_add1_indices``) going on from step ``k0``,
    whose outcome is within the budget, and counters for benchmarks."""
    budget = Fraction(profile_budget)
    costs = engine.profile.costs
    base = budget / n
    fbase = float(base)
    k_max = math.floor(budget)  # pabutools stops once the budget exceeds B * (n + 1)
    search = Add1Search(engine)
    exact_runs = 0

    def cost_of(selected: list[int]) -> Fraction:
        return sum((costs[j] for j in selected), Fraction(0))

    def outcome(k: int, t0: int) -> tuple[list[int], bool]:
        nonlocal exact_runs
        try:
            out = search.run_from(t0, float(base + k))
            assert out is not None
            return out, True
        except NearTie:
            exact_runs += 1
            search.rounds = []
            return engine._run_exact(base + k).selected, False

    def first_broken(beta: float) -> int:
        his = [r.hi for r in search.rounds]
        return next((t for t, h in enumerate(his) if h <= beta), his.index(min(his)))

    k = k0
    cur, traced = outcome(k0, 0)
    certified = 0
    while True:
        if traced:
            upto = min(r.hi for r in search.rounds) - fbase
            k_next = max(k + 1, math.ceil(upto) if upto <= k_max else k_max + 1)
        else:
            k_next = k + 1
        if k_next > k_max:
            break
        if traced:
            # The lines, ignoring changes of poor supporters, predict where the outcome may
            # change; try to prove it holds until just before, then further while it does.
            pred = min(r.hi_cross for r in search.rounds) - fbase
            target = k_max if pred > k_max else math.ceil(pred) - 1
            span = target - k
            fails = 0
            start = k
            while fails < MAX_FAILS and k < k_max and target >= max(k + MIN_SPAN, k_next):
                if search.certify_range(float(base + k), float(base + target)):
                    certified += 1
                    k = target
                    span *= 2
                else:
                    fails += 1
                    span //= 2
                target = min(k_max, k + span)
            if k > start:
                if k >= k_max:
                    break
                continue
        t0 = first_broken(float(base + k_next)) if traced else 0
        nxt, traced = outcome(k_next, t0)
        if cost_of(nxt) > budget:
            break
        cur, k = nxt, k_next
    stats = {
        "runs": search.runs,
        "rounds": search.rounds_run,
        "exact_runs": exact_runs,
        "certified": certified,
    }
    return cur, stats
