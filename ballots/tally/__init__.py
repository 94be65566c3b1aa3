"""Tally rules for participatory budgeting, free of Django (pure Python and NumPy).

Entry points: :func:`tally` runs a rule on an :class:`Election` and returns a
:class:`TallyResult`; :func:`tally_file` does the same for a Pabulib ``.pb`` file;
:func:`parse_pabulib` / :func:`write_pabulib` read and write ``.pb`` files;
:func:`ballot_hash` is the SHA-256 of the canonical ballot set.

Rules: ``greedy`` (by votes, optional minimum votes and stop at the first misfit), ``mes``
(Method of Equal Shares, cost utilities for approval ballots, points for cumulative ones),
``mes-add1`` (MES completed by raising every voter's budget one currency unit at a time
while the outcome stays within the budget), ``mes-add1-greedy`` (then greedy on what is
left), ``phragmen`` (sequential Phragmén, approval) and ``borda`` (ordinal: greedy by Borda
score, where a ballot ranking L projects gives L points to its first, L-1 to its second...).

Money is exact: costs and budgets are Fractions (decimal amounts are read exactly). Rules
compute in float64 where it is fast and re-check exactly, in integers or Fractions,
whenever a comparison is close enough for rounding to matter.

Tie rule (every rule, every comparison that is exactly tied): the project with more votes
goes first - approvals for approval ballots, total points for cumulative ballots, Borda
score for ordinal ballots; then the cheaper project; then the lower project id, comparing
ids as whole numbers when they are made of digits only ("9" before "10") and as strings
otherwise (numeric ids before non-numeric ones).
"""

from .pabulib import pabulib_string, parse_pabulib, parse_pabulib_string, write_pabulib
from .tally import RULES, TALLY_VERSION, TallyResult, ballot_hash, tally, tally_file
from .types import Ballot, Election, Profile, Project, format_amount, id_key

__all__ = [
    "RULES",
    "TALLY_VERSION",
    "Ballot",
    "Election",
    "Profile",
    "Project",
    "TallyResult",
    "ballot_hash",
    "format_amount",
    "id_key",
    "pabulib_string",
    "parse_pabulib",
    "parse_pabulib_string",
    "tally",
    "tally_file",
    "write_pabulib",
]
