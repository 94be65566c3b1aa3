"""The grouped profile the rules run on: identical ballots counted once, supporters indexed."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ballots.tally import Ballot, Election, Project


def _reference(election: Election) -> dict[tuple[tuple[int, int], ...], int]:
    """Group the ballots the plain way: sorted (project, score) pairs -> voters."""
    index = {p.id: j for j, p in enumerate(election.projects)}
    counts: dict[tuple[tuple[int, int], ...], int] = {}
    for b in election.ballots:
        idx = [index[pid] for pid in b.projects]
        if election.vote_type == "ordinal":
            pairs = [(j, len(idx) - r) for r, j in enumerate(idx)]
        elif election.vote_type == "cumulative":
            pairs = [(j, p) for j, p in zip(idx, b.points, strict=True) if p > 0]
        else:
            pairs = [(j, 1) for j in idx]
        key = tuple(sorted(pairs))
        counts[key] = counts.get(key, 0) + b.weight
    return counts


def _random_election(vote_type: str, seed: int) -> Election:
    rng = random.Random(seed)
    projects = [Project(str(i), rng.choice([10, 20, 30])) for i in range(1, 13)]
    ids = [p.id for p in projects]
    ballots = []
    for v in range(300):
        chosen = tuple(rng.sample(ids, rng.randint(0 if vote_type == "approval" else 1, 4)))
        points = tuple(rng.randint(0, 5) for _ in chosen) if vote_type == "cumulative" else None
        ballots.append(Ballot(chosen, points, weight=rng.choice([1, 1, 2]), voter_id=str(v)))
    return Election(projects, 60, ballots, vote_type=vote_type)


@pytest.mark.parametrize("vote_type", ["approval", "cumulative", "ordinal"])
@pytest.mark.parametrize("seed", range(5))
def test_profile_groups_ballots_and_indexes_supporters(vote_type: str, seed: int) -> None:
    election = _random_election(vote_type, seed)
    profile = election.profile
    expected = _reference(election)
    got = {tuple(sorted(g)): int(w) for g, w in zip(profile.groups, profile.weights, strict=True)}
    assert got == expected
    assert profile.num_groups == len(profile.groups) == len(expected)
    assert profile.num_voters == sum(b.weight for b in election.ballots)
    for j in range(len(profile.ids)):
        sup, sco = profile.supporters[j], profile.scores[j]
        # Every group scoring project j, in ascending order, with its score.
        want = [(g, dict(key)[j]) for g, key in enumerate(profile.groups) if j in dict(key)]
        assert [(int(g), int(s)) for g, s in zip(sup, sco, strict=True)] == want
        assert profile.votes[j] == sum(int(profile.weights[g]) * s for g, s in want)
        assert profile.approvals[j] == sum(int(profile.weights[g]) for g, _ in want)
        assert (profile.support_matrix[:, j].nonzero()[0] == sup).all()
    inc = profile.support_matrix.astype(np.int64)
    assert ((inc.T @ inc > 0) == profile.cosupported).all()


def test_profile_of_blank_ballots_only() -> None:
    election = Election([Project("1", 5)], 10, [Ballot(()), Ballot((), weight=3)])
    profile = election.profile
    assert profile.num_groups == 1 and profile.num_voters == 4
    assert profile.votes == [0] and len(profile.supporters[0]) == 0
    assert not profile.support_matrix.any()
