"""The add1 search gives exactly the outcome of raising the voter budget one unit at a time."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from ballots.tally import Ballot, Election, Project, parse_pabulib
from ballots.tally import add1 as add1_module
from ballots.tally.add1 import LONG_STREAK, Add1Search
from ballots.tally.add1_lines import Add1Search as LineSearch
from ballots.tally.mes import MESEngine, NearTie, mes_add1_indices


def stepping(election: Election) -> list[int]:
    """Return add1 by definition: MES at B/n + k for k = 0, 1, ... until over budget."""
    profile = election.profile
    engine = MESEngine(profile)
    budget = Fraction(profile.budget)
    base = budget / profile.num_voters
    prev = engine.run(base).selected
    for k in range(1, int(budget) + 1):
        out = engine.run(base + k).selected
        if sum((profile.costs[j] for j in out), Fraction(0)) > budget:
            return prev
        prev = out
    return prev


def varied_election(seed: int, vote_type: str) -> Election:
    """Return an election with many distinct costs and ballots: many add1 steps, few ties."""
    rng = random.Random(seed)
    m = rng.randint(4, 12)
    ids = [str(i + 1) for i in range(m)]
    costs = [rng.randint(50, 3000) for _ in ids]
    popular = [rng.random() for _ in ids]
    ballots = []
    for v in range(rng.randint(10, 120)):
        chosen = [i for i, p in zip(ids, popular, strict=False) if rng.random() < p]
        if not chosen:
            chosen = [rng.choice(ids)]
        points = tuple(rng.randint(1, 4) for _ in chosen) if vote_type == "cumulative" else None
        ballots.append(Ballot(tuple(chosen), points, rng.choice([1, 1, 1, 2, 5]), str(v)))
    budget = Fraction(int(sum(costs) * rng.uniform(0.2, 0.7)))
    projects = [Project(i, c) for i, c in zip(ids, costs, strict=False)]
    return Election(projects, budget, ballots, vote_type)


def random_budgets(rng, first_seed: int, vote_type: str):
    """Yield (engine, budgets) for ten varied elections, five random budget vectors each,
    with about 30 % of the voters left with nothing."""
    for seed in range(10):
        election = varied_election(first_seed + seed, vote_type)
        engine = MESEngine(election.profile)
        g = election.profile.num_groups
        for _ in range(5):
            b = rng.uniform(0, 2 * float(election.budget) / election.profile.num_voters, g)
            b[rng.random(g) < 0.3] = 0.0
            yield engine, b


@pytest.mark.parametrize("seed", range(40))
def test_add1_search_same_as_stepping_approval(seed: int) -> None:
    """Given varied approval elections, the search returns the step-by-step outcome."""
    election = varied_election(seed, "approval")
    assert mes_add1_indices(election.profile) == stepping(election)


@pytest.mark.parametrize("seed", range(15))
def test_add1_search_same_as_stepping_cumulative(seed: int) -> None:
    """Given varied cumulative elections, the search returns the step-by-step outcome."""
    election = varied_election(500 + seed, "cumulative")
    assert mes_add1_indices(election.profile) == stepping(election)


def tied_election(seed: int, vote_type: str) -> Election:
    """Return an election full of exact ties: few costs, clones, equal approval counts."""
    rng = random.Random(seed)
    m = rng.randint(4, 9)
    ids = [str(i + 1) for i in range(m)]
    costs = [rng.choice([100, 200, 300]) for _ in ids]
    ballots = []
    for v in range(rng.randint(4, 30)):
        chosen = rng.sample(ids, rng.randint(1, min(4, m)))
        if rng.random() < 0.3:
            # Clone-ish pairs: projects 1 and 2 always approved together.
            chosen = sorted(set(chosen) | {"1", "2"})
        points = tuple(rng.choice([1, 2]) for _ in chosen) if vote_type == "cumulative" else None
        ballots.append(Ballot(tuple(chosen), points, rng.choice([1, 1, 2]), str(v)))
    budget = Fraction(int(sum(costs) * rng.uniform(0.3, 0.6)))
    projects = [Project(i, c) for i, c in zip(ids, costs, strict=False)]
    return Election(projects, budget, ballots, vote_type)


@pytest.mark.parametrize("seed", range(40))
def test_add1_runs_alone_same_as_stepping(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given varied approval elections, the runs that reuse the previous run's bounds give
    the step-by-step outcome on their own (no hand-over to the line-following search)."""
    monkeypatch.setattr(add1_module, "LONG_STREAK", 10**9)
    election = varied_election(seed, "approval")
    assert mes_add1_indices(election.profile) == stepping(election)


