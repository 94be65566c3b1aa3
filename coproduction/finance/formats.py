"""Writers of the finance exports: CSV, XLSX and the Fiscal Data Package (FDP 0.3).

Every writer streams: budget lines are one row per funded project, the ledger is read in
batches (``coproduction.selectors.ledger_rows``) and written straight to the file, so
memory stays flat whatever the number of rows. Text cells a spreadsheet would read as a
formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed
with an apostrophe in every format; numbers stay numbers. Contributors are pseudonymised
with an HMAC under settings.PBUDGET_HMAC_KEY, keyed per cycle, so exports of different
cycles cannot be joined on a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from coproduction.finance import selectors
from pbudget.models import Cycle

CENT = Decimal("0.01")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000  # ledger rows between progress reports

Progress = Callable[[int], None]

# (name, title, Table Schema type). The CSV header and FDP fields use the names; the
# XLSX header uses the titles.
BUDGET_COLUMNS = [
    ("fiscal_year", "Fiscal year", "integer"),
    ("fund", "Fund", "string"),
    ("department", "Department", "string"),
    ("program", "Program", "string"),
    ("account_code", "Account code", "string"),
    ("district_code", "District code", "string"),
    ("district", "District", "string"),
    ("project_id", "Project id", "integer"),
    ("project", "Project", "string"),
    ("phase", "Phase", "string"),
    ("delivery_status", "Delivery status", "string"),
    ("currency", "Currency", "string"),
    ("cash_cost", "Cash cost", "number"),
    ("inkind_pledged", "In-kind value pledged", "number"),
    ("inkind_verified", "In-kind value verified", "number"),
    ("inkind_other_currencies", "In-kind value in other currencies", "string"),
]
LEDGER_COLUMNS = [
    ("entry_id", "Entry id", "integer"),
    ("project_id", "Project id", "integer"),
    ("district", "District", "string"),
    ("contributor", "Contributor (pseudonym)", "string"),
    ("kind", "Kind", "string"),
    ("worked_on", "Date", "date"),
    ("hours", "Hours", "number"),
    ("skill", "Skill", "string"),
    ("soc_code", "SOC code", "string"),
    ("reverses_id", "Reverses entry", "integer"),
    ("status", "Status", "string"),
    ("flags", "Flags", "string"),
    ("value", "Value", "number"),
    ("currency", "Currency", "string"),
    ("method", "Valuation method", "string"),
    ("is_recognisable", "Recognised", "boolean"),
    ("recognition_basis", "Recognition basis", "string"),
    ("rate_id", "Rate id", "integer"),
    ("rate_amount", "Rate", "number"),
    ("fringe_percent", "Fringe (%)", "number"),
    ("revision", "Valuation revision", "integer"),
    ("source", "Rate source", "string"),
]
DISCLOSURE_COLUMNS = [
    ("category_code", "Category code", "string"),
    ("category", "Category", "string"),
    ("recognised", "Recognised as revenue", "boolean"),
    ("value", "Value", "number"),
    ("currency", "Currency", "string"),
    ("entries", "Entries", "integer"),
    ("hours", "Hours", "number"),
    ("use", "Used or monetised", "string"),
    ("technique", "Valuation technique", "string"),
    ("restrictions", "Donor-imposed restrictions", "string"),
]
TOTAL_COLUMNS = [
    ("name", "Name", "string"),
    ("projects", "Projects", "integer"),
    ("cash_cost", "Cash cost", "number"),
    ("pledged", "In-kind value pledged", "number"),
    ("verified", "In-kind value verified", "number"),
]


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def pseudonym(user_id: int, cycle_id: int) -> str:
    """A contributor's stable pseudonym within one cycle: 16 hex digits of an HMAC."""
    key = settings.PBUDGET_HMAC_KEY
    key = key if isinstance(key, bytes) else str(key).encode()
    message = f"pbudget:finance:contributor:{cycle_id}:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def _cell(value) -> str:
    """A CSV cell: empty for None, true/false, Decimals to the cent, ISO dates."""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if kind is Decimal:
        return str(value.quantize(CENT))
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def _writer(stream):
    return csv.writer(stream, lineterminator="\r\n")


