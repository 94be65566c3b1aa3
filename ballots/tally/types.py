"""Election data types for the tally rules, and the tie rule shared by every rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np

#: Vote types accepted. ``choose-1`` and ``knapsack`` ballots are approval ballots.
APPROVAL_TYPES = frozenset({"approval", "choose-1", "knapsack"})
VOTE_TYPES = APPROVAL_TYPES | {"cumulative", "ordinal", "scoring"}

_INTEGER = re.compile(r"[0-9]+")


def id_key(project_id: str) -> tuple[int, int, str]:
    """Return the sort key of a project id: numeric ids as numbers first, then the others."""
    # "9" sorts before "10"; non-numeric ids ("L010", "c1") compare as strings, after the numbers.
    if _INTEGER.fullmatch(project_id):
        return (0, int(project_id), project_id)
    return (1, 0, project_id)


def to_fraction(value: Any) -> Fraction:
    """Return ``value`` (int, Fraction, Decimal or decimal string) as an exact Fraction."""
    if isinstance(value, float):
        # Floats would silently carry binary rounding into money; refuse them.
        raise TypeError("money must be an int, Decimal, Fraction or decimal string, not float")
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
    return Fraction(value)


def format_amount(value: Fraction | int) -> str:
    """Return an exact amount as a string: ``"12"``, ``"12.5"``, or ``"1/3"`` if not decimal."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value * 10**places
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


@dataclass(frozen=True)
class Project:
    """A project on the ballot: its id, exact cost and any other Pabulib columns."""

    id: str
    cost: Fraction
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cost", to_fraction(self.cost))
        if self.cost < 0:
            raise ValueError(f"project {self.id}: negative cost {self.cost}")


@dataclass(frozen=True)
class Ballot:
    """One ballot, or ``weight`` identical ballots.

    ``projects`` lists project ids; for ordinal ballots in rank order (best first).
    ``points`` is given for cumulative/scoring ballots, one entry per project.
    """

    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    weight: int = 1
    voter_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        if self.points is not None:
            object.__setattr__(self, "points", tuple(int(p) for p in self.points))
            if len(self.points) != len(self.projects):
                raise ValueError(f"ballot {self.voter_id}: points and projects differ in length")
        if self.weight < 1:
            raise ValueError(f"ballot {self.voter_id}: weight must be at least 1")
        if len(set(self.projects)) != len(self.projects):
            raise ValueError(f"ballot {self.voter_id}: a project appears twice")


@dataclass
class Election:
    """An election: projects, budget, ballots and the Pabulib META fields."""

    projects: list[Project]
    budget: Fraction
    ballots: list[Ballot]
    vote_type: str = "approval"
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.budget = to_fraction(self.budget)
        if self.vote_type not in VOTE_TYPES:
            raise ValueError(f"unknown vote type {self.vote_type!r}")
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate project id")

    @cached_property
    def profile(self) -> Profile:
        """Return the grouped, indexed form of this election that the rules work on."""
        return Profile(self)

    @property
    def num_voters(self) -> int:
        """Return the number of voters (ballot weights summed)."""
        return sum(b.weight for b in self.ballots)


