"""Template context shared by every page."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from pbudget import registry
from pbudget.predicates import holds_staff_role


def _visible(links, user):
    return [
        link
        for link in links
        if link.permission is None or (user is not None and user.has_perm(link.permission))
    ]


def site(request):
    """The site's name, the navigation, and what the signed-in user may reach.

    The permission checks run only when a template uses them (a page extending
    base.html does; an htmx partial, a redirect or a text response does not), and once
    per request.
    """
    user = getattr(request, "user", None)

    def signed_in():
        return bool(user and user.is_authenticated)

    # Staff without this session's second factor still see the link, to be asked for it.
    is_staff_member = SimpleLazyObject(lambda: bool(signed_in() and holds_staff_role(user)))
    return {
        "site_name": settings.PBUDGET_SITE_NAME,
        "city_name": settings.PBUDGET_CITY_NAME,
        "is_staff_member": is_staff_member,
        "can_manage_cycles": SimpleLazyObject(
            lambda: bool(is_staff_member and user.has_perm("pbudget.manage_cycles"))
        ),
        "nav_links": SimpleLazyObject(
            lambda: _visible(registry.NAV_LINKS, user if signed_in() else None)
        ),
        "staff_links": SimpleLazyObject(
            lambda: _visible(registry.STAFF_LINKS, user) if is_staff_member else []
        ),
    }