def _write_table(stream, columns, rows: Iterable[dict]) -> int:
    writer = _writer(stream)
    writer.writerow([name for name, _title, _type in columns])
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name, _title, _type in columns])
        count += 1
    return count


def ledger_export_rows(cycle: Cycle) -> Iterable[dict]:
    """The ledger of ``cycle`` as export rows, contributor pseudonymised, in id order."""
    names: dict[int, str] = {}  # one HMAC per contributor, not per row
    for row in selectors.ledger_rows(cycle):
        contributor = row.pop("contributor_id")
        name = names.get(contributor)
        if name is None:
            name = names[contributor] = pseudonym(contributor, cycle.pk)
        row["contributor"] = name
        row["flags"] = " ".join(row["flags"])
        yield row


def _with_progress(rows: Iterable[dict], progress: Progress | None) -> Iterable[dict]:
    count = 0
    for row in rows:
        yield row
        count += 1
        if progress is not None and count % BATCH == 0:
            progress(count)
    if progress is not None:
        progress(count)


# CSV ------------------------------------------------------------------------------------


def write_budget_csv(cycle: Cycle, stream, *, lines: list[dict] | None = None) -> int:
    """Budget lines of ``cycle`` as CSV (UTF-8, header row, CRLF). Returns the row count."""
    return _write_table(stream, BUDGET_COLUMNS, lines or selectors.budget_lines(cycle))


def write_disclosure_csv(cycle: Cycle, stream) -> int:
    """The contributed non-financial assets of ``cycle`` by category, as CSV."""
    return _write_table(stream, DISCLOSURE_COLUMNS, selectors.contributed_assets(cycle))


def write_ledger_csv(cycle: Cycle, stream, *, progress: Progress | None = None) -> int:
    """The contribution ledger of ``cycle`` (pseudonymised) as CSV, streamed in batches."""
    return _write_table(stream, LEDGER_COLUMNS, _with_progress(ledger_export_rows(cycle), progress))


# XLSX -----------------------------------------------------------------------------------


def write_xlsx(cycle: Cycle, path: Path, *, progress: Progress | None = None) -> int:
    """A workbook: about, budget lines, totals, contributed assets, ledger.

    xlsxwriter in constant-memory mode (rows flushed as written) with strings never turned
    into formulas, URLs or numbers. Returns the number of ledger rows.
    """
    import xlsxwriter

    lines = selectors.budget_lines(cycle)
    totals = selectors.totals(lines)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(Path(path).parent),
        },
    )
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})

    def sheet(name, columns, rows, widths=None) -> int:
        worksheet = workbook.add_worksheet(name)
        for index, (_name, title, _type) in enumerate(columns):
            worksheet.set_column(index, index, (widths or {}).get(_name, max(12, len(title) + 2)))
            worksheet.write_string(0, index, title, bold)
        worksheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, (name, _title, _kind) in enumerate(columns):
                value = row.get(name)
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    worksheet.write_boolean(count, index, value)
                elif isinstance(value, Decimal):
                    worksheet.write_number(count, index, float(value), money)
                elif isinstance(value, int):
                    worksheet.write_number(count, index, value)
                elif isinstance(value, dt.date):
                    worksheet.write_datetime(count, index, value, day)
                else:
                    worksheet.write_string(count, index, neutralise(str(value)))
        if count:
            worksheet.autofilter(0, 0, count, len(columns) - 1)
        return count

    about = workbook.add_worksheet("About")
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 90)
    facts = [
        ("Cycle", cycle.name),
        ("Fiscal year", cycle.fiscal_year),
        ("Currency", cycle.currency),
        ("Generated", timezone.now().strftime("%Y-%m-%d %H:%M UTC")),
        ("Budget lines", len(lines)),
        ("Cash cost", totals["cash_cost"]),
        ("In-kind value pledged", totals["pledged"]),
        ("In-kind value verified", totals["verified"]),
        (
            "Note",
            "Cash cost and in-kind value are never netted. In-kind values in another "
            "currency are listed apart and never converted. Contributors are pseudonyms.",
        ),
    ]
    for row, (label, value) in enumerate(facts):
        about.write_string(row, 0, label, bold)
        if isinstance(value, Decimal):
            about.write_number(row, 1, float(value), money)
        elif isinstance(value, int):
            about.write_number(row, 1, value)
        else:
            about.write_string(row, 1, neutralise(str(value)))
    sheet("Budget lines", BUDGET_COLUMNS, lines, {"project": 40, "department": 24})
    sheet("By district", TOTAL_COLUMNS, totals["by_district"], {"name": 28})
    sheet("By department", TOTAL_COLUMNS, totals["by_department"], {"name": 28})
    sheet(
        "Contributed assets",
        DISCLOSURE_COLUMNS,
        selectors.contributed_assets(cycle),
        {"category": 50, "technique": 50, "use": 40, "restrictions": 40},
    )
    columns = [*LEDGER_COLUMNS[:10], ("description", "Description", "string"), *LEDGER_COLUMNS[10:]]
    written = sheet("Ledger", columns, _with_progress(ledger_export_rows(cycle), progress))
    workbook.close()
    return written


