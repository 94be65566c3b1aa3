"""Helpers for the tally tests: pabutools versions of our elections, with our tie rule."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import (
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    CumulativeBallot,
    CumulativeProfile,
    Instance,
)
from pabutools.election import Project as PbProject
from pabutools.fractions import frac
from pabutools.tiebreaking import TieBreakingRule

from ballots.tally import Election, id_key

# ../shared beside the repository holds the Pabulib files.
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"
SMALL_FILES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Gdansk_2020_Rudniki.pb",
    "Poland_Zabrze_2020_Konczyce.pb",
    "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb",
]
BIG_FILES = [
    "Poland_Warszawa_2021_Mokotow.pb",
    "Hungary_Budapest_2024.pb",
    "Poland_Warszawa_2026.pb",
    "Poland_Lodz_2022.pb",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: long pabutools comparisons; run with TALLY_SLOW=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TALLY_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow pabutools comparison; set TALLY_SLOW=1 to run")
    here = Path(__file__).parent
    for item in items:
        if "slow" in item.keywords and here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


def _frac(x: Fraction) -> object:
    return frac(x.numerator, x.denominator)


def tie_key(election: Election) -> dict[str, tuple]:
    """Return the documented tie rule as a sort key per project id, computed independently."""
    votes: dict[str, int] = {p.id: 0 for p in election.projects}
    for b in election.ballots:
        n = len(b.projects)
        for r, pid in enumerate(b.projects):
            if election.vote_type == "ordinal":
                votes[pid] += (n - r) * b.weight
            elif b.points is not None:
                votes[pid] += b.points[r] * b.weight
            else:
                votes[pid] += b.weight
    return {p.id: (-votes[p.id], p.cost, id_key(p.id)) for p in election.projects}


class PointsTimesCostSat(AdditiveSatisfaction):
    """Satisfaction points x cost: pabutools' greedy then orders projects by points."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(
            self, instance, profile, ballot, lambda i, pr, b, p, pre: b.get(p, 0) * p.cost
        )


def to_pabutools(election: Election, *, drop_unsupported: bool = False):
    """Return (instance, profile, tie rule) for pabutools. Ordinal ballots become Borda points."""
    key = tie_key(election)
    supported = {pid for b in election.ballots for pid in b.projects}
    projects = {
        p.id: PbProject(p.id, _frac(p.cost))
        for p in election.projects
        if not drop_unsupported or p.id in supported
    }
    instance = Instance(projects.values(), budget_limit=_frac(election.budget))
    if election.vote_type in ("approval", "choose-1", "knapsack"):
        ballots = [
            ApprovalBallot({projects[pid] for pid in b.projects if pid in projects})
            for b in election.ballots
            for _ in range(b.weight)
        ]
        profile = ApprovalProfile(ballots, instance=instance)
    else:
        ballots = []
        for b in election.ballots:
            n = len(b.projects)
            if election.vote_type == "ordinal":
                pts = [n - r for r in range(n)]
            else:
                pts = list(b.points or [1] * n)
            for _ in range(b.weight):
                ballots.append(
                    CumulativeBallot(
                        {projects[pid]: frac(x) for pid, x in zip(b.projects, pts, strict=False)}
                    )
                )
        profile = CumulativeProfile(ballots, instance=instance)
    tie = TieBreakingRule(lambda inst, prof, proj: key[proj.name])
    return instance, profile, tie


def names(allocation) -> list[str]:
    """Return the project ids of a pabutools allocation, in selection order."""
    return [p.name for p in allocation]


class _Helpers:
    """The helpers above, for test modules (which cannot import conftest in importlib mode)."""

    to_pabutools = staticmethod(to_pabutools)
    names = staticmethod(names)
    tie_key = staticmethod(tie_key)
    PointsTimesCostSat = PointsTimesCostSat
    Cost_Sat = Cost_Sat


@pytest.fixture(scope="session")
def pb() -> type[_Helpers]:
    """Return the pabutools comparison helpers."""
    return _Helpers
