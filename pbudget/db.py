"""Statements whose values travel apart from their text (server-side binding).

psycopg, as Django uses it, writes a statement's values into its text before sending it
(client-side binding), so PostgreSQL's ``pg_stat_activity`` and its error log show them.
For the statements that touch voters and ballots (the ballot page's reads, the cast, the
mixer) that would tell someone who can read the database who cast when. These go through
:func:`bound_cursor`: PostgreSQL receives the text with ``$1, $2, …`` and the values
separately, and shows only the text.

Not for everything: a statement sent this way takes at most 65,535 values, and Django does
not split larger ``IN`` lists or batches for it; pass lists as one array (``= ANY(%s)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection


@contextmanager
def bound_cursor() -> Iterator:
    """A Django cursor (counted and logged as usual) sending values apart from the text."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        raw.close()
