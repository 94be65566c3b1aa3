"""Predicates of the coproduction app: who may pledge, log, verify and value."""

from __future__ import annotations

import rules

from pbudget.predicates import (
    is_administrator,
    is_finance_officer,
    is_reviewer,
    is_staff_member,
    is_verified_email,
)


@rules.predicate
def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


@rules.predicate
def is_proposal_author(user) -> bool:
    """The user has written at least one proposal that was submitted."""
    if not user.is_authenticated:
        return False
    from proposals.models import ProposalStatus

    return user.proposals.exclude(status=ProposalStatus.DRAFT).exists()


@rules.predicate
def is_any_coordinator(user) -> bool:
    """The user coordinates the delivery of at least one funded project."""
    if not user.is_authenticated:
        return False
    from proposals.models import ProposalStatus

    return user.coordinated_projects.filter(status=ProposalStatus.SELECTED).exists()


@rules.predicate
def proposal_takes_pledges(user, proposal) -> bool:
    from coproduction.services import PLEDGEABLE_STATUSES

    return (
        proposal is not None and proposal.status in PLEDGEABLE_STATUSES and not proposal.is_hidden
    )


@rules.predicate
def is_funded_project(user, project) -> bool:
    from proposals.models import ProposalStatus

    return project is not None and project.status == ProposalStatus.SELECTED


@rules.predicate
def coordinates_project(user, project) -> bool:
    return project is not None and user.is_authenticated and project.coordinator_id == user.pk


@rules.predicate
def coordinates_entry_project(user, entry) -> bool:
    return entry is not None and user.is_authenticated and entry.project.coordinator_id == user.pk


@rules.predicate
def owns_entry(user, entry) -> bool:
    return (
        entry is not None
        and user.is_authenticated
        and user.pk
        in (
            entry.contributor_id,
            entry.entered_by_id,
        )
    )


@rules.predicate
def owns_pledge(user, pledge) -> bool:
    return pledge is not None and user.is_authenticated and pledge.pledger_id == user.pk


@rules.predicate
def entry_awaits_decision(user, entry) -> bool:
    return entry is not None and not hasattr_decision(entry)


def hasattr_decision(entry) -> bool:
    from coproduction.models import LedgerDecision

    try:
        return entry.decision is not None
    except LedgerDecision.DoesNotExist:
        return False


is_pledge_reviewer = is_reviewer | is_administrator
can_verify_entries = is_finance_officer | is_any_coordinator
can_verify_entry = (is_finance_officer | coordinates_entry_project) & ~owns_entry
can_see_entry = owns_entry | is_finance_officer | coordinates_entry_project
can_search_offers = is_staff_member | is_proposal_author
can_pledge = is_verified_email & proposal_takes_pledges
can_log_contribution = is_verified_email & is_funded_project
can_log_on_behalf = is_funded_project & (coordinates_project | is_finance_officer)
