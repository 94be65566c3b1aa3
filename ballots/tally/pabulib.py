"""Read and write elections in the Pabulib ``.pb`` format (https://pabulib.org/format).

A ``.pb`` file is UTF-8 text in three sections, ``META``, ``PROJECTS`` and ``VOTES``, each a
';'-separated table with CSV quoting. ``META`` rows are ``key;value``; ``PROJECTS`` has at least
``project_id;cost``; ``VOTES`` has ``voter_id;vote`` with comma-separated project ids (in rank
order for ordinal ballots) and a ``points`` column for cumulative ballots.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from os import PathLike
from typing import TextIO

from .types import Ballot, Election, Project, format_amount, to_fraction

_SECTIONS = ("META", "PROJECTS", "VOTES")


def parse_pabulib(source: str | PathLike[str] | TextIO) -> Election:
    """Parse a ``.pb`` file (a path or an open text file) into an Election."""
    if hasattr(source, "read"):
        return _parse(source)  # type: ignore[arg-type]
    with open(source, encoding="utf-8-sig", newline="") as fh:
        return _parse(fh)


def parse_pabulib_string(text: str) -> Election:
    """Parse the text of a ``.pb`` file into an Election."""
    return _parse(io.StringIO(text.lstrip("\ufeff"), newline=""))


def _parse(fh: TextIO) -> Election:
    meta: dict[str, str] = {}
    projects: list[Project] = []
    ballots: list[Ballot] = []
    section = ""
    header: list[str] = []
    vote_col = points_col = id_col = -1
    for row in csv.reader(fh, delimiter=";"):
        if not row:
            continue
        if len(row) == 1 and row[0].strip().upper() in _SECTIONS:
            section = row[0].strip().upper()
            header = []
            continue
        if section == "META":
            if row[0].strip() == "key" and not meta and len(row) > 1 and row[1].strip() == "value":
                continue  # optional "key;value" header line
            meta[row[0].strip()] = ";".join(row[1:]).strip()
        elif not header:
            header = [h.strip() for h in row]
            if section == "PROJECTS":
                if "project_id" not in header or "cost" not in header:
                    raise ValueError("PROJECTS needs project_id and cost columns")
            elif section == "VOTES":
                if "vote" not in header:
                    raise ValueError("VOTES needs a vote column")
                vote_col = header.index("vote")
                id_col = header.index("voter_id") if "voter_id" in header else -1
                points_col = header.index("points") if "points" in header else -1
        elif section == "PROJECTS":
            rec = dict(zip(header, (c.strip() for c in row), strict=False))
            pid = rec.pop("project_id")
            cost = rec.pop("cost")
            name = rec.pop("name", "")
            projects.append(Project(pid, to_fraction(cost), name, rec))
        elif section == "VOTES":
            # The hot loop of the parser: keep it to splits and tuple building.
            vote = row[vote_col].strip()
            ids = tuple(s.strip() for s in vote.split(",")) if vote else ()
            points = None
            if points_col >= 0:
                pts = row[points_col].strip()
                points = tuple(int(x) for x in pts.split(",")) if pts else ()
            voter_id = row[id_col].strip() if id_col >= 0 else str(len(ballots) + 1)
            ballots.append(Ballot(ids, points, 1, voter_id))
        else:
            raise ValueError(f"data outside a section: {row!r}")
    if "budget" not in meta:
        raise ValueError("META has no budget")
    vote_type = meta.get("vote_type", "approval").strip()
    return Election(projects, to_fraction(meta["budget"]), ballots, vote_type, meta)


def write_pabulib(election: Election, target: str | PathLike[str] | TextIO) -> None:
    """Write an Election as a ``.pb`` file to a path or an open text file."""
    if hasattr(target, "write"):
        _write(election, target)  # type: ignore[arg-type]
        return
    with open(target, "w", encoding="utf-8", newline="") as fh:
        _write(election, fh)


def pabulib_string(election: Election) -> str:
    """Return the ``.pb`` text of an Election."""
    out = io.StringIO(newline="")
    _write(election, out)
    return out.getvalue()


def _write(election: Election, fh: TextIO) -> None:
    writer = csv.writer(fh, delimiter=";", lineterminator="\n")
    meta = dict(election.meta)
    meta["budget"] = format_amount(election.budget)
    meta["vote_type"] = election.vote_type
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(election.num_voters)
    fh.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in meta.items():
        writer.writerow([key, value])
    fh.write("PROJECTS\n")
    extra_cols: list[str] = []
    for p in election.projects:
        for key in p.extra:
            if key not in extra_cols:
                extra_cols.append(key)
    has_name = any(p.name for p in election.projects)
    writer.writerow(["project_id", "cost", *(["name"] if has_name else []), *extra_cols])
    for p in election.projects:
        name = [p.name] if has_name else []
        writer.writerow(
            [p.id, format_amount(p.cost), *name, *(p.extra.get(c, "") for c in extra_cols)]
        )
    fh.write("VOTES\n")
    has_points = any(b.points is not None for b in election.ballots)
    writer.writerow(["voter_id", "vote", *(["points"] if has_points else [])])
    writer.writerows(_vote_rows(election.ballots, has_points))


def _vote_rows(ballots: Iterable[Ballot], has_points: bool) -> Iterable[list[str]]:
    number = 0
    for b in ballots:
        # Pabulib has no weight column: a ballot of weight w becomes w rows.
        for copy in range(b.weight):
            number += 1
            voter = b.voter_id or str(number)
            if b.weight > 1:
                voter = f"{voter}-{copy + 1}"
            row = [voter, ",".join(b.projects)]
            if has_points:
                pts = b.points if b.points is not None else (1,) * len(b.projects)
                row.append(",".join(str(x) for x in pts))
            yield row
