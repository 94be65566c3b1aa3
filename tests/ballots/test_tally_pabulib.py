"""pbtally prints what tally_file computes; Pabulib files import as past cycles."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ballots.counting import services
from ballots.models import Ballot, ImportedElection
from ballots.tally import parse_pabulib, parse_pabulib_string, tally, tally_file
from pbudget.models import Cycle, Phase
from proposals.models import Proposal, ProposalStatus

ASSEN = Path(__file__).resolve().parents[2] / "ballots" / "demo_data" / "Netherlands_Assen_2024.pb"
RULES = ["greedy", "mes", "mes-add1", "mes-add1-greedy", "phragmen"]


def pbtally(*args) -> dict:
    out = StringIO()
    call_command("pbtally", str(ASSEN), *args, stdout=out)
    text = out.getvalue().strip()
    assert text.count("\n") == 0, "exactly one line of JSON"
    return json.loads(text)


def official_selection(path: Path) -> set[str]:
    """The ``selected`` column of the file's PROJECTS section."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = lines.index("PROJECTS") + 1
    end = lines.index("VOTES")
    rows = csv.DictReader(lines[start:end], delimiter=";")
    return {row["project_id"] for row in rows if row["selected"] == "1"}


def test_pbtally_prints_the_official_assen_result_for_mes_add1():
    result = pbtally("--rule", "mes-add1")

    assert set(result) == {"rule", "selected", "total_cost"}
    assert result["rule"] == "mes-add1"
    assert set(result["selected"]) == official_selection(ASSEN)
    assert result["total_cost"] == "76700"


@pytest.mark.parametrize("rule", RULES)
def test_pbtally_matches_tally_file_for_every_rule(rule):
    expected = tally_file(ASSEN, rule)
    result = pbtally("--rule", rule)
    assert result == {k: expected[k] for k in ("rule", "selected", "total_cost")}


def test_pbtally_passes_greedy_options_through():
    result = pbtally("--rule", "greedy", "--min-votes", "20", "--stop-at-first-misfit")
    expected = tally_file(ASSEN, "greedy", min_votes=20, stop_at_first_misfit=True)
    assert result["selected"] == expected["selected"]


def test_pbtally_refuses_greedy_options_for_other_rules_and_missing_files():
    with pytest.raises(CommandError):
        pbtally("--rule", "mes", "--min-votes", "3")
    with pytest.raises(CommandError, match="no such file"):
        call_command("pbtally", "/nonexistent.pb", "--rule", "mes", stdout=StringIO())


# --- import ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_assen_makes_a_past_cycle_whose_count_matches_the_official_result():
    call_command("import_pabulib", str(ASSEN), "--cycle-slug", "assen-2024", stdout=StringIO())

    cycle = Cycle.objects.get(slug="assen-2024")
    assert cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION)
    assert cycle.tally_rule == "mes-add1"  # from the file's rule, equalshares/add1
    assert cycle.voting_closes.date().isoformat() == "2024-04-16"
    assert Proposal.objects.filter(cycle=cycle, status=ProposalStatus.FEASIBLE).count() == 14
    assert Ballot.objects.filter(cycle=cycle).count() == 84
    imported = ImportedElection.objects.get(cycle=cycle)
    district = imported.district
    run = services.count_run(cycle_id=cycle.pk, district_id=district.pk)
    winners = {imported.project_ids[pk] for pk in run.winners}
    assert winners == official_selection(ASSEN)
    podium = Proposal.objects.get(cycle=cycle, title="PopUp Podium")
    assert podium.official_cost == 7200


def pb(meta: str, projects: str, votes: str) -> str:
    return (
        f"META\nkey;value\n{meta}PROJECTS\nproject_id;cost\n{projects}VOTES\nvoter_id;vote\n{votes}"
    )


BAD_FILES = {
    "no budget": pb("vote_type;approval\n", "1;10\n", "1;1\n"),
    "unknown project": pb("budget;100\n", "1;10\n", "1;1,7\n"),
    "bad cost": pb("budget;100\n", "1;ten\n", "1;1\n"),
    "thousandths": pb("budget;100.005\n", "1;10\n", "1;1\n"),
    "unknown vote type": pb("budget;100\nvote_type;magic\n", "1;10\n", "1;1\n"),
    "not pabulib": "name,cost\nPark,100\n",
}


@pytest.mark.django_db
@pytest.mark.parametrize("problem", BAD_FILES)
def test_importing_a_bad_file_gives_a_clear_error_and_changes_nothing(problem):
    before = (Cycle.objects.count(), Proposal.objects.count(), Ballot.objects.count())

    with pytest.raises(ValidationError) as error:
        services.pabulib_import(text=BAD_FILES[problem], file_name="x.pb", slug="x", user=None)

    assert error.value.code == "bad_file"
    assert "Pabulib" in error.value.messages[0]
    assert (Cycle.objects.count(), Proposal.objects.count(), Ballot.objects.count()) == before


@pytest.mark.django_db
def test_import_command_reports_a_taken_slug_and_changes_nothing():
    call_command("import_pabulib", str(ASSEN), "--cycle-slug", "assen", stdout=StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_pabulib", str(ASSEN), "--cycle-slug", "assen", stdout=StringIO())
    assert Cycle.objects.filter(slug="assen").count() == 1
    assert Ballot.objects.count() == 84


@pytest.mark.django_db
def test_an_imported_election_exports_the_same_ballots_it_was_given():
    cycle = services.pabulib_import(
        text=ASSEN.read_text(encoding="utf-8"), file_name=ASSEN.name, slug="assen", user=None
    )
    district = ImportedElection.objects.get(cycle=cycle).district
    run = services.count_run(cycle_id=cycle.pk, district_id=district.pk)
    services.results_publish(run=run, user=None)

    exported = services.pabulib_export(cycle, district)

    assert f"unit;{parse_pabulib(ASSEN).meta['unit']}" in exported
    again = parse_pabulib_string(exported)
    assert again.num_voters == 84
    assert tally(again, "mes-add1").ballot_hash == run.ballot_hash
    assert tally(again, "mes-add1").selected == run.winners


@pytest.mark.django_db
def test_importing_swiecie_keeps_every_project_name_whole():
    """Świecie 2023 has a 143-character project name: it is imported whole."""
    path = Path(__file__).resolve().parents[3] / "shared/data/pabulib/Poland_Swiecie_2023.pb"
    names = {project.id: project.name for project in parse_pabulib(path).projects}
    assert max(len(name) for name in names.values()) > 140
    call_command("import_pabulib", str(path), "--cycle-slug", "swiecie-2023", stdout=StringIO())
    cycle = Cycle.objects.get(slug="swiecie-2023")
    imported = ImportedElection.objects.get(cycle=cycle)
    titles = {
        imported.project_ids[str(pk)]: t for pk, t in cycle.proposals.values_list("pk", "title")
    }
    assert titles == names


def test_a_resident_still_writes_titles_of_at_most_140_characters(db):
    from proposals.forms import ProposalForm
    from tests.factories import make_cycle

    cycle = make_cycle(phase="ideas")
    form = ProposalForm(data={"title": "x" * 141}, cycle=cycle, is_draft=True)
    assert not form.is_valid()
    assert "title" in form.errors
    assert form.fields["title"].widget.attrs["maxlength"] == "140"
