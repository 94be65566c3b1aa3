"""Turn votes into the stored common ground report (JSON), via deliberation.analysis.

No Django here either: the input is the statement ids and (participant, statement, choice)
triples, the output a JSON-ready dict. Participants appear only as anonymous points.
"""

from __future__ import annotations

import numpy as np

from deliberation.analysis import analyse, scatter_points

TOP = 5
# A statement is "common ground" when a (smoothed) majority of every group agrees with it.
CONSENSUS_MIN_RATE = 0.5
# …and "divisive" when the groups' agreement rates are at least this far apart.
DIVISIVE_MIN_SPREAD = 0.2
GROUP_NAMES = "ABCDE"


def vote_matrix(
    statements: list[int], votes: list[tuple[int, int, int]]
) -> tuple[np.ndarray, list[int]]:
    """The participant × statement matrix (NaN: no vote) and the participant of each row."""
    participants = sorted({user for user, _statement, _choice in votes})
    rows = {user: i for i, user in enumerate(participants)}
    columns = {statement: j for j, statement in enumerate(statements)}
    matrix = np.full((len(participants), len(statements)), np.nan, dtype=np.float32)
    if votes:
        data = np.array(
            [(rows[u], columns[s], c) for u, s, c in votes if s in columns], dtype=np.int64
        )
        if data.size:
            matrix[data[:, 0], data[:, 1]] = data[:, 2]
    return matrix, participants


def build_report(statements: list[int], votes: list[tuple[int, int, int]]) -> dict:
    """Analyse the votes and describe the result for the report page."""
    matrix, participants = vote_matrix(statements, votes)
    min_votes = max(1, min(3, len(statements)))
    result = analyse(matrix, min_votes=min_votes)
    n_groups = len(result.groups)
    per_statement = []
    for j, pk in enumerate(statements):
        column = matrix[:, j]
        per_statement.append(
            {
                "pk": pk,
                "agree": int(np.sum(column == 1)),
                "disagree": int(np.sum(column == -1)),
                "pass": int(np.sum(column == 0)),
                "consensus": round(float(result.consensus[j]), 4) if n_groups else None,
                "divisiveness": round(float(result.divisiveness[j]), 4) if n_groups else None,
                "groups": [
                    {
                        "name": GROUP_NAMES[g],
                        "agree": int(result.agree[g, j]),
                        "disagree": int(result.disagree[g, j]),
                        "pass": int(result.passes[g, j]),
                        "votes": int(result.votes[g, j]),
                        "rate": round(float(result.agreement[g, j]), 4),
                    }
                    for g in range(n_groups)
                ],
            }
        )
    consensus, divisive = [], []
    if n_groups:
        for j in result.consensus_order():
            if len(consensus) < TOP and result.agreement[:, j].min() > CONSENSUS_MIN_RATE:
                consensus.append(statements[j])
        if n_groups > 1:
            for j in result.divisive_order():
                if len(divisive) < TOP and result.divisiveness[j] >= DIVISIVE_MIN_SPREAD:
                    divisive.append(statements[j])
    return {
        "participants": len(participants),
        "grouped": int(result.clustered.size),
        "statements": len(statements),
        "votes": len(votes),
        "silhouette": None if result.silhouette is None else round(result.silhouette, 3),
        "groups": [
            {
                "index": group.index,
                "name": GROUP_NAMES[group.index],
                "size": group.size,
                "characteristic": [
                    {
                        "pk": statements[s],
                        "direction": direction,
                        "in_group": round(inside, 3),
                        "others": round(outside, 3),
                    }
                    for s, direction, inside, outside in group.characteristic
                ],
            }
            for group in result.groups
        ],
        "statement_stats": per_statement,
        "consensus": consensus,
        "divisive": divisive,
        "points": [list(point) for point in scatter_points(result)],
    }
