"""Factories for tests: users with roles, districts, cycles in a given phase."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from pbudget import roles
from pbudget.models import Cycle, District, DistrictBudget, User

TEST_PASSWORD = "correct horse battery staple"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"

# Where "now" falls inside each phase, as (ideas_opens offset in days).
PHASE_OFFSETS = {
    "upcoming": 10,
    "ideas": -5,
    "review": -35,
    "voting": -65,
    "results": -90,
    "implementation": -130,
}
PHASES = list(PHASE_OFFSETS)


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"District {n}")
    slug = factory.Sequence(lambda n: f"district-{n}")


def make_user(
    email: str, *, roles: list[str] | tuple[str, ...] = ("resident",), verified: bool = True
) -> User:
    """A user with the given role groups; staff get an authenticator app."""
    from pbudget.roles import STAFF_ROLES, sync_roles

    sync_roles()
    user = User.objects.create_user(email=email, password=TEST_PASSWORD, display_name=email[:20])
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    if any(role in STAFF_ROLES for role in roles):
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(TOTP_SECRET)}
        )
    return user


def staff_login(client, user) -> None:
    """Sign in as if password and authenticator code had both been given."""
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": timezone.now().timestamp(), "email": user.email},
        {"method": "mfa", "at": timezone.now().timestamp(), "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def session_cookie_for(user, *, mfa: bool = True) -> tuple[str, str]:
    """A session cookie (name, value) for a browser test, signed in as ``user``."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "pbudget.auth_backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    if mfa:
        session["account_authentication_methods"] = [
            {"method": "password", "at": timezone.now().timestamp(), "email": user.email},
            {"method": "mfa", "at": timezone.now().timestamp(), "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return settings.SESSION_COOKIE_NAME, session.session_key


def phase_dates(phase: str, now=None) -> dict:
    """Phase dates (30 days each) that put ``now`` in ``phase``."""
    now = now or timezone.now().replace(microsecond=0)
    start = now + timedelta(days=PHASE_OFFSETS[phase])
    return {
        "ideas_opens": start,
        "review_opens": start + timedelta(days=30),
        "voting_opens": start + timedelta(days=60),
        "voting_closes": start + timedelta(days=80),
        "implementation_opens": start + timedelta(days=110),
    }


def make_cycle(*, phase: str = "ideas", slug: str | None = None, **fields) -> Cycle:
    """A cycle now in ``phase``, with a city-wide and a district budget."""
    slug = slug or f"cycle-{phase}-{Cycle.objects.count() + 1}"
    cycle = Cycle.objects.create(
        name=fields.pop("name", f"Cycle {slug}"),
        slug=slug,
        fiscal_year=fields.pop("fiscal_year", 2027),
        currency=fields.pop("currency", "EUR"),
        **phase_dates(phase),
        **fields,
    )
    citywide = District.objects.filter(is_citywide=True).first() or DistrictFactory(
        name="City-wide", slug="city-wide", is_citywide=True
    )
    local = DistrictFactory(name="Old Town", slug="old-town")
    DistrictBudget.objects.create(cycle=cycle, district=citywide, amount=Decimal("100000"))
    DistrictBudget.objects.create(cycle=cycle, district=local, amount=Decimal("50000"))
    return cycle


ALL_ROLES = [None, *roles.ROLES]  # None: anonymous