@pytest.mark.parametrize("streak", [LONG_STREAK, 10**9])
@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
@pytest.mark.parametrize("seed", range(25))
def test_add1_with_ties_same_as_stepping(
    seed: int, vote_type: str, streak: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given elections full of exactly equal prices, the search (with and without the
    hand-over) returns the step-by-step outcome, ties broken by the tie rule."""
    monkeypatch.setattr(add1_module, "LONG_STREAK", streak)
    election = tied_election(300 + seed, vote_type)
    assert mes_add1_indices(election.profile) == stepping(election)


def test_long_streak_hands_over_to_the_line_search() -> None:
    """Given an election whose outcome holds for many steps, the search hands over to the
    line-following search and still returns the step-by-step outcome."""
    handed = 0
    for seed in range(40):
        election = varied_election(seed, "approval")
        profile = election.profile
        got, stats = add1_module.add1_indices(
            profile.budget, profile.num_voters, MESEngine(profile)
        )
        if "line_runs" in stats:
            handed += 1
            assert got == stepping(election)
    assert handed


@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_run_with_bounds_from_any_lower_budget_buys_what_mes_buys(vote_type: str) -> None:
    """Given a run at a lower budget, one step or many below (so projects may be bought in
    another order), a run that starts from its bounds buys what MES buys, in order."""
    rng = random.Random(11)
    checked = 0
    for seed in range(12):
        election = varied_election(700 + seed, vote_type)
        profile = election.profile
        engine = MESEngine(profile)
        search = Add1Search(engine)
        base = Fraction(profile.budget) / profile.num_voters
        ks = sorted(rng.sample(range(int(profile.budget) // 2), 6))
        runs = {}
        for k in ks:
            runs[k] = search.run(float(base + k))
        for i, k1 in enumerate(ks):
            for k2 in ks[i:]:
                try:
                    got = search.run(float(base + k2), runs[k1])
                except NearTie:
                    continue
                assert engine.free + got.chosen == engine.run(base + k2).selected
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_price_same_with_any_hint(vote_type: str) -> None:
    """Given random budgets, a project's price and poor supporters do not depend on the
    guess of poor supporters it is given (right, too many, too few or unrelated)."""
    rng = np.random.default_rng(5)
    for engine, b in random_budgets(rng, 950, vote_type):
        search = Add1Search(engine)
        for j in engine.cands:
            plain = search._price(j, b, 0.0)
            if plain[0] is None:
                continue
            n = len(engine.sup[j])
            right = plain[4] if plain[4] is not None else np.zeros(0, dtype=np.int64)
            hints = [
                right,
                np.union1d(right, rng.choice(n, size=1)),
                right[: len(right) // 2],
                np.sort(rng.choice(n, size=rng.integers(1, n + 1), replace=False)),
            ]
            for hint in hints:
                got = search._price(j, b, 0.0, hint)
                assert got[0] == pytest.approx(plain[0], rel=1e-12)
                assert got[2] == pytest.approx(plain[2], rel=1e-9, abs=1e-15)
                got_poor = set(got[4].tolist()) if got[4] is not None else set()
                assert got_poor == set(right.tolist())


def test_certified_ranges_hold() -> None:
    """Given a real election, every range the line search certifies has one outcome throughout."""
    election = parse_pabulib(
        Path(__file__).resolve().parents[3] / "shared/data/pabulib/Poland_Swiecie_2023.pb"
    )
    profile = election.profile
    engine = MESEngine(profile)
    search = LineSearch(engine)
    base = Fraction(profile.budget) / profile.num_voters
    checked = 0
    for k in (0, 30, 60, 90, 120):
        out = search.run_from(0, float(base + k))
        for span in (2, 6, 25):
            if search.certify_range(float(base + k), float(base + k + span)):
                checked += 1
                for i in range(k + 1, k + span + 1):
                    assert engine.run(base + i).selected == out
    assert checked


@pytest.mark.parametrize("vote_type", ["approval", "cumulative"])
def test_price_same_from_any_lower_floor(vote_type: str) -> None:
    """Given random budgets, a project's price, slope and poor supporters (line search) do
    not depend on the lower bound the poor/rich fixpoint starts from."""
    rng = np.random.default_rng(7)
    for engine, b in random_budgets(rng, 900, vote_type):
        search = LineSearch(engine)
        s = rng.uniform(0, 1, len(b))
        for j in engine.cands:
            plain = search._price(j, b, s)
            if plain[0] is None:
                continue
            poor = plain[3]
            in_poor = set(poor.tolist()) if poor is not None else set()
            bb = b[engine.sup[j]]
            ratio = bb / engine.u[j]
            assert in_poor == set(np.flatnonzero(ratio < plain[0]).tolist())
            for floor in (0.5 * plain[0], plain[0] - plain[1]):
                got = search._price(j, b, s, floor)
                assert got[4] == plain[4]
                assert got[0] == pytest.approx(plain[0], rel=1e-12)
                assert got[2] == pytest.approx(plain[2], rel=1e-12, abs=1e-15)


def test_clones_are_found() -> None:
    """Given two projects with the same cost and supporters, they are clones; others not."""
    projects = [Project("1", 100), Project("2", 100), Project("3", 100), Project("4", 90)]
    ballots = [
        Ballot(("1", "2", "4"), None, 2, "a"),
        Ballot(("1", "2", "3", "4"), None, 1, "b"),
        Ballot(("3",), None, 1, "c"),
    ]
    engine = MESEngine(Election(projects, Fraction(300), ballots, "approval").profile)
    assert engine.is_clone(0, 1)
    assert not engine.is_clone(0, 2)
    assert not engine.is_clone(0, 3)
