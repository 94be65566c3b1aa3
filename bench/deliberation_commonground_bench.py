"""Benchmark the common ground analysis: 5,000 participants × 500 statements, 40% voted.

Run: .venv/bin/python bench/deliberation_commonground_bench.py
The analysis (PCA, k-means for k = 2..5 with silhouette, group statistics) must finish in
under 10 s on the CI machine; see bench/README.md "## Common ground".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deliberation.analysis import analyse, planted_matrix, scatter_points

PARTICIPANTS, STATEMENTS, DENSITY, BUDGET_SECONDS = 5000, 500, 0.4, 10.0


def main() -> int:
    matrix, truth = planted_matrix(PARTICIPANTS, STATEMENTS, density=DENSITY, groups=3, seed=1)
    voted = int((~np.isnan(matrix)).sum())
    timings = []
    for _run in range(3):
        start = time.perf_counter()
        result = analyse(matrix)
        scatter_points(result)
        timings.append(time.perf_counter() - start)
    best, worst = min(timings), max(timings)
    sizes = [group.size for group in result.groups]
    print(f"matrix: {PARTICIPANTS} × {STATEMENTS}, {voted:,} votes ({voted / matrix.size:.0%})")
    print(f"groups found: {len(result.groups)} sizes {sizes} (planted: 3)")
    print(f"silhouette: {result.silhouette:.3f}")
    found = adjusted_rand_score(truth[result.clustered], result.labels)
    print(f"agreement with the planted groups (adjusted Rand index): {found:.3f}")
    print(f"analysis: best {best:.2f} s, worst {worst:.2f} s over {len(timings)} runs")
    ok = worst < BUDGET_SECONDS
    print("OK" if ok else f"TOO SLOW: budget {BUDGET_SECONDS} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
