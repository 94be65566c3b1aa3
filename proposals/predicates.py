"""Predicates for proposals: who may do what to a proposal, in which phase of its cycle.

Each predicate takes (user, obj). ``obj`` is a Proposal, except for ``can_add_proposal``
where it is the Cycle. Called without an object (the staff pages), phase checks pass, so
``user.has_perm("proposals.review_proposal")`` answers "is this person a reviewer?".
"""

from __future__ import annotations

import rules

from pbudget.models import Cycle, Phase
from pbudget.predicates import (
    is_administrator,
    is_finance_officer,
    is_reviewer,
    is_staff_member,
    is_verified_email,
)
from proposals.models import Proposal, ProposalStatus

# Statuses an author may still change (edit, withdraw).
OPEN_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)
# Statuses a reviewer may decide on during the review phase (decisions can be revised).
REVIEWABLE_STATUSES = (
    ProposalStatus.SUBMITTED,
    ProposalStatus.FEASIBLE,
    ProposalStatus.NOT_FEASIBLE,
)


def _cycle_of(obj) -> Cycle | None:
    if isinstance(obj, Cycle):
        return obj
    if isinstance(obj, Proposal):
        return obj.cycle
    return None


def _in_phase(*phases: Phase):
    @rules.predicate(name=f"in_phase_{'_'.join(phases)}")
    def predicate(_user, obj) -> bool:
        cycle = _cycle_of(obj)
        return cycle is not None and cycle.is_published and cycle.phase in phases

    return predicate


in_ideas_phase = _in_phase(Phase.IDEAS)
in_review_phase = _in_phase(Phase.REVIEW)
in_ideas_or_review_phase = _in_phase(Phase.IDEAS, Phase.REVIEW)


@rules.predicate
def no_object_or_in_review_phase(user, obj) -> bool:
    """True on a staff page (no object), else only during the review phase."""
    return obj is None or in_review_phase(user, obj)


@rules.predicate
def is_author(user, proposal) -> bool:
    return (
        isinstance(proposal, Proposal)
        and user.is_authenticated
        and proposal.author_id is not None
        and proposal.author_id == user.pk
    )


@rules.predicate
def is_open(_user, proposal) -> bool:
    """Not yet reviewed, merged or withdrawn."""
    return isinstance(proposal, Proposal) and proposal.status in OPEN_STATUSES


@rules.predicate
def is_draft(_user, proposal) -> bool:
    return isinstance(proposal, Proposal) and proposal.status == ProposalStatus.DRAFT


@rules.predicate
def is_submitted(_user, proposal) -> bool:
    return isinstance(proposal, Proposal) and proposal.status == ProposalStatus.SUBMITTED


@rules.predicate
def is_reviewable(_user, proposal) -> bool:
    return proposal is None or (
        isinstance(proposal, Proposal) and proposal.status in REVIEWABLE_STATUSES
    )


@rules.predicate
def is_funded(_user, proposal) -> bool:
    return proposal is None or (isinstance(proposal, Proposal) and proposal.is_project)


@rules.predicate
def is_public(_user, proposal) -> bool:
    return isinstance(proposal, Proposal) and proposal.status != ProposalStatus.DRAFT


@rules.predicate
def is_hidden(_user, proposal) -> bool:
    """Hidden by a moderator: it stays readable in its place, but gathers no supports."""
    return isinstance(proposal, Proposal) and proposal.is_hidden


@rules.predicate
def is_coordinator(user, proposal) -> bool:
    return (
        isinstance(proposal, Proposal)
        and user.is_authenticated
        and proposal.coordinator_id is not None
        and proposal.coordinator_id == user.pk
    )


is_signed_in = rules.is_authenticated

# Staff who report on delivery: reviewers, finance officers, administrators, and the
# project's own coordinator when that person is staff.
is_delivery_staff = is_administrator | is_reviewer | is_finance_officer

can_view_proposal = is_public | is_author
can_add_proposal = is_signed_in & is_verified_email & in_ideas_phase
can_change_proposal = is_author & is_verified_email & is_open & in_ideas_phase
can_submit_proposal = is_author & is_verified_email & is_draft & in_ideas_phase
can_withdraw_proposal = is_author & is_open & in_ideas_or_review_phase
can_support_proposal = is_signed_in & is_verified_email & is_submitted & ~is_hidden & in_ideas_phase
can_follow_proposal = is_signed_in & is_public
can_review_proposal = is_reviewer & is_reviewable & no_object_or_in_review_phase
can_merge_proposal = can_review_proposal
can_post_update = (is_delivery_staff | (is_coordinator & is_staff_member)) & is_funded
