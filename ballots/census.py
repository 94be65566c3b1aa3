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
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from ballots.hashing import document_hash, normalise_document, normalise_postal_code
from pbudget.models import District

logger = logging.getLogger(__name__)

COLUMNS = ("document_number", "birth_date", "postal_code", "district")
POSTAL_CODE = re.compile(r"^[0-9A-Z-]{2,12}$")
PROGRESS_EVERY = 50_000
CHUNK_ROWS = 5_000
CACHE_LIMIT = 100_000  # distinct birth dates, postal codes or districts remembered
_SHA256_BLOCK = 64
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


def _census_hasher() -> Callable[[str], str]:
    """Return ``clean document number -> hex`` giving the same keyed hash as ``document_hash``.

    HMAC-SHA256 (RFC 2104) written out with the key's inner and outer digests prepared
    once and copied per row: about half the cost of ``hmac.digest`` for a short message,
    which counts at a million rows. The result is checked against ``document_hash`` before
    it is used, so the two cannot drift apart.
    """
    key = settings.PBUDGET_HMAC_KEY.encode()
    if len(key) > _SHA256_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    inner.update(b"census:")
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
    inner_copy, outer_copy = inner.copy, outer.copy

    def _hash(clean: str) -> str:
        message = inner_copy()
        message.update(clean.encode())
        result = outer_copy()
        result.update(message.digest())
        return result.hexdigest()

    sample = "CENSUS0SELF0CHECK"
    if _hash(sample) != document_hash(sample):
        raise RuntimeError("The census import hash differs from ballots.hashing.document_hash.")
    return _hash


def parse_rows(
    path: Path, *, today: date, districts: dict[str, int | None] | None = None
) -> Iterator[tuple[int, str]]:
    """Yield (line number, COPY text line) for each row, raising CensusRowError on a bad one.

    Runs no query once started (the connection is busy with COPY while it is read).
    """
    hash_document = _census_hasher()
    districts = _district_lookup() if districts is None else districts
    earliest = date(1900, 1, 1)
    # Birth dates, postal codes and districts repeat across a census: each distinct raw
    # value is checked once and its COPY text remembered (up to CACHE_LIMIT values each).
    births: dict[str, str] = {}
    postals: dict[str, str] = {}
    district_ids: dict[str, str] = {}
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
                if len(row) != width:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue
                    raise CensusRowError(
                        line,
                        _("Expected %(expected)d columns, found %(found)d.")
                        % {"expected": width, "found": len(row)},
                    )
                document = row[doc_at]
                if document.isascii() and document.isalnum():
                    clean = document.upper()  # already letters and digits only
                else:
                    clean = normalise_document(document)
                if not 3 <= len(clean) <= 40:
                    raise CensusRowError(
                        line,
                        _("The document number must have 3 to 40 letters or digits."),
                    )
                raw = row[birth_at]
                birth = births.get(raw)
                if birth is None:
                    birth = _check_birth(raw, line, earliest=earliest, today=today)
                    if len(births) < CACHE_LIMIT:
                        births[raw] = birth
                raw = row[postal_at]
                postal = postals.get(raw)
                if postal is None:
                    postal = _check_postal_code(raw, line)
                    if len(postals) < CACHE_LIMIT:
                        postals[raw] = postal
                raw = row[district_at]
                district_id = district_ids.get(raw)
                if district_id is None:
                    district_id = _check_district(raw, line, districts)
                    if len(district_ids) < CACHE_LIMIT:
                        district_ids[raw] = district_id
                yield (
                    line,
                    f"{line}\t{hash_document(clean)}\t{birth}\t{postal}\t{district_id}\n",
                )
        except csv.Error as error:
            raise CensusRowError(reader.line_num or line, _("Broken CSV: %s") % error) from None
        except UnicodeDecodeError:
            raise CensusRowError(
                line + 1, _("The file must be UTF-8 text; this line is not.")
            ) from None


def _check_birth(raw: str, line: int, *, earliest: date, today: date) -> str:
    """The birth date as COPY text (YYYY-MM-DD), or CensusRowError."""
    text = raw.strip()
    try:
        birth = date.fromisoformat(text)
    except ValueError:
        raise CensusRowError(
            line,
            _("“%(value)s” is not a birth date in the form YYYY-MM-DD.") % {"value": text[:40]},
        ) from None
    if not earliest <= birth <= today:
        raise CensusRowError(
            line, _("The birth date %(value)s is not plausible.") % {"value": text}
        )
    return birth.isoformat()


def _check_postal_code(raw: str, line: int) -> str:
    """The normalised postal code, or CensusRowError."""
    postal = normalise_postal_code(raw)
    if not POSTAL_CODE.match(postal):
        raise CensusRowError(line, _("“%(value)s” is not a postal code.") % {"value": raw[:40]})
    return postal


