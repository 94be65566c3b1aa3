"""The Django admin is for administrators only, and only after a second factor."""

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from pbudget.mfa import MFA_OK, mfa_redirect, mfa_status


def guard_admin_site(site: AdminSite) -> None:
    """Only administrators with a second factor in this session may use the admin."""

    def has_permission(request) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and user.has_perm("pbudget.use_admin_site")
            and mfa_status(request) == MFA_OK
        )

    def login(request, extra_context=None):
        """Sign in through pbudget's own login page, which asks for the second factor."""
        if not request.user.is_authenticated:
            return redirect_to_login("/admin/")
        if not request.user.has_perm("pbudget.use_admin_site"):
            raise PermissionDenied
        if not has_permission(request):
            return mfa_redirect(request)
        return redirect("admin:index")

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.login = login  # type: ignore[method-assign]
