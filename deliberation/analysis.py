"""Common ground analysis: opinion groups and group-informed consensus (no Django).

The input is a participant × statement vote matrix: +1 agree, -1 disagree, 0 pass and
NaN where the participant did not vote. As Polis does, participants are placed in two
dimensions by PCA of the matrix (missing votes imputed with the statement's mean, and each
participant's coordinates scaled up by how sparsely they voted), then grouped by k-means
with k from 2 to 5 chosen by the silhouette score.

For every statement and group the agreement rate is smoothed as (agree + 1) / (votes + 2)
(a Beta(1, 1) prior, so a statement nobody in a group has voted on scores 0.5). Then:

- group-informed consensus = the product over groups of that rate: high only when every
  group agrees, whatever the groups' sizes;
- divisiveness = the spread (max − min) of the groups' rates.

Everything is deterministic: a fixed random state, ties broken by statement order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

AGREE, PASS, DISAGREE = 1, 0, -1
MIN_K, MAX_K = 2, 5
RANDOM_STATE = 42
# Silhouette is quadratic in the number of points; above this it is estimated on a sample.
SILHOUETTE_SAMPLE = 2000


@dataclass
class GroupStats:
    """One opinion group: its members and the statements that set it apart."""

    index: int
    size: int
    # (statement index, "agree" | "disagree", in-group rate, out-group rate), best first
    characteristic: list[tuple[int, str, float, float]] = field(default_factory=list)


@dataclass
class Analysis:
    """The result of :func:`analyse`; arrays are indexed like the input's rows/columns."""

    n_participants: int  # rows of the input
    n_statements: int  # columns of the input
    clustered: np.ndarray  # row indices of the participants placed in groups
    coordinates: np.ndarray  # (len(clustered), 2) PCA coordinates
    labels: np.ndarray  # (len(clustered),) group index of each clustered participant
    groups: list[GroupStats]
    agree: np.ndarray  # (n_groups, n_statements) counts
    disagree: np.ndarray
    passes: np.ndarray
    votes: np.ndarray
    agreement: np.ndarray  # (n_groups, n_statements) smoothed agreement rates
    consensus: np.ndarray  # (n_statements,)
    divisiveness: np.ndarray  # (n_statements,)
    silhouette: float | None

    def consensus_order(self) -> list[int]:
        """Statement indices, most agreed on across all groups first."""
        return [int(i) for i in np.lexsort((np.arange(self.n_statements), -self.consensus))]

    def divisive_order(self) -> list[int]:
        """Statement indices, most dividing first."""
        return [int(i) for i in np.lexsort((np.arange(self.n_statements), -self.divisiveness))]


def smoothed_rate(hits: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """(hits + 1) / (votes + 2): a rate that is 0.5 with no votes and never 0 or 1."""
    return (hits + 1.0) / (votes + 2.0)


def _project(matrix: np.ndarray, voted: np.ndarray) -> np.ndarray:
    """Two PCA coordinates per row, missing votes imputed with the column mean."""
    counts = voted.sum(axis=0)
    sums = np.where(voted, matrix, 0.0).sum(axis=0)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    filled = np.where(voted, matrix, means[np.newaxis, :])
    if filled.shape[0] < 2:  # one person: no direction to find
        return np.zeros((filled.shape[0], 2))
    n_components = min(2, filled.shape[0], filled.shape[1])
    pca = PCA(n_components=n_components, svd_solver="randomized", random_state=RANDOM_STATE)
    coords = pca.fit_transform(filled)
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((coords.shape[0], 2 - coords.shape[1]))])
    # Someone who voted on few statements sits near the centre only because of the
    # imputation; Polis scales them out by sqrt(statements / their votes).
    per_row = voted.sum(axis=1)
    scale = np.sqrt(filled.shape[1] / np.maximum(per_row, 1))
    return coords * scale[:, np.newaxis]


