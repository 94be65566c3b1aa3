"""Predicates for the `rules` package: who someone is.

A staff role counts only in a session that passed the second factor (``pbudget.mfa``).
"""

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


@rules.predicate
def has_second_factor(user) -> bool:
    """This session passed the second factor, so the user's staff roles count.

    See ``pbudget.mfa``: every role predicate below ends with it.
    """
    from pbudget.mfa import second_factor_passed

    return second_factor_passed(user)


@rules.predicate
def holds_staff_role(user) -> bool:
    """The user holds at least one staff role, whether this session may use it or not."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.STAFF_ROLES).exists()


def _role(name: str):
    return rules.is_group_member(name) & has_second_factor


is_superuser = rules.is_superuser & has_second_factor
is_administrator = _role(roles.ADMINISTRATOR) | is_superuser
is_reviewer = _role(roles.REVIEWER) | is_administrator
is_moderator = _role(roles.MODERATOR) | is_administrator
is_booth_officer = _role(roles.BOOTH_OFFICER) | is_administrator
is_finance_officer = _role(roles.FINANCE_OFFICER) | is_administrator
is_staff_member = holds_staff_role & has_second_factor