class Profile:
    """Identical ballots grouped, projects indexed, and the tie order of the projects.

    Project ``j`` is ``election.projects[j]``. ``groups[g]`` is the ``g``-th distinct ballot
    as a tuple of ``(project index, points)``; ``weights[g]`` how many voters cast it.
    For each project, ``supporters[j]`` are the group indices with a positive score for it
    and ``scores[j]`` those scores (1 for approval, the points, or the Borda score).
    """

    def __init__(self, election: Election) -> None:
        self.election = election
        self.vote_type = election.vote_type
        self.ids = [p.id for p in election.projects]
        self.index = {pid: j for j, pid in enumerate(self.ids)}
        self.costs = [p.cost for p in election.projects]
        self.budget = election.budget
        m = len(self.ids)
        counts: dict[tuple, int] = {}
        ordinal = self.vote_type == "ordinal"
        cumulative = self.vote_type in ("cumulative", "scoring")
        index = self.index
        approval = not ordinal and not cumulative
        if approval:
            # Approval: a group's key is its sorted project tuple (no scores to carry).
            get = index.__getitem__
            for ballot in election.ballots:
                try:
                    key = tuple(sorted(map(get, ballot.projects)))
                except KeyError as exc:
                    raise ValueError(f"ballot {ballot.voter_id}: unknown project {exc}") from None
                counts[key] = counts.get(key, 0) + ballot.weight
        for ballot in () if approval else election.ballots:
            try:
                idx = [index[pid] for pid in ballot.projects]
            except KeyError as exc:
                raise ValueError(f"ballot {ballot.voter_id}: unknown project {exc}") from None
            if ordinal:
                # Borda score as in Pabulib's ``score`` column: length of the ballot minus rank.
                n = len(idx)
                key = tuple((j, n - r) for r, j in enumerate(idx))
            else:
                pts = ballot.points if ballot.points is not None else (1,) * len(idx)
                key = tuple(sorted((j, p) for j, p in zip(idx, pts, strict=False) if p > 0))
            counts[key] = counts.get(key, 0) + ballot.weight
        self._keys = keys = list(counts)
        self._approval_keys = approval
        self.num_groups = len(keys)
        self.weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        self.num_voters = int(self.weights.sum())
        # Supporters and scores per project, from the flattened keys: a stable sort by
        # project keeps each project's groups in ascending order.
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        flat = chain.from_iterable(keys)
        if approval:
            proj = np.fromiter(flat, dtype=np.int64)
            score = np.ones(len(proj), dtype=np.int64)
        else:
            pairs = np.fromiter(chain.from_iterable(flat), dtype=np.int64)
            proj, score = pairs[0::2], pairs[1::2]
        group = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        order = np.argsort(proj, kind="stable")
        bounds = np.searchsorted(proj[order], np.arange(m + 1)).tolist()
        group, score = group[order], score[order]
        self.supporters = [group[bounds[j] : bounds[j + 1]] for j in range(m)]
        self.scores = [score[bounds[j] : bounds[j + 1]] for j in range(m)]
        #: Votes of each project: approvals, points, or Borda score (weighted, exact ints).
        self.votes = [
            int(self.weights[s] @ c) if len(s) else 0
            for s, c in zip(self.supporters, self.scores, strict=False)
        ]
        #: Approvals of each project (voters giving it a positive score).
        self.approvals = [int(self.weights[s].sum()) for s in self.supporters]
        order = sorted(range(m), key=lambda j: (-self.votes[j], self.costs[j], id_key(self.ids[j])))
        #: The tie order: position of each project when sorted by the tie rule.
        self.rank = np.empty(m, dtype=np.int64)
        self.rank[order] = np.arange(m)
        self.tie_order = order

    @cached_property
    def groups(self) -> list[tuple[tuple[int, int], ...]]:
        """Return each distinct ballot as a tuple of ``(project index, score)`` pairs."""
        if self._approval_keys:
            return [tuple((j, 1) for j in key) for key in self._keys]
        return list(self._keys)

    @cached_property
    def support_matrix(self) -> np.ndarray:
        """Return the dense group × project matrix: True where the group scores the project."""
        m = len(self.ids)
        mat = np.zeros((self.num_groups, m), dtype=bool)
        lengths = [len(s) for s in self.supporters]
        if sum(lengths):
            mat[np.concatenate(self.supporters), np.repeat(np.arange(m), lengths)] = True
        return mat

    @cached_property
    def cosupported(self) -> np.ndarray:
        """Return the project × project matrix: True where some ballot supports both."""
        inc = self.support_matrix
        m = len(self.ids)
        out = np.zeros((m, m), dtype=bool)
        for j, s in enumerate(self.supporters):
            if len(s):
                out[j] = inc[s].any(axis=0)
        return out