def _check_district(raw: str, line: int, districts: dict[str, int | None]) -> str:
    """The district id as COPY text, or CensusRowError."""
    name = raw.strip().lower()
    if name not in districts:
        raise CensusRowError(line, _("Unknown district “%(value)s”.") % {"value": raw[:80]})
    district_id = districts[name]
    if district_id is None:
        raise CensusRowError(line, _("Residents live in a district, not in the city-wide one."))
    return str(district_id)


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


_INSERT_NEW = """
    INSERT INTO ballots_censusentry
        (document_hash, birth_date, postal_code, district_id, imported_at, claimed_channel)
    SELECT staged.document_hash, staged.birth_date, staged.postal_code, staged.district_id,
           now(), ''
    FROM census_staging AS staged
    WHERE NOT EXISTS (
        SELECT FROM ballots_censusentry AS entry
        WHERE entry.document_hash = staged.document_hash
    )
    ORDER BY staged.document_hash COLLATE "C"
"""


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int
    kept_district: int  # people who voted in an open vote: their district waits for the close


def import_census_file(path: Path, *, import_id: int, today: date) -> ImportCounts:
    """Import the file in one transaction. Raises CensusRowError.

    A person who has voted in a cycle whose voting is open keeps their district until it
    closes, whatever the file says: their ballot and any new one they cast must count in
    the district of their voter-roll row, with that district's projects.
    """
    districts = _district_lookup()
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            """
            CREATE TEMP TABLE census_staging (
                line_no integer NOT NULL,
                document_hash varchar(64) NOT NULL,
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
        clock = _lap(timings, "parse_copy", clock)
        cursor.execute("ANALYZE census_staging")
        clock = _lap(timings, "analyze", clock)
        cursor.execute(
            """
            CREATE TEMP TABLE census_held ON COMMIT DROP AS
            SELECT DISTINCT r.voter_id AS id
            FROM ballots_voterroll r JOIN pbudget_cycle c ON c.id = r.cycle_id
            WHERE c.voting_opens <= now() AND now() < c.voting_closes
            """
        )
        cursor.execute("ALTER TABLE census_held ADD PRIMARY KEY (id)")
        cursor.execute(
            """
            SELECT count(*) FROM census_held h
            JOIN ballots_censusentry entry ON entry.id = h.id
            JOIN census_staging staged ON staged.document_hash = entry.document_hash
            WHERE staged.district_id <> entry.district_id
            """
        )
        (kept_district,) = cursor.fetchone()
        # Two plain statements instead of one INSERT ... ON CONFLICT: the upsert pays a
        # speculative insertion per row and returned a million rows only to count them.
        # The advisory lock keeps other imports out between the two.
        # Both go in hash order: imports write entries in that order, so the updates walk
        # the table's pages in turn (each new version lands on its old page: see the
        # fillfactor in migration 0005) and the inserts fill the unique index from left to
        # right. Digits and a-f sort the same in "C" as in the database's collation, and
        # "C" compares bytes, several times faster.
        cursor.execute(
            """
            UPDATE ballots_censusentry AS entry
            SET birth_date = staged.birth_date,
                postal_code = staged.postal_code,
                district_id = CASE
                    WHEN EXISTS (SELECT 1 FROM census_held h WHERE h.id = entry.id)
                    THEN entry.district_id ELSE staged.district_id END,
                imported_at = now()
            FROM (
                SELECT document_hash, birth_date, postal_code, district_id
                FROM census_staging
                ORDER BY document_hash COLLATE "C"
            ) AS staged
            WHERE entry.document_hash = staged.document_hash
            """
        )
        updated = cursor.rowcount
        clock = _lap(timings, "update", clock)
        # A number twice in the file needs no pass of its own to be found: twice among
        # new numbers, the insert breaks the unique constraint; twice among known ones,
        # the update changes one entry for two rows and the counts fall short. Only then
        # are the two lines looked up.
        try:
            with transaction.atomic():
                cursor.execute(_INSERT_NEW)
                created = cursor.rowcount
        except IntegrityError:
            _check_duplicates(cursor)
            raise
        clock = _lap(timings, "insert", clock)
        if created + updated != copied:
            _check_duplicates(cursor)
            raise RuntimeError("Census entries were added or removed outside the import.")
    _lap(timings, "commit", clock)  # the deferred foreign key checks of new rows run here
    logger.info(
        "census import %s: %d rows, %d new, %d updated, %d kept their district; seconds: %s",
        import_id,
        copied,
        created,
        updated,
        kept_district,
        ", ".join(f"{phase} {seconds:.1f}" for phase, seconds in timings.items()),
        extra={"census_timings": timings},
    )
    return ImportCounts(created=created, updated=updated, kept_district=kept_district)


def _lap(timings: dict[str, float], phase: str, started: float) -> float:
    now = time.perf_counter()
    timings[phase] = now - started
    return now
