"""The demo city: districts, one cycle in each phase, and a user for every role."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from pbudget import registry, roles
from pbudget.models import Cycle, District, DistrictBudget, User

DEMO_PASSWORD = "pbudget-demo-2026"  # noqa: S105  (printed by `make run`; demo only)
DEMO_DOMAIN = "demo.pbudget.local"

DISTRICTS = [
    ("City-wide", "city-wide", True, Decimal("400000")),
    ("Old Town", "old-town", False, Decimal("150000")),
    ("Riverside", "riverside", False, Decimal("180000")),
    ("Northgate", "northgate", False, Decimal("120000")),
    ("Hillcrest", "hillcrest", False, Decimal("130000")),
    ("Eastfield", "eastfield", False, Decimal("170000")),
]

# (slug, name, fiscal year, days from now that ideas opened, method, rule)
CYCLES = [
    ("green-2027", "Green Neighbourhoods 2027", 2027, -10, "approval", "mes-add1"),
    ("streets-2027", "Streets and Parks 2027", 2027, -40, "approval", "greedy"),
    ("budget-2026", "City Budget 2026", 2026, -70, "knapsack", "greedy"),
    ("budget-2025", "City Budget 2025", 2025, -100, "approval", "mes-add1-greedy"),
    ("budget-2024", "City Budget 2024", 2024, -400, "cumulative", "greedy"),
]
# Phase lengths in days: ideas, review, voting, results (implementation is open-ended).
PHASE_DAYS = [30, 30, 20, 30]

# (e-mail local part, display name, role, TOTP secret for staff — demo only)
USERS = [
    ("resident", "Ana Resident", roles.RESIDENT, None),
    ("neighbour", "Ben Neighbour", roles.RESIDENT, None),
    ("reviewer", "Rita Reviewer", roles.REVIEWER, "JBSWY3DPEHPK3PXPREVIEWER"),
    ("moderator", "Mo Moderator", roles.MODERATOR, "JBSWY3DPEHPK3PXPMODERATR"),
    ("booth", "Bo Booth Officer", roles.BOOTH_OFFICER, "JBSWY3DPEHPK3PXPBOOTHOFF"),
    ("finance", "Fin Finance Officer", roles.FINANCE_OFFICER, "JBSWY3DPEHPK3PXPFINANCEO"),
    ("admin", "Ada Administrator", roles.ADMINISTRATOR, "JBSWY3DPEHPK3PXPADMINIST"),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@transaction.atomic
def load_demo_data(now=None) -> dict:
    """Create (or bring up to date) the demo city. Running it twice adds nothing twice."""
    now = now or timezone.now()
    roles.sync_roles()
    districts = {}
    for position, (name, slug, citywide, _budget) in enumerate(DISTRICTS):
        districts[slug], _ = District.objects.update_or_create(
            slug=slug, defaults={"name": name, "is_citywide": citywide, "position": position}
        )
    # Dates move with today, so that each demo cycle stays in its phase.
    for slug, name, year, offset, method, rule in CYCLES:
        start = (now + timedelta(days=offset)).replace(hour=9, minute=0, second=0, microsecond=0)
        dates = [start]
        for days in PHASE_DAYS:
            dates.append(dates[-1] + timedelta(days=days))
        cycle, _ = Cycle.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "fiscal_year": year,
                "currency": "EUR",
                "description": f"The {name} of the demo city: residents decide.",
                "ideas_opens": dates[0],
                "review_opens": dates[1],
                "voting_opens": dates[2],
                "voting_closes": dates[3],
                "implementation_opens": dates[4],
                "voting_method": method,
                "tally_rule": rule,
                "max_choices": 5,
                "points_total": 10,
                "points_max_per_project": 5,
            },
        )
        for _name, dslug, _citywide, amount in DISTRICTS:
            DistrictBudget.objects.get_or_create(
                cycle=cycle, district=districts[dslug], defaults={"amount": amount}
            )
    logins = []
    for local, display, role, secret in USERS:
        email = demo_email(local)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
        user.display_name = display
        user.save(update_fields=["display_name"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user.groups.add(Group.objects.get(name=roles.RESIDENT))
        if role != roles.RESIDENT:
            user.groups.add(Group.objects.get(name=role))
        if (
            secret
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            Authenticator.objects.create(
                user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
            )
        logins.append({"email": email, "role": role, "totp_secret": secret})
    # Feature apps add their demo data (proposals, ballots, ...) through the registry.
    for _order, loader in registry.DEMO_LOADERS:
        loader(now=now)
    return {"logins": logins, "password": DEMO_PASSWORD}
