"""Hundreds of small random elections full of ties, every rule against pabutools."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from ballots.tally import Ballot, Election, Project, id_key, tally
from ballots.tally.mes import MESEngine

IDS = ["1", "2", "9", "10", "11", "x", "a7"]


def random_election(seed: int, vote_type: str) -> Election:
    """Return a small election with few distinct costs and repeated ballots (ties galore)."""
    rng = random.Random(seed)
    ids = rng.sample(IDS, rng.randint(2, 6))
    costs = [rng.choice([10, 10, 20, 30, Fraction("12.5")]) for _ in ids]
    kinds = []
    for _ in range(rng.randint(1, 5)):
        chosen = rng.sample(ids, rng.randint(1, len(ids)))
        if vote_type == "approval":
            kinds.append(Ballot(tuple(chosen)))
        elif vote_type == "cumulative":
            kinds.append(Ballot(tuple(chosen), tuple(rng.randint(1, 3) for _ in chosen)))
        else:
            kinds.append(Ballot(tuple(chosen)))
    ballots = [
        Ballot(k.projects, k.points, rng.choice([1, 1, 2, 3]))
        for k in rng.choices(kinds, k=rng.randint(1, 12))
    ]
    budget = Fraction(rng.randint(10, int(sum(costs)) + 10))
    return Election(
        [Project(i, c) for i, c in zip(ids, costs, strict=False)], budget, ballots, vote_type
    )


def reference_phragmen(election: Election, key: dict[str, tuple]) -> list[str]:
    """Sequential Phragmén straight from the definition, in exact rationals (for the order)."""
    voters = [(set(b.projects), b.weight) for b in election.ballots]
    load = [Fraction(0)] * len(voters)
    cost = {p.id: p.cost for p in election.projects}
    left = {p for p in cost if cost[p] <= election.budget and any(p in s for s, _ in voters)}
    chosen: list[str] = []
    spent = Fraction(0)
    while left:
        new = {}
        for p in left:
            sup = [i for i, (s, _) in enumerate(voters) if p in s]
            weight = sum(voters[i][1] for i in sup)
            new[p] = (sum(load[i] * voters[i][1] for i in sup) + cost[p]) / weight
        low = min(new.values())
        tied = sorted((p for p in left if new[p] == low), key=key.__getitem__)
        if any(spent + cost[p] > election.budget for p in tied):
            break
        p = tied[0]
        chosen.append(p)
        spent += cost[p]
        left.remove(p)
        for i, (s, _) in enumerate(voters):
            if p in s:
                load[i] = low
    return chosen


def pabutools_result(election: Election, rule: str, pb) -> list[str]:
    """Return pabutools' outcome for one of our rules, with our tie rule."""
    instance, profile, tie = pb.to_pabutools(election, drop_unsupported=rule == "phragmen")
    approval = election.vote_type == "approval"
    mes_sat = Cost_Sat if approval else Additive_Cardinal_Sat
    if rule in ("greedy", "borda"):
        sat = Cost_Sat if approval else pb.PointsTimesCostSat
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=mes_sat, tie_breaking=tie)
    elif rule == "phragmen":
        out = sequential_phragmen(instance, profile, tie_breaking=tie)
    else:
        out = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": mes_sat, "tie_breaking": tie},
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
        if rule == "mes-add1-greedy":
            sat = Cost_Sat if approval else pb.PointsTimesCostSat
            out = greedy_utilitarian_welfare(
                instance, profile, sat_class=sat, tie_breaking=tie, initial_budget_allocation=out
            )
    return pb.names(out)


RULES = {
    "approval": ["greedy", "mes", "mes-add1", "mes-add1-greedy", "phragmen"],
    "cumulative": ["greedy", "mes", "mes-add1", "mes-add1-greedy"],
    "ordinal": ["greedy", "borda"],
}
CASES = [("approval", s) for s in range(300)] + [("cumulative", s) for s in range(100)]
CASES += [("ordinal", s) for s in range(40)]


@pytest.mark.parametrize(("vote_type", "seed"), CASES)
def test_random_election_same_as_pabutools(vote_type: str, seed: int, pb) -> None:
    """Given a random tie-heavy election, every rule picks pabutools' projects in its order."""
    election = random_election(seed, vote_type)
    for rule in RULES[vote_type]:
        ours = tally(election, rule).selected
        theirs = pabutools_result(election, rule, pb)
        if rule == "phragmen":
            # pabutools returns Phragmén's set sorted; the order is checked on the reference.
            assert sorted(ours) == sorted(theirs), rule
            assert ours == reference_phragmen(election, pb.tie_key(election)), rule
        else:
            assert ours == theirs, rule


@pytest.mark.parametrize("seed", range(60))
def test_float_engine_agrees_with_exact_engine(seed: int) -> None:
    """The float MES engine and the exact rational one agree, at several voter budgets."""
    election = random_election(1000 + seed, "approval" if seed % 2 else "cumulative")
    profile = election.profile
    engine = MESEngine(profile)
    base = Fraction(profile.budget) / profile.num_voters
    for extra in (0, 1, 3, 7):
        assert engine.run(base + extra).selected == engine._run_exact(base + extra).selected


def test_id_key_is_used_for_ties() -> None:
    """Sanity: the random ids include numeric ids of different lengths."""
    assert sorted(["10", "9", "x"], key=id_key) == ["9", "10", "x"]
