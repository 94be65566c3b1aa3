"""Golden tests of each export format on the fixed finance world; validation of the FDP."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.core.management import CommandError, call_command

from coproduction.finance import formats
from coproduction.models import FinanceAuditLog
from tests.coproduction.test_finance_world import export_dir_fixture, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db

SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "data" / "fiscal-data-package.schema.json"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def budget_csv(world) -> str:
    stream = io.StringIO()
    formats.write_budget_csv(world["cycle"], stream)
    return stream.getvalue()


def test_the_budget_csv_is_exactly_the_golden_text(world):
    art, benches = world["art"].pk, world["benches"].pk

    assert budget_csv(world) == (
        "fiscal_year,fund,department,program,account_code,district_code,district,project_id,"
        "project,phase,delivery_status,currency,cash_cost,inkind_pledged,inkind_verified,"
        "inkind_other_currencies\r\n"
        f"2026,,,,,city-wide,City-wide,{art},'=1+1 Street art,executed,completed,EUR,"
        "12500.50,0.00,0.00,\r\n"
        f"2026,100 General Fund,Public Works,Parks,5100-200,old-town,Old Town,{benches},"
        "Benches for the riverside,approved,in_progress,EUR,40000.00,300.00,470.00,\r\n"
    )


def test_the_disclosure_csv_lists_contributed_assets_by_category(world):
    stream = io.StringIO()
    formats.write_disclosure_csv(world["cycle"], stream)
    use = "Used in delivering the project; not monetised"
    restriction = "Given for a named project; used only for it"

    assert stream.getvalue() == (
        "category_code,category,recognised,value,currency,entries,hours,use,technique,"
        "restrictions\r\n"
        "specialised-services,Contributed services requiring specialised skills,true,100.00,"
        f"EUR,1,2.00,{use},Replacement cost: occupation wage plus fringe,{restriction}\r\n"
        "general-services,General volunteer services (not recognised: memo only),false,120.00,"
        f"EUR,1,4.00,{use},Replacement cost: general volunteer rate,{restriction}\r\n"
        f"materials,Materials and supplies,true,250.00,EUR,1,0.00,{use},Fair market value,"
        f"{restriction}\r\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Benches", "Benches"),
        ("", ""),
    ],
)
def test_text_a_spreadsheet_would_run_is_neutralised(text, expected):
    assert formats.neutralise(text) == expected


def test_numbers_stay_numbers_even_when_negative():
    from decimal import Decimal

    assert formats.neutralise(Decimal("-45.00")) == Decimal("-45.00")
    assert formats._cell(Decimal("-45")) == "-45.00"
    assert formats._cell(-3) == "-3"


def _xlsx_sheets(path: Path) -> dict[str, list[list]]:
    """Read an XLSX back with zipfile and XML: {sheet name: rows of cell values}."""
    with zipfile.ZipFile(path) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
        names = [sheet.get("name") for sheet in workbook.find("m:sheets", NS)]
        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))  # noqa: S314
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]
        sheets = {}
        for index, name in enumerate(names, start=1):
            xml = archive.read(f"xl/worksheets/sheet{index}.xml").decode()
            assert "<f>" not in xml and "<f " not in xml, f"a formula in sheet {name}"
            rows = []
            root = ElementTree.fromstring(xml)  # noqa: S314 (our own file)
            for row in root.iter(f"{{{NS['m']}}}row"):
                cells = []
                for cell in row:
                    kind = cell.get("t")
                    column = re.match(r"[A-Z]+", cell.get("r")).group()
                    position = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(column)))
                    while len(cells) < position - 1:
                        cells.append(None)
                    if kind == "inlineStr":
                        value = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
                    elif kind == "s":
                        value = shared[int(cell.find("m:v", NS).text)]
                    elif kind == "b":
                        value = cell.find("m:v", NS).text == "1"
                    else:
                        value = float(cell.find("m:v", NS).text)
                    cells.append(value)
                rows.append(cells)
            sheets[name] = rows
    return sheets


def test_the_workbook_has_each_sheet_with_numbers_as_numbers_and_no_formula(world, tmp_path):
    path = tmp_path / "budget.xlsx"

    rows = formats.write_xlsx(world["cycle"], path)

    assert rows == 4  # ledger rows
    sheets = _xlsx_sheets(path)
    assert list(sheets) == [
        "About",
        "Budget lines",
        "By district",
        "By department",
        "Contributed assets",
        "Ledger",
    ]
    lines = sheets["Budget lines"]
    assert lines[0] == [title for _name, title, _type in formats.BUDGET_COLUMNS]
    assert lines[1] == [
        2026.0, None, None, None, None, "city-wide", "City-wide", float(world["art"].pk),
        "'=1+1 Street art", "executed", "completed", "EUR", 12500.5, 0.0, 0.0,
    ]  # fmt: skip
    assert lines[2] == [
        2026.0, "100 General Fund", "Public Works", "Parks", "5100-200", "old-town", "Old Town",
        float(world["benches"].pk), "Benches for the riverside", "approved", "in_progress", "EUR",
        40000.0, 300.0, 470.0,
    ]  # fmt: skip
    assert sheets["By district"][1:] == [
        ["City-wide", 1.0, 12500.5, 0.0, 0.0],
        ["Old Town", 1.0, 40000.0, 300.0, 470.0],
    ]
    assert sheets["By department"][1:] == [
        ["Public Works", 1.0, 40000.0, 300.0, 470.0],
        [None, 1.0, 12500.5, 0.0, 0.0],
    ]
    assert [row[1] for row in sheets["Contributed assets"][1:]] == [
        "Contributed services requiring specialised skills",
        "General volunteer services (not recognised: memo only)",
        "Materials and supplies",
    ]
    ledger = sheets["Ledger"]
    assert len(ledger) == 5
    description = ledger[0].index("Description")
    assert [row[description] if len(row) > description else None for row in ledger[1:]] == [
        None,
        None,
        "'@SUM(A1) timber",
        None,
    ]
    contributor = ledger[0].index("Contributor (pseudonym)")
    assert ledger[1][contributor] == formats.pseudonym(world["ana"].pk, world["cycle"].pk)


def _unzip_fdp(world, tmp_path) -> Path:
    path = tmp_path / "fdp.zip"
    formats.write_fdp(world["cycle"], path)
    target = tmp_path / "fdp"
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "budget-lines.csv",
            "contributed-assets.csv",
            "coproduction-ledger.csv",
            "datapackage.json",
        ]
        archive.extractall(target)
    return target


def test_the_fiscal_data_package_descriptor_has_the_fdp_model(world, tmp_path):
    folder = _unzip_fdp(world, tmp_path)
    descriptor = json.loads((folder / "datapackage.json").read_text())

    assert descriptor["profile"] == "tabular-data-package"
    assert descriptor["name"] == "pbudget-finance-2026-budget-lines"
    assert [(r["name"], r["path"], r["profile"]) for r in descriptor["resources"]] == [
        ("budget-lines", "budget-lines.csv", "tabular-data-resource"),
        ("coproduction-ledger", "coproduction-ledger.csv", "tabular-data-resource"),
        ("contributed-assets", "contributed-assets.csv", "tabular-data-resource"),
    ]
    model = descriptor["model"]
    assert model["measures"] == {
        "cash_cost": {
            "source": "cash_cost",
            "resource": "budget-lines",
            "currency": "EUR",
            "direction": "expenditure",
        },
        "inkind_pledged": {
            "source": "inkind_pledged",
            "resource": "budget-lines",
            "currency": "EUR",
        },
        "inkind_verified": {
            "source": "inkind_verified",
            "resource": "budget-lines",
            "currency": "EUR",
        },
    }
    assert set(model["dimensions"]) == {
        "fiscal_year", "fund", "administrative", "program", "economic", "project", "district",
        "phase",
    }  # fmt: skip
    columns = {name for name, _title, _type in formats.BUDGET_COLUMNS}
    for dimension in model["dimensions"].values():
        for attribute in dimension["attributes"].values():
            assert attribute["source"] in columns
    assert model["dimensions"]["administrative"]["classificationType"] == "administrative"
    assert model["dimensions"]["economic"]["attributes"] == {
        "account_code": {"source": "account_code", "resource": "budget-lines"}
    }
    assert (folder / "budget-lines.csv").read_bytes().decode() == budget_csv(world)


def test_the_ledger_resource_names_contributors_only_by_a_keyed_pseudonym(
    world, tmp_path, settings
):
    folder = _unzip_fdp(world, tmp_path)
    text = (folder / "coproduction-ledger.csv").read_text()
    ana = formats.pseudonym(world["ana"].pk, world["cycle"].pk)

    assert "ana@example.org" not in text and "ben@example.org" not in text
    assert text.count(ana) == 2
    assert re.fullmatch(r"[0-9a-f]{16}", ana)
    settings.PBUDGET_HMAC_KEY = "another key"
    assert formats.pseudonym(world["ana"].pk, world["cycle"].pk) != ana  # keyed
    assert formats.pseudonym(world["ana"].pk, world["cycle"].pk + 1) != ana  # per cycle


def test_the_fiscal_data_package_validates_with_frictionless(world, tmp_path):
    import frictionless

    folder = _unzip_fdp(world, tmp_path)

    report = frictionless.validate(str(folder / "datapackage.json"))

    assert report.valid, report.flatten(["type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [2, 4, 3]


def test_the_descriptor_validates_against_the_fiscal_data_package_schema(world, tmp_path):
    if not SCHEMA.exists():
        pytest.skip(f"../shared is missing: no FDP schema at {SCHEMA}")
    import jsonschema

    folder = _unzip_fdp(world, tmp_path)
    schema = json.loads(SCHEMA.read_text())
    descriptor = json.loads((folder / "datapackage.json").read_text())

    errors = [error.message for error in jsonschema.Draft4Validator(schema).iter_errors(descriptor)]

    assert errors == []


def test_the_command_writes_each_format_and_audits_it(world, tmp_path):
    for fmt, name in (("csv", "lines.csv"), ("xlsx", "budget.xlsx"), ("fdp", "budget.zip")):
        out = io.StringIO()
        call_command(
            "export_budget", cycle="finance-2026", fmt=fmt, out=str(tmp_path / name), stdout=out
        )
        assert "Wrote" in out.getvalue()

    assert (tmp_path / "lines.csv").read_bytes().decode() == budget_csv(world)
    assert zipfile.is_zipfile(tmp_path / "budget.xlsx") and zipfile.is_zipfile(
        tmp_path / "budget.zip"
    )
    audit = FinanceAuditLog.objects.filter(action="export-finished", detail__via="command")
    assert sorted(audit.values_list("detail__format", flat=True)) == ["csv", "fdp", "xlsx"]
    assert list(tmp_path.glob(".export-*")) == []  # no temporary file left


def test_the_command_names_the_known_cycles_when_the_slug_is_wrong(world, tmp_path):
    with pytest.raises(CommandError, match="finance-2026"):
        call_command("export_budget", cycle="nope", fmt="csv", out=str(tmp_path / "x.csv"))


def test_the_fast_ledger_reader_gives_the_same_rows_as_the_shared_selector(world):
    from coproduction import selectors as shared
    from coproduction.finance import selectors

    fast = list(selectors.ledger_rows(world["cycle"], batch_size=2))
    models = list(shared.ledger_rows(world["cycle"], batch_size=3))

    assert fast == models
    assert [row["status"] for row in fast] == ["verified", "verified", "verified", "submitted"]
