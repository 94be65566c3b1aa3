"""Roles are Django groups; this module names them and keeps their permissions in sync."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RESIDENT = "resident"
REVIEWER = "reviewer"
MODERATOR = "moderator"
BOOTH_OFFICER = "booth officer"
FINANCE_OFFICER = "finance officer"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    RESIDENT: _("Resident"),
    REVIEWER: _("Reviewer"),
    MODERATOR: _("Moderator"),
    BOOTH_OFFICER: _("Booth officer"),
    FINANCE_OFFICER: _("Finance officer"),
    ADMINISTRATOR: _("Administrator"),
}
ROLES = list(ROLE_LABELS)
STAFF_ROLES = [REVIEWER, MODERATOR, BOOTH_OFFICER, FINANCE_OFFICER, ADMINISTRATOR]

# Model permissions each role holds, as "app_label.codename". Object-level rules
# (who may edit *this* proposal, in *this* phase) live in each app's rules.py; these
# are the coarse grants the Django admin and `user.has_perm` without an object see.
# Codenames of apps not installed yet are skipped, so later apps add theirs here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    RESIDENT: [],
    REVIEWER: ["pbudget.view_cycle", "pbudget.view_district"],
    MODERATOR: ["pbudget.view_cycle"],
    BOOTH_OFFICER: ["pbudget.view_cycle", "pbudget.view_district"],
    FINANCE_OFFICER: ["pbudget.view_cycle", "pbudget.view_district", "pbudget.view_districtbudget"],
    ADMINISTRATOR: [
        "pbudget.add_cycle",
        "pbudget.change_cycle",
        "pbudget.delete_cycle",
        "pbudget.view_cycle",
        "pbudget.add_district",
        "pbudget.change_district",
        "pbudget.view_district",
        "pbudget.add_districtbudget",
        "pbudget.change_districtbudget",
        "pbudget.delete_districtbudget",
        "pbudget.view_districtbudget",
        "pbudget.view_user",
        "pbudget.change_user",
        "auth.view_group",
        # proposals
        "proposals.add_category",
        "proposals.change_category",
        "proposals.view_category",
        "proposals.view_proposal",
    ],
}


def sync_roles(**_kwargs) -> None:
    """Create the role groups and give each its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for code in codes:
            app_label, codename = code.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