def _cluster(coords: np.ndarray) -> tuple[np.ndarray, float | None]:
    """k-means labels with k in 2–5 chosen by silhouette; one group when that is all there is."""
    n = coords.shape[0]
    distinct = np.unique(np.round(coords, 9), axis=0).shape[0]
    best: tuple[float, np.ndarray] | None = None
    for k in range(MIN_K, MAX_K + 1):
        if k >= n or k > distinct:
            break
        labels = KMeans(n_clusters=k, n_init=4, random_state=RANDOM_STATE).fit_predict(coords)
        if len(np.unique(labels)) < 2:
            continue
        score = float(
            silhouette_score(
                coords,
                labels,
                sample_size=min(n, SILHOUETTE_SAMPLE),
                random_state=RANDOM_STATE,
            )
        )
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    if best is None:
        return np.zeros(n, dtype=int), None
    score, labels = best
    return _relabel_by_size(labels), score


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Number groups 0, 1, ... from the largest; ties by first member (stable output)."""
    unique, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(unique)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(unique[i]): new for new, i in enumerate(order)}
    return np.array([mapping[int(label)] for label in labels], dtype=int)


def _characteristic(
    agree: np.ndarray, disagree: np.ndarray, votes: np.ndarray, top: int
) -> list[list[tuple[int, str, float, float]]]:
    """For each group, the statements on which it differs most from everyone else."""
    result = []
    total_agree, total_disagree, total_votes = agree.sum(0), disagree.sum(0), votes.sum(0)
    for g in range(agree.shape[0]):
        in_agree = smoothed_rate(agree[g], votes[g])
        in_disagree = smoothed_rate(disagree[g], votes[g])
        out_votes = total_votes - votes[g]
        out_agree = smoothed_rate(total_agree - agree[g], out_votes)
        out_disagree = smoothed_rate(total_disagree - disagree[g], out_votes)
        candidates = []
        for s in range(agree.shape[1]):
            if votes[g, s] == 0:
                continue
            rep_a = in_agree[s] / out_agree[s]
            rep_d = in_disagree[s] / out_disagree[s]
            if in_agree[s] > 0.5 and rep_a >= rep_d:
                candidates.append((rep_a, s, "agree", in_agree[s], out_agree[s]))
            elif in_disagree[s] > 0.5:
                candidates.append((rep_d, s, "disagree", in_disagree[s], out_disagree[s]))
        candidates.sort(key=lambda item: (-item[0], item[1]))
        result.append(
            [(s, d, float(i), float(o)) for _rep, s, d, i, o in candidates[:top] if _rep > 1.0]
        )
    return result


def analyse(matrix: np.ndarray, *, min_votes: int = 3, characteristic: int = 3) -> Analysis:
    """Group the participants (rows) of ``matrix`` and score its statements (columns).

    Participants with fewer than ``min_votes`` votes are left out of the groups (their
    position says little), and so of the group counts.
    """
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError("The vote matrix must be two-dimensional.")
    n_participants, n_statements = matrix.shape
    voted = ~np.isnan(matrix)
    clustered = np.flatnonzero(voted.sum(axis=1) >= min_votes)
    if clustered.size == 0 or n_statements == 0:
        empty = np.zeros((0, n_statements))
        return Analysis(
            n_participants=n_participants,
            n_statements=n_statements,
            clustered=clustered,
            coordinates=np.zeros((0, 2)),
            labels=np.zeros(0, dtype=int),
            groups=[],
            agree=empty,
            disagree=empty,
            passes=empty,
            votes=empty,
            agreement=empty,
            consensus=np.zeros(n_statements),
            divisiveness=np.zeros(n_statements),
            silhouette=None,
        )
    sub = matrix[clustered]
    sub_voted = voted[clustered]
    coords = _project(sub, sub_voted)
    labels, silhouette = _cluster(coords)
    n_groups = int(labels.max()) + 1
    # One-hot group membership times the vote indicators: counts per group and statement.
    membership = np.zeros((n_groups, sub.shape[0]), dtype=np.float32)
    membership[labels, np.arange(sub.shape[0])] = 1.0
    agree = membership @ (sub_voted & (sub == AGREE)).astype(np.float32)
    disagree = membership @ (sub_voted & (sub == DISAGREE)).astype(np.float32)
    passes = membership @ (sub_voted & (sub == PASS)).astype(np.float32)
    votes = agree + disagree + passes
    agreement = smoothed_rate(agree, votes)
    consensus = np.prod(agreement, axis=0)
    divisiveness = agreement.max(axis=0) - agreement.min(axis=0)
    sizes = np.bincount(labels, minlength=n_groups)
    traits = _characteristic(agree, disagree, votes, characteristic)
    groups = [
        GroupStats(index=g, size=int(sizes[g]), characteristic=traits[g]) for g in range(n_groups)
    ]
    return Analysis(
        n_participants=n_participants,
        n_statements=n_statements,
        clustered=clustered,
        coordinates=coords,
        labels=labels,
        groups=groups,
        agree=agree,
        disagree=disagree,
        passes=passes,
        votes=votes,
        agreement=agreement,
        consensus=consensus,
        divisiveness=divisiveness,
        silhouette=silhouette,
    )


def scatter_points(
    analysis: Analysis, *, limit: int = 1500, seed: int = RANDOM_STATE
) -> list[tuple[float, float, int]]:
    """Participants' positions scaled to [0, 1] with their group, at most ``limit`` of them.

    A larger crowd is sampled evenly at random (deterministically) so the picture stays light.
    """
    coords = analysis.coordinates
    n = coords.shape[0]
    if n == 0:
        return []
    indices = np.arange(n)
    if n > limit:
        indices = np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    scaled = (coords[indices] - low) / span
    return [
        (round(float(x), 4), round(float(y), 4), int(analysis.labels[i]))
        for (x, y), i in zip(scaled, indices, strict=True)
    ]


def planted_matrix(
    participants: int,
    statements: int,
    *,
    density: float = 0.4,
    groups: int = 2,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic vote matrix with ``groups`` planted opinion groups (benchmarks, demos).

    Each group has a random opinion on each statement; members vote it, except for a
    ``noise`` share of random votes. Returns (matrix, true group of each row).
    """
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, groups, size=participants)
    opinions = rng.choice([AGREE, DISAGREE], size=(groups, statements))
    matrix = opinions[truth].astype(np.float32)
    random_votes = rng.choice([AGREE, PASS, DISAGREE], size=(participants, statements))
    noisy = rng.random((participants, statements)) < noise
    matrix[noisy] = random_votes[noisy]
    matrix[rng.random((participants, statements)) >= density] = np.nan
    return matrix, truth
