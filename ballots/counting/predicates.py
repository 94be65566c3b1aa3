"""Predicates of the count and the results pages."""

from __future__ import annotations

import rules

from pbudget.predicates import is_administrator


@rules.predicate
def is_result_published(_user, run) -> bool:
    """A results page is public once its official run is published."""
    return run is not None and run.published_at is not None


can_run_count = is_administrator
can_view_result = is_result_published | is_administrator
