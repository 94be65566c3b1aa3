"""Predicates for voting: who is a verified resident, and what phase a cycle is in."""

from __future__ import annotations

import rules

from pbudget.models import Phase
from pbudget.predicates import is_staff_member


@rules.predicate
def is_verified_resident(user) -> bool:
    """The account has claimed a census entry."""
    if not user.is_authenticated:
        return False
    from ballots.models import CensusEntry

    return CensusEntry.objects.filter(claimed_by=user).exists()


@rules.predicate
def is_voting_open(_user, cycle) -> bool:
    return cycle is not None and cycle.phase == Phase.VOTING


@rules.predicate
def is_voting_over(_user, cycle) -> bool:
    return cycle is not None and cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION)


@rules.predicate
def is_signed_in(user) -> bool:
    return user.is_authenticated


# Turnout: staff while the vote runs (and on the staff card, without a cycle); everyone after.
can_view_turnout = is_staff_member | is_voting_over
