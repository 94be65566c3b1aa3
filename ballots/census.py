"""Census import: a CSV streamed with PostgreSQL COPY into a staging table, checked, then
moved into the census in one transaction.

The file has a header line naming the columns ``document_number``, ``birth_date``
(YYYY-MM-DD), ``postal_code`` and ``district`` (the district's slug or name), in any
order. Document numbers are normalised and replaced by their keyed hash before they reach
the database. Rows are added, or update the entry with the same document number (its
claim is kept); nothing is deleted. The first bad row stops the import: nothing changes,
and the report names the line and the problem.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext as _

from ballots.hashing import document_hasher, normalise_document, normalise_postal_code
from pbudget.models import District

COLUMNS = ("document_number", "birth_date", "postal_code", "district")
POSTAL_CODE = re.compile(r"^[0-9A-Z-]{2,12}$")
PROGRESS_EVERY = 50_000
CHUNK_ROWS = 5_000
ADVISORY_LOCK = 0x0BA1107  # one census import at a time


class CensusRowError(Exception):
    """A bad line in a census file."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def progress_key(import_id: int) -> str:
    return f"ballots:census-import:{import_id}:rows"


def count_rows(path: Path) -> int:
    """Data lines in the file (the header not counted)."""
    with open(path, "rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(0, 2)
        size = handle.tell()
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                lines += 1
    return max(lines - 1, 0)


def _district_lookup() -> dict[str, int | None]:
    """Slug or lower-cased name → district id; None for the city-wide district."""
    lookup: dict[str, int | None] = {}
    for pk, slug, name, citywide in District.objects.values_list(
        "pk", "slug", "name", "is_citywide"
    ):
        value = None if citywide else pk
        lookup[slug.lower()] = value
        lookup[name.strip().lower()] = value
    return lookup


def _header_positions(header: list[str]) -> list[int]:
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise CensusRowError(
            1,
            _("The header must name the columns %(columns)s; missing: %(missing)s.")
            % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)},
        )
    return [names.index(column) for column in COLUMNS]


def parse_rows(
    path: Path, *, today: date, districts: dict[str, int | None] | None = None
) -> Iterator[tuple[int, str]]:
    """Yield (line number, COPY text line) for each row, raising CensusRowError on a bad one.

    Runs no query once started (the connection is busy with COPY while it is read).
    """
    hash_document = document_hasher()
    districts = _district_lookup() if districts is None else districts
    earliest = date(1900, 1, 1)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise CensusRowError(1, _("The file is empty.")) from None
        except (csv.Error, UnicodeDecodeError) as error:
            raise CensusRowError(1, _("Not a readable CSV file: %s") % error) from None
        positions = _header_positions(header)
        width = len(header)
        doc_at, birth_at, postal_at, district_at = positions
        line = 1
        try:
            for row in reader:
                line = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    raise CensusRowError(
                        line,
                        _("Expected %(expected)d columns, found %(found)d.")
                        % {"expected": width, "found": len(row)},
                    )
                document = row[doc_at]
                clean = normalise_document(document)
                if not 3 <= len(clean) <= 40:
                    raise CensusRowError(
                        line,
                        _("The document number must have 3 to 40 letters or digits."),
                    )
                birth_text = row[birth_at].strip()
                try:
                    birth = date.fromisoformat(birth_text)
                except ValueError:
                    raise CensusRowError(
                        line,
                        _("“%(value)s” is not a birth date in the form YYYY-MM-DD.")
                        % {"value": birth_text[:40]},
                    ) from None
                if not earliest <= birth <= today:
                    raise CensusRowError(
                        line,
                        _("The birth date %(value)s is not plausible.") % {"value": birth_text},
                    )
                postal = normalise_postal_code(row[postal_at])
                if not POSTAL_CODE.match(postal):
                    raise CensusRowError(
                        line,
                        _("“%(value)s” is not a postal code.") % {"value": row[postal_at][:40]},
                    )
                district_name = row[district_at].strip().lower()
                if district_name not in districts:
                    raise CensusRowError(
                        line,
                        _("Unknown district “%(value)s”.") % {"value": row[district_at][:80]},
                    )
                district_id = districts[district_name]
                if district_id is None:
                    raise CensusRowError(
                        line,
                        _("Residents live in a district, not in the city-wide one."),
                    )
                yield (
                    line,
                    f"{line}\t{hash_document(clean)}\t{birth.isoformat()}\t{postal}\t{district_id}\n",
                )
        except csv.Error as error:
            raise CensusRowError(reader.line_num or line, _("Broken CSV: %s") % error) from None
        except UnicodeDecodeError:
            raise CensusRowError(
                line + 1, _("The file must be UTF-8 text; this line is not.")
            ) from None


def _check_duplicates(cursor) -> None:
    # A hash aggregate finds whether any number repeats; only then are its lines looked up.
    cursor.execute(
        "SELECT document_hash FROM census_staging GROUP BY document_hash "
        "HAVING count(*) > 1 ORDER BY min(line_no) LIMIT 1"
    )
    repeated = cursor.fetchone()
    if repeated is None:
        return
    cursor.execute(
        "SELECT line_no FROM census_staging WHERE document_hash = %s ORDER BY line_no LIMIT 2",
        [repeated[0]],
    )
    first, second = (row[0] for row in cursor.fetchall())
    raise CensusRowError(
        second,
        _("The same document number is already on line %(line)d.") % {"line": first},
    )


def import_census_file(path: Path, *, import_id: int, today: date) -> tuple[int, int]:
    """Import the file in one transaction; return (created, updated). Raises CensusRowError."""
    districts = _district_lookup()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            """
            CREATE TEMP TABLE census_staging (
                line_no integer NOT NULL,
                document_hash char(64) NOT NULL,
                birth_date date NOT NULL,
                postal_code varchar(16) NOT NULL,
                district_id bigint NOT NULL
            ) ON COMMIT DROP
            """
        )
        copied = 0
        with cursor.copy(
            "COPY census_staging (line_no, document_hash, birth_date, postal_code, district_id) "
            "FROM STDIN"
        ) as copy:
            chunk: list[str] = []
            for _line, text in parse_rows(path, today=today, districts=districts):
                chunk.append(text)
                if len(chunk) >= CHUNK_ROWS:
                    copy.write("".join(chunk))
                    copied += len(chunk)
                    chunk = []
                    if copied % PROGRESS_EVERY == 0:
                        cache.set(progress_key(import_id), copied, 3600)
            if chunk:
                copy.write("".join(chunk))
                copied += len(chunk)
        cache.set(progress_key(import_id), copied, 3600)
        cursor.execute("ANALYZE census_staging")
        _check_duplicates(cursor)
        cursor.execute(
            """
            WITH moved AS (
                INSERT INTO ballots_censusentry
                    (document_hash, birth_date, postal_code, district_id, imported_at,
                     claimed_channel)
                SELECT document_hash, birth_date, postal_code, district_id, now(), ''
                FROM census_staging
                ORDER BY document_hash  -- index-friendly order
                ON CONFLICT (document_hash) DO UPDATE SET
                    birth_date = EXCLUDED.birth_date,
                    postal_code = EXCLUDED.postal_code,
                    district_id = EXCLUDED.district_id,
                    imported_at = EXCLUDED.imported_at
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
            FROM moved
            """
        )
        created, updated = cursor.fetchone()
    return created, updated
