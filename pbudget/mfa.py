"""Staff pages need two factors: an authenticator app (TOTP) used at sign-in."""

from __future__ import annotations

from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

MFA_OK = "ok"
MFA_ENROLL = "enroll"
MFA_SIGN_IN_AGAIN = "sign-in-again"


def mfa_status(request) -> str:
    """Tell whether this session passed a second factor, or what the user must do."""
    user = request.user
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return MFA_ENROLL
    records = get_authentication_records(request, user)
    if any(record.get("method") == "mfa" for record in records):
        return MFA_OK
    return MFA_SIGN_IN_AGAIN


def mfa_redirect(request):
    """Send a staff member without a second factor to where they can get one."""
    status = mfa_status(request)
    if status == MFA_ENROLL:
        messages.warning(
            request,
            _(
                "Staff pages need two-factor authentication. Set up an authenticator app "
                "to continue."
            ),
        )
        return redirect("mfa_activate_totp")
    messages.warning(
        request,
        _("Sign in again with your authenticator code to use staff pages."),
    )
    return redirect_to_login(request.get_full_path())


def staff_page(perm: str):
    """Decorate a view: the user needs ``perm`` (403 otherwise) and a second factor."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(perm):
                raise PermissionDenied
            if mfa_status(request) != MFA_OK:
                return mfa_redirect(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class StaffPageMixin:
    """Class-based twin of :func:`staff_page`; set ``permission_required``."""

    permission_required: str = "pbudget.view_staff_area"

    def get_permission_object(self):
        return None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm(self.permission_required, self.get_permission_object()):
            raise PermissionDenied
        if mfa_status(request) != MFA_OK:
            return mfa_redirect(request)
        return super().dispatch(request, *args, **kwargs)
