"""Pabulib parser and writer."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from ballots.tally import (
    Ballot,
    Election,
    Project,
    ballot_hash,
    pabulib_string,
    parse_pabulib,
    parse_pabulib_string,
)

# ../shared beside the repository holds the Pabulib files.
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pabulib"
FILES = sorted(p.name for p in DATA.glob("*.pb"))


@pytest.mark.parametrize("name", FILES)
def test_parse_matches_meta_and_round_trips(name: str) -> None:
    """Every file parses to the counts its META states, and writing it back loses nothing."""
    election = parse_pabulib(DATA / name)
    assert len(election.projects) == int(election.meta["num_projects"])
    assert election.num_voters == int(election.meta["num_votes"])
    again = parse_pabulib_string(pabulib_string(election))
    assert again.budget == election.budget
    assert again.vote_type == election.vote_type
    assert [(p.id, p.cost, p.name, p.extra) for p in again.projects] == [
        (p.id, p.cost, p.name, p.extra) for p in election.projects
    ]
    assert [(b.voter_id, b.projects, b.points) for b in again.ballots] == [
        (b.voter_id, b.projects, b.points) for b in election.ballots
    ]
    assert again.meta == election.meta
    assert ballot_hash(again) == ballot_hash(election)


def test_biggest_file_parses_whole() -> None:
    """Łódź 2022 (3.7 MB) reads to its 160 projects and 90,494 voters.

    Its parse time is measured in bench/tally_bench.py, not here.
    """
    election = parse_pabulib(DATA / "Poland_Lodz_2022.pb")
    assert len(election.projects) == 160
    assert sum(ballot.weight for ballot in election.ballots) == 90_494


def test_ordinal_and_cumulative_ballots_keep_order_and_points() -> None:
    """Ordinal ballots stay in rank order; cumulative ballots keep their points."""
    chicago = parse_pabulib(DATA / "US_Stanford_Dataset_PB_Chicago_35th_Ward_2021_vote_rankings.pb")
    assert chicago.ballots[0].projects == ("1775", "1801")
    # Pabulib's score column of ordinal files is our Borda score.
    profile = chicago.profile
    assert {pid: profile.votes[j] for j, pid in enumerate(profile.ids)} == {
        p.id: int(p.extra["score"]) for p in chicago.projects
    }
    gdansk = parse_pabulib(DATA / "Poland_Gdansk_2020_Rudniki.pb")
    assert all(b.points is not None for b in gdansk.ballots)
    profile = gdansk.profile
    assert {pid: profile.votes[j] for j, pid in enumerate(profile.ids)} == {
        p.id: int(p.extra["score"]) for p in gdansk.projects
    }


def test_decimal_costs_quoting_and_weights_round_trip() -> None:
    """Decimal costs stay exact, quoted names survive, weighted ballots expand to rows."""
    text = (
        "META\nkey;value\nbudget;1000.50\nvote_type;approval\ncurrency;EUR\n"
        'PROJECTS\nproject_id;cost;name\n1;250.25;"Park; benches ""new"""\n2;750.25;Library\n'
        "VOTES\nvoter_id;vote\nv1;1,2\nv2;2\n"
    )
    election = parse_pabulib_string(text)
    assert election.budget == Fraction(200100, 200)
    assert election.projects[0].cost == Fraction("250.25")
    assert election.projects[0].name == 'Park; benches "new"'
    assert parse_pabulib_string(pabulib_string(election)).projects == election.projects

    weighted = Election(
        [Project("1", 10), Project("2", Fraction("5.5"))],
        Fraction(12),
        [Ballot(("1",), weight=3), Ballot(("2", "1"), voter_id="x")],
    )
    back = parse_pabulib_string(pabulib_string(weighted))
    assert back.num_voters == 4
    assert "cost" not in back.projects[1].extra and back.projects[1].cost == Fraction(11, 2)
    assert ballot_hash(back) == ballot_hash(weighted)


def test_bad_input_is_refused() -> None:
    """Unknown projects, duplicate ids and float money are errors."""
    with pytest.raises(ValueError):
        Election([Project("1", 1)], 5, [Ballot(("2",))]).profile  # noqa: B018
    with pytest.raises(ValueError):
        Ballot(("1", "1"))
    with pytest.raises(TypeError):
        Project("1", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        parse_pabulib_string("META\nkey;value\nvote_type;approval\nPROJECTS\nproject_id;cost\n")
