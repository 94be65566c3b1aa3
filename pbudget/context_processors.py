"""Template context shared by every page."""

from django.conf import settings

from pbudget import registry


def _visible(links, user):
    return [
        link
        for link in links
        if link.permission is None or (user is not None and user.has_perm(link.permission))
    ]


def site(request):
    """The site's name, the navigation, and what the signed-in user may reach."""
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    is_staff_member = bool(signed_in and user.has_perm("pbudget.view_staff_area"))
    return {
        "site_name": settings.PBUDGET_SITE_NAME,
        "city_name": settings.PBUDGET_CITY_NAME,
        "is_staff_member": is_staff_member,
        "can_manage_cycles": bool(is_staff_member and user.has_perm("pbudget.manage_cycles")),
        "nav_links": _visible(registry.NAV_LINKS, user if signed_in else None),
        "staff_links": _visible(registry.STAFF_LINKS, user) if is_staff_member else [],
    }