# Fiscal Data Package --------------------------------------------------------------------


def _schema(columns, primary_key: str | None = None) -> dict:
    schema: dict = {
        "fields": [{"name": name, "title": title, "type": kind} for name, title, kind in columns],
        "missingValues": [""],
    }
    if primary_key:
        schema["primaryKey"] = [primary_key]
    return schema


def _resource(name: str, title: str, columns, primary_key: str | None = None) -> dict:
    return {
        "profile": "tabular-data-resource",
        "name": name,
        "title": title,
        "path": f"{name}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {
            "delimiter": ",",
            "doubleQuote": True,
            "lineTerminator": "\r\n",
            "quoteChar": '"',
            "header": True,
        },
        "schema": _schema(columns, primary_key),
    }


def _attribute(column: str, **extra) -> dict:
    return {"source": column, "resource": "budget-lines", **extra}


def fdp_descriptor(cycle: Cycle, *, created: dt.datetime | None = None) -> dict:
    """``datapackage.json`` of a cycle's budget: tabular-data-package with an FDP 0.3 model."""
    created = (created or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    currency = cycle.currency
    return {
        "profile": "tabular-data-package",
        "name": f"pbudget-{cycle.slug}-budget-lines".lower(),
        "title": f"{cycle.name}: participatory budget lines, fiscal year {cycle.fiscal_year}",
        "description": (
            "Funded projects of a participatory budgeting cycle as budget lines: cash cost "
            "(expenditure) beside the in-kind value residents pledged and that was verified "
            "(never netted), with the pseudonymised contribution ledger and a disclosure of "
            "contributed non-financial assets by category."
        ),
        "created": created.isoformat().replace("+00:00", "Z"),
        "keywords": ["participatory budgeting", "fiscal data package", "coproduction"],
        "licenses": [
            {
                "name": "ODC-PDDL-1.0",
                "path": "http://opendatacommons.org/licenses/pddl/",
                "title": "Open Data Commons Public Domain Dedication and License v1.0",
            }
        ],
        "granularity": "aggregated",
        "resources": [
            _resource("budget-lines", "Budget lines", BUDGET_COLUMNS, "project_id"),
            _resource("coproduction-ledger", "Coproduction ledger", LEDGER_COLUMNS, "entry_id"),
            _resource("contributed-assets", "Contributed non-financial assets", DISCLOSURE_COLUMNS),
        ],
        "model": {
            "measures": {
                "cash_cost": {
                    "source": "cash_cost",
                    "resource": "budget-lines",
                    "currency": currency,
                    "direction": "expenditure",
                },
                "inkind_pledged": {
                    "source": "inkind_pledged",
                    "resource": "budget-lines",
                    "currency": currency,
                },
                "inkind_verified": {
                    "source": "inkind_verified",
                    "resource": "budget-lines",
                    "currency": currency,
                },
            },
            "dimensions": {
                "fiscal_year": {
                    "attributes": {"fiscal_year": _attribute("fiscal_year")},
                    "primaryKey": "fiscal_year",
                    "dimensionType": "datetime",
                },
                "fund": {
                    "attributes": {"fund": _attribute("fund")},
                    "primaryKey": "fund",
                    "dimensionType": "classification",
                },
                "administrative": {
                    "attributes": {"department": _attribute("department")},
                    "primaryKey": "department",
                    "dimensionType": "classification",
                    "classificationType": "administrative",
                },
                "program": {
                    "attributes": {"program": _attribute("program")},
                    "primaryKey": "program",
                    "dimensionType": "activity",
                },
                "economic": {
                    "attributes": {"account_code": _attribute("account_code")},
                    "primaryKey": "account_code",
                    "dimensionType": "classification",
                    "classificationType": "economic",
                },
                "project": {
                    "attributes": {
                        "project_id": _attribute("project_id"),
                        "project": _attribute("project", labelfor="project_id"),
                    },
                    "primaryKey": "project_id",
                    "dimensionType": "activity",
                },
                "district": {
                    "attributes": {
                        "district_code": _attribute("district_code"),
                        "district": _attribute("district", labelfor="district_code"),
                    },
                    "primaryKey": "district_code",
                    "dimensionType": "location",
                },
                "phase": {
                    "attributes": {"phase": _attribute("phase")},
                    "primaryKey": "phase",
                    "dimensionType": "other",
                },
            },
        },
    }


def _text_member(archive: zipfile.ZipFile, name: str):
    return io.TextIOWrapper(archive.open(name, "w", force_zip64=True), encoding="utf-8", newline="")


def write_fdp(cycle: Cycle, path: Path, *, progress: Progress | None = None) -> int:
    """A zip with datapackage.json and the CSV resources. Returns the number of ledger rows."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "datapackage.json", json.dumps(fdp_descriptor(cycle), indent=2, ensure_ascii=False)
        )
        with _text_member(archive, "budget-lines.csv") as stream:
            write_budget_csv(cycle, stream)
        with _text_member(archive, "contributed-assets.csv") as stream:
            write_disclosure_csv(cycle, stream)
        with _text_member(archive, "coproduction-ledger.csv") as stream:
            written = write_ledger_csv(cycle, stream, progress=progress)
    return written


# Dispatch -------------------------------------------------------------------------------

EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "fdp": "zip", "disclosure-csv": "csv"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "disclosure-csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "fdp": "application/zip",
}


def download_name(cycle: Cycle, fmt: str) -> str:
    stem = {"csv": "budget-lines", "xlsx": "budget", "fdp": "fiscal-data-package"}.get(
        fmt, "contributed-assets"
    )
    return f"{cycle.slug}-{cycle.fiscal_year}-{stem}.{EXTENSIONS[fmt]}"


def write_export(fmt: str, cycle: Cycle, path: Path, *, progress: Progress | None = None) -> int:
    """Write ``fmt`` for ``cycle`` to ``path``; the number of rows written (ledger or lines)."""
    if fmt == "xlsx":
        return write_xlsx(cycle, path, progress=progress)
    if fmt == "fdp":
        return write_fdp(cycle, path, progress=progress)
    with open(path, "w", encoding="utf-8", newline="") as stream:
        if fmt == "csv":
            return write_budget_csv(cycle, stream)
        if fmt == "disclosure-csv":
            return write_disclosure_csv(cycle, stream)
    raise ValueError(f"unknown export format {fmt!r}")
