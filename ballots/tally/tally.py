"""The tally entry points: run a named rule on an election, hash ballots, tally a file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from os import PathLike
from typing import Any

from .greedy import greedy_indices
from .mes import MESEngine, mes_add1_indices, mes_indices
from .pabulib import parse_pabulib
from .phragmen import phragmen_indices
from .types import Election, format_amount

#: Bumped whenever a rule could give a different result on the same ballots.
TALLY_VERSION = "1"

RULES = ("greedy", "mes", "mes-add1", "mes-add1-greedy", "phragmen", "borda")


@dataclass(frozen=True)
class TallyResult:
    """The outcome of a tally. Amounts are exact, in the election's currency."""

    rule: str
    options: dict[str, Any]
    selected: list[str]
    total_cost: Fraction
    budget: Fraction
    votes: dict[str, int]
    ballot_hash: str
    num_voters: int
    version: str = TALLY_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def spent(self) -> Fraction:
        """Return the money spent on the selected projects."""
        return self.total_cost

    @property
    def left(self) -> Fraction:
        """Return the money left unspent."""
        return self.budget - self.total_cost


def tally(election: Election, rule: str, **options: Any) -> TallyResult:
    """Run ``rule`` on ``election`` and return the result.

    Rules: ``greedy`` (options ``min_votes``, ``stop_at_first_misfit``), ``mes``,
    ``mes-add1``, ``mes-add1-greedy``, ``phragmen``, ``borda`` (ordinal ballots: greedy by
    Borda score; ``greedy`` on ordinal ballots does the same).
    """
    profile = election.profile
    if rule == "greedy" or rule == "borda":
        if rule == "borda" and election.vote_type != "ordinal":
            raise ValueError("the borda rule needs ordinal ballots")
        unknown = set(options) - {"min_votes", "stop_at_first_misfit"}
        if unknown:
            raise TypeError(f"unknown options for {rule}: {sorted(unknown)}")
        chosen = greedy_indices(profile, **options)
    else:
        if options:
            raise TypeError(f"{rule} takes no options")
        if rule == "mes":
            chosen = mes_indices(profile)
        elif rule == "mes-add1":
            chosen = mes_add1_indices(profile)
        elif rule == "mes-add1-greedy":
            chosen = greedy_indices(profile, initial=mes_add1_indices(profile, MESEngine(profile)))
        elif rule == "phragmen":
            chosen = phragmen_indices(profile)
        else:
            raise ValueError(f"unknown rule {rule!r}; known: {', '.join(RULES)}")
    return TallyResult(
        rule=rule,
        options=dict(options),
        selected=[profile.ids[j] for j in chosen],
        total_cost=sum((profile.costs[j] for j in chosen), Fraction(0)),
        budget=Fraction(election.budget),
        votes=dict(zip(profile.ids, profile.votes, strict=False)),
        ballot_hash=ballot_hash(election),
        num_voters=profile.num_voters,
    )


def ballot_hash(election: Election) -> str:
    """Return the SHA-256 (hex) of the canonical ballot set of ``election``.

    Canonical form: one line per distinct ballot, ``count<TAB>ballot``, lines sorted; an
    approval ballot is its project ids sorted, a cumulative one ``id:points`` sorted by id
    (zero points dropped), an ordinal one its ids in rank order. Voter ids, ballot order and
    how identical ballots were grouped do not change the hash.
    """
    vote_type = election.vote_type
    counts: dict[str, int] = {}
    for b in election.ballots:
        if vote_type == "ordinal":
            text = ",".join(b.projects)
        elif vote_type in ("cumulative", "scoring"):
            pts = b.points if b.points is not None else (1,) * len(b.projects)
            text = ",".join(
                f"{pid}:{p}" for pid, p in sorted(zip(b.projects, pts, strict=False)) if p
            )
        else:
            text = ",".join(sorted(b.projects))
        counts[text] = counts.get(text, 0) + b.weight
    lines = sorted(f"{n}\t{text}" for text, n in counts.items())
    payload = "pbudget-ballots-v1\n" + vote_type + "\n" + "\n".join(lines) + "\n"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def tally_file(path: str | PathLike[str], rule: str, **options: Any) -> dict[str, Any]:
    """Tally a Pabulib file; return ``{"rule", "selected", "total_cost", ...}`` as plain data."""
    result = tally(parse_pabulib(path), rule, **options)
    return {
        "rule": result.rule,
        "selected": result.selected,
        "total_cost": format_amount(result.total_cost),
        "budget": format_amount(result.budget),
        "left": format_amount(result.left),
        "ballot_hash": result.ballot_hash,
        "version": result.version,
    }
