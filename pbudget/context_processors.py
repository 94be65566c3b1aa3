"""Template context shared by every page."""

from django.conf import settings


def site(request):
    """The site's name and the roles of the signed-in user, for the navigation."""
    user = getattr(request, "user", None)
    is_staff_member = bool(
        user and user.is_authenticated and user.has_perm("pbudget.view_staff_area")
    )
    return {
        "site_name": settings.PBUDGET_SITE_NAME,
        "city_name": settings.PBUDGET_CITY_NAME,
        "is_staff_member": is_staff_member,
        "can_manage_cycles": bool(is_staff_member and user.has_perm("pbudget.manage_cycles")),
    }
