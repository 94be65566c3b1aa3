"""The pure analysis: groups found by PCA + k-means, consensus and divisiveness."""

import numpy as np
import pytest

from deliberation.analysis import analyse, planted_matrix, scatter_points, smoothed_rate
from deliberation.report import build_report


def _two_groups():
    """40 people: group A agrees with statements 0-2, B disagrees; all agree with 3-5."""
    rows = []
    for person in range(40):
        side = 1 if person < 20 else -1
        rows.append([side, side, side, 1, 1, 1])
    return np.array(rows, dtype=np.float32)


def test_given_two_planted_groups_then_two_groups_of_the_right_people():
    result = analyse(_two_groups())
    assert len(result.groups) == 2
    assert sorted(g.size for g in result.groups) == [20, 20]
    labels = result.labels
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1
    assert labels[0] != labels[39]


def test_given_two_groups_then_consensus_is_the_product_of_smoothed_rates():
    result = analyse(_two_groups())
    # Statement 3: all 20 of each group agree → ((20+1)/(20+2))² for two groups.
    assert result.consensus[3] == pytest.approx((21 / 22) ** 2)
    # Statement 0: one group all agree, the other none → (21/22)·(1/22).
    assert result.consensus[0] == pytest.approx((21 / 22) * (1 / 22))
    assert result.consensus_order()[:2] == [3, 4]
    assert set(result.divisive_order()[:3]) == {0, 1, 2}
    assert result.divisiveness[0] == pytest.approx(20 / 22)
    assert result.divisiveness[3] == pytest.approx(0)


def test_given_a_planted_matrix_with_missing_votes_then_groups_recovered():
    from sklearn.metrics import adjusted_rand_score

    matrix, truth = planted_matrix(600, 60, density=0.4, groups=3, seed=7)
    result = analyse(matrix)
    assert len(result.groups) == 3
    assert adjusted_rand_score(truth[result.clustered], result.labels) > 0.95


def test_given_the_same_matrix_twice_then_the_same_result():
    matrix, _truth = planted_matrix(300, 30, seed=3)
    first, second = analyse(matrix), analyse(matrix)
    assert np.array_equal(first.labels, second.labels)
    assert np.allclose(first.consensus, second.consensus)


def test_given_too_few_votes_then_no_groups_and_no_crash():
    matrix = np.full((3, 4), np.nan, dtype=np.float32)
    matrix[0, 0] = 1
    result = analyse(matrix)
    assert result.groups == [] and result.clustered.size == 0
    one = analyse(np.array([[1, 1, -1]], dtype=np.float32), min_votes=1)
    assert len(one.groups) == 1


def test_smoothed_rate_is_half_without_votes():
    assert smoothed_rate(np.array([0.0]), np.array([0.0]))[0] == 0.5


def test_given_a_report_then_consensus_divisive_groups_and_points():
    matrix = _two_groups()
    statements = [101, 102, 103, 104, 105, 106]
    votes = [
        (person, statements[j], int(matrix[person, j]))
        for person in range(matrix.shape[0])
        for j in range(matrix.shape[1])
    ]
    report = build_report(statements, votes)
    assert report["consensus"][:2] == [104, 105]
    assert set(report["divisive"]) == {101, 102, 103}
    assert [g["size"] for g in report["groups"]] == [20, 20]
    assert report["groups"][0]["characteristic"]
    assert len(report["points"]) == 40
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y, _g in report["points"])


def test_scatter_points_are_sampled_above_the_limit():
    matrix, _truth = planted_matrix(500, 20, seed=1)
    assert len(scatter_points(analyse(matrix), limit=100)) == 100
