"""The tie rule, exact amounts and the ballot hash."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballots.tally import Ballot, Election, Project, ballot_hash, format_amount, id_key, tally


def test_numeric_ids_compare_as_numbers() -> None:
    """ "9" sorts before "10"; non-numeric ids compare as strings, after numeric ones."""
    assert sorted(["10", "9", "b", "a10", "a9", "100"], key=id_key) == [
        "9",
        "10",
        "100",
        "a10",
        "a9",
        "b",
    ]


@pytest.mark.parametrize("rule", ["greedy", "mes", "mes-add1", "mes-add1-greedy", "phragmen"])
def test_equal_projects_go_by_numeric_id(rule: str) -> None:
    """Given two identical projects "10" and "9" and room for one, "9" wins under every rule."""
    election = Election(
        [Project("10", 50), Project("9", 50)],
        Fraction(60),
        [Ballot(("9", "10"), weight=4)],
    )
    assert tally(election, rule).selected == ["9"]


def test_more_votes_then_lower_cost_then_id() -> None:
    """Given ties in price, more votes beats lower cost, and lower cost beats the id."""
    election = Election(
        [Project("1", 40), Project("2", 30), Project("3", 30), Project("4", 30)],
        Fraction(100),
        [Ballot(("1", "2", "4")), Ballot(("3", "1", "2", "4"))],
    )
    # Votes: 1 and 2 and 4 have 2, 3 has 1. Among 2 votes: cheaper 2 and 4 before 1; 2 before 4.
    assert tally(election, "greedy").selected == ["2", "4", "1"]


def test_greedy_options() -> None:
    """Greedy skips misfits, can stop at the first misfit, and can require minimum votes."""
    election = Election(
        [Project("a", 60), Project("b", 50), Project("c", 30)],
        Fraction(100),
        [Ballot(("a", "b", "c")), Ballot(("a", "b")), Ballot(("a",))],
    )
    assert tally(election, "greedy").selected == ["a", "c"]
    assert tally(election, "greedy", stop_at_first_misfit=True).selected == ["a"]
    assert tally(election, "greedy", min_votes=2).selected == ["a"]


def test_result_amounts_are_exact() -> None:
    """Spent and left are exact; amounts format without float noise."""
    election = Election(
        [Project("1", Fraction("0.10")), Project("2", Fraction("0.20"))],
        Fraction("0.30"),
        [Ballot(("1", "2"))],
    )
    result = tally(election, "greedy")
    assert result.total_cost == Fraction(3, 10)
    assert result.left == 0
    assert format_amount(result.total_cost) == "0.3"
    assert format_amount(Fraction(1, 3)) == "1/3"
    assert format_amount(Fraction(-5, 4)) == "-1.25"
    assert format_amount(Fraction(1234, 1)) == "1234"


def test_ballot_hash_is_canonical() -> None:
    """Ballot order, order within approval ballots, voter ids and grouping do not matter."""
    projects = [Project("1", 1), Project("2", 1)]
    one = Election(projects, 2, [Ballot(("1", "2"), voter_id="a"), Ballot(("2",)), Ballot(("2",))])
    two = Election(projects, 2, [Ballot(("2",), weight=2), Ballot(("2", "1"), voter_id="z")])
    three = Election(projects, 2, [Ballot(("2",)), Ballot(("1", "2"))])
    assert ballot_hash(one) == ballot_hash(two)
    assert ballot_hash(one) != ballot_hash(three)
    ranked = [Ballot(("1", "2"))]
    assert ballot_hash(Election(projects, 2, ranked, "ordinal")) != ballot_hash(
        Election(projects, 2, [Ballot(("2", "1"))], "ordinal")
    )
