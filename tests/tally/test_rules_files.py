"""Rules on the real Pabulib elections: official results and pabutools' outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest
from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from ballots.tally import parse_pabulib, tally

# ../shared beside the repository holds the Pabulib files.
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"
SMALL = [
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Gdansk_2020_Rudniki.pb",
    "Poland_Zabrze_2020_Konczyce.pb",
    "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb",
]
BIG = [
    "Poland_Warszawa_2021_Mokotow.pb",
    "Hungary_Budapest_2024.pb",
    "Poland_Warszawa_2026.pb",
    "Poland_Lodz_2022.pb",
]


def official(name: str) -> set[str]:
    """Return the ids the file marks as selected."""
    return {p.id for p in parse_pabulib(DATA / name).projects if p.extra.get("selected") == "1"}


@pytest.mark.parametrize(
    "name",
    [
        "Netherlands_Assen_2024.pb",
        "Poland_Swiecie_2023.pb",
        "Poland_Wieliczka_2023_Green_Budget.pb",
    ],
)
def test_mes_add1_reproduces_official_result(name: str) -> None:
    """MES with add1 completion selects exactly the official Equal Shares winners."""
    result = tally(parse_pabulib(DATA / name), "mes-add1")
    assert set(result.selected) == official(name)
    assert len(result.selected) == len(official(name))


def test_wieliczka_add1_is_the_within_budget_variant() -> None:
    """Wieliczka's official 30 projects / 995,079 PLN, not the 31 of stopping when exhaustive."""
    result = tally(parse_pabulib(DATA / "Poland_Wieliczka_2023_Green_Budget.pb"), "mes-add1")
    assert (len(result.selected), result.total_cost) == (30, 995079)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("Poland_Warszawa_2021_Mokotow.pb", {}),
        ("Poland_Warszawa_2026.pb", {"min_votes": 3000}),
        ("Poland_Lodz_2022.pb", {"min_votes": 100}),
    ],
)
def test_greedy_reproduces_official_result(name: str, options: dict) -> None:
    """Greedy (with the city's threshold) selects exactly the official winners."""
    assert set(tally(parse_pabulib(DATA / name), "greedy", **options).selected) == official(name)


def _pabutools(name: str, rule: str, pb) -> list[str]:
    election = parse_pabulib(DATA / name)
    instance, profile, tie = pb.to_pabutools(election, drop_unsupported=rule == "phragmen")
    approval = election.vote_type in ("approval", "choose-1")
    if rule == "greedy":
        sat = Cost_Sat if approval else pb.PointsTimesCostSat
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat, tie_breaking=tie)
    elif rule == "mes":
        sat = Cost_Sat if approval else Additive_Cardinal_Sat
        out = method_of_equal_shares(instance, profile, sat_class=sat, tie_breaking=tie)
    elif rule == "phragmen":
        out = sequential_phragmen(instance, profile, tie_breaking=tie)
    else:
        sat = Cost_Sat if approval else Additive_Cardinal_Sat
        out = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": sat, "tie_breaking": tie},
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
    return pb.names(out)


# pabutools' add1 steps one unit at a time: 17 s on Świecie, 53 s on Zabrze, 65 s on Wieliczka.
SLOW_ADD1 = {
    "Poland_Swiecie_2023.pb",
    "Poland_Zabrze_2020_Konczyce.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
}


def _cases(files: list[str]) -> list:
    cases = []
    for name in files:
        vote_type = parse_pabulib(DATA / name).vote_type
        for rule in ("greedy", "mes", "phragmen", "mes-add1"):
            if vote_type == "ordinal" and rule != "greedy":
                continue
            if vote_type == "cumulative" and rule == "phragmen":
                continue
            marks = [pytest.mark.slow] if rule == "mes-add1" and name in SLOW_ADD1 else []
            cases.append(pytest.param(name, rule, marks=marks))
    return cases


def _same(ours: list[str], theirs: list[str], rule: str) -> None:
    # pabutools returns Phragmén's projects sorted, not in selection order.
    if rule == "phragmen":
        assert sorted(ours) == sorted(theirs)
    else:
        assert ours == theirs


@pytest.mark.parametrize(("name", "rule"), _cases(SMALL))
def test_same_as_pabutools_small_files(name: str, rule: str, pb) -> None:
    """Every rule gives pabutools' projects in pabutools' order (same tie rule)."""
    _same(tally(parse_pabulib(DATA / name), rule).selected, _pabutools(name, rule, pb), rule)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "rule"), [c for c in _cases(BIG) if c.values[1] != "mes-add1"])
def test_same_as_pabutools_big_files(name: str, rule: str, pb) -> None:
    """Greedy, MES and Phragmén agree with pabutools on the big files (slow in pabutools)."""
    _same(tally(parse_pabulib(DATA / name), rule).selected, _pabutools(name, rule, pb), rule)


def test_same_as_pabutools_mokotow_greedy_and_mes(pb) -> None:
    """One big file is always compared: Mokotów greedy and MES (a few seconds in pabutools)."""
    name = "Poland_Warszawa_2021_Mokotow.pb"
    election = parse_pabulib(DATA / name)
    assert tally(election, "greedy").selected == _pabutools(name, "greedy", pb)
    assert tally(election, "mes").selected == _pabutools(name, "mes", pb)
