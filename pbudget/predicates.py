"""Predicates for the `rules` package: who someone is."""

from __future__ import annotations

import rules

from pbudget import roles


@rules.predicate
def is_verified_email(user) -> bool:
    """The user has confirmed at least one e-mail address."""
    if not user.is_authenticated:
        return False
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


is_superuser = rules.is_superuser
is_administrator = rules.is_group_member(roles.ADMINISTRATOR) | is_superuser
is_reviewer = rules.is_group_member(roles.REVIEWER) | is_administrator
is_moderator = rules.is_group_member(roles.MODERATOR) | is_administrator
is_booth_officer = rules.is_group_member(roles.BOOTH_OFFICER) | is_administrator
is_finance_officer = rules.is_group_member(roles.FINANCE_OFFICER) | is_administrator


@rules.predicate
def is_staff_member(user) -> bool:
    """The user holds at least one staff role."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.STAFF_ROLES).exists()
