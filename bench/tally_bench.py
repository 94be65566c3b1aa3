"""Benchmark the tally rules on the Pabulib files, ours against pabutools.

Usage: .venv/bin/python bench/tally_bench.py [--cap SECONDS] [--files PATTERN] [--rules a,b]

Times exclude parsing. Ours: grouping identical ballots (and the co-support matrix MES and
Phragmén use), then the rule.
pabutools: the rule alone, in a subprocess killed after --cap seconds ("> cap s").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.tally import parse_pabulib
from ballots.tally.greedy import greedy_indices
from ballots.tally.mes import MESEngine, mes_add1_indices, mes_indices
from ballots.tally.phragmen import phragmen_indices
from ballots.tally.types import Profile

DATA = Path("/work/shared/data/pabulib")
RULES = ["greedy", "mes", "phragmen", "mes-add1"]

# Run in a subprocess so that a slow pabutools rule can be killed at the cap.
PABUTOOLS = r"""
import sys, time
from pabutools.election import parse_pabulib, Cost_Sat, Additive_Cardinal_Sat
from pabutools.rules import (greedy_utilitarian_welfare, method_of_equal_shares,
    sequential_phragmen, exhaustion_by_budget_increase)
path, rule = sys.argv[1], sys.argv[2]
instance, profile = parse_pabulib(path)
approval = "approval" in type(profile).__name__.lower()
sat = Cost_Sat if approval else Additive_Cardinal_Sat
start = time.perf_counter()
if rule == "greedy":
    greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
elif rule == "mes":
    method_of_equal_shares(instance, profile, sat_class=sat)
elif rule == "phragmen":
    sequential_phragmen(instance, profile)
else:
    exhaustion_by_budget_increase(instance, profile, method_of_equal_shares,
        {"sat_class": sat}, exhaustive_stop=False, budget_step=profile.num_ballots())
print(time.perf_counter() - start)
"""


def ours(path: Path, rule: str) -> tuple[float, float, float]:
    """Return the seconds to group the ballots of a parsed file, then to run the rule (wall
    clock, and this process's CPU time: the machine may be shared)."""
    election = parse_pabulib(path)
    start = time.perf_counter()
    profile = Profile(election)
    if rule != "greedy":
        profile.cosupported  # noqa: B018 - part of the preparation, cached on the profile
    prepared = time.perf_counter()
    cpu = time.process_time()
    if rule == "greedy":
        greedy_indices(profile)
    elif rule == "mes":
        mes_indices(profile)
    elif rule == "phragmen":
        phragmen_indices(profile)
    else:
        mes_add1_indices(profile, MESEngine(profile))
    return prepared - start, time.perf_counter() - prepared, time.process_time() - cpu


def theirs(path: Path, rule: str, cap: float) -> str:
    """Return pabutools' time for the rule, or "> cap s" if it did not finish in time."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", PABUTOOLS, str(path), rule],
            capture_output=True,
            text=True,
            timeout=cap,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f"> {cap:g} s"
    except subprocess.CalledProcessError as exc:
        return "error: " + exc.stderr.strip().splitlines()[-1]
    return f"{float(done.stdout.strip()):.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=60.0, help="pabutools time cap, seconds")
    parser.add_argument("--files", default="*.pb", help="glob of files under the data folder")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--no-pabutools", action="store_true")
    parser.add_argument("--json", action="store_true", help="print JSON lines instead")
    args = parser.parse_args()
    print(
        "| file | voters | rule | ours: grouping | ours: rule | ours: rule, CPU | pabutools: rule |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
    for path in sorted(DATA.glob(args.files)):
        election = parse_pabulib(path)
        for rule in args.rules.split(","):
            if election.vote_type == "ordinal" and rule != "greedy":
                continue
            if election.vote_type == "cumulative" and rule == "phragmen":
                continue
            prep, mine, mine_cpu = ours(path, rule)
            other = "-" if args.no_pabutools else theirs(path, rule, args.cap)
            if args.json:
                row = {"file": path.name, "rule": rule, "grouping": prep, "ours": mine}
                row["ours_cpu"] = mine_cpu
                print(json.dumps(row | {"pabutools": other}))
            else:
                print(
                    f"| {path.stem} | {election.num_voters} | {rule} | {prep:.3f} s "
                    f"| {mine:.3f} s | {mine_cpu:.3f} s | {other} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
