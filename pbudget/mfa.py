"""Staff roles count only in a session that passed the second factor (TOTP at sign-in).

The contract, in one place: every permission a staff role grants goes through the role
predicates of ``pbudget.predicates`` (``is_reviewer``, ``is_finance_officer``, ...), and
each of them also asks :func:`second_factor_passed`. :class:`SecondFactorMiddleware` ties
``request.user`` to its session, so in a session without the second factor a staff member
holds exactly what a resident holds: ``has_perm`` answers as for a resident, on every
page, in every template and in every service the page calls. A new view cannot forget
the second factor because it never asks for it; it asks for a permission.

Django's model permissions (the admin's) and the superuser's blanket grant follow the same
rule (``pbudget.auth_backends.ModelBackend``, ``User.has_perm``).

The signed-in person read again from the database during the request answers to the same
session. Any other user object (a Celery task, a management command, a test calling a
service) holds its roles: there is no session to ask, and the request that queued the work
already checked the permission.

:func:`staff_page`, and the middleware on any ``PermissionDenied``, send a staff member
without the second factor to get one rather than answering 403: the pages stay usable.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import get_user
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
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


# The request being answered, so that the signed-in person read again from the database
# (``User.objects.get(pk=request.user.pk)``) answers to the same session.
_current_request: ContextVar = ContextVar("pbudget_second_factor_request", default=None)


def bind_session(user, request):
    """Make ``user``'s staff roles count only if ``request``'s session passed the factor."""
    if user.is_authenticated:
        user._second_factor_request = request
    request.__dict__.pop("_second_factor_ok", None)  # ask the session again
    return user


def _session_of(user):
    request = getattr(user, "_second_factor_request", None)
    if request is None and user.is_authenticated:
        current = _current_request.get()
        if current is not None and current.session.get(SESSION_KEY) == str(user.pk):
            request = current
    return request


def second_factor_passed(user) -> bool:
    """The session that signed ``user`` in passed the second factor (True outside a request)."""
    request = _session_of(user)
    if request is None:
        return True
    passed = request.__dict__.get("_second_factor_ok")
    if passed is None:
        passed = request._second_factor_ok = mfa_status(request) == MFA_OK
    return passed


def needs_second_factor(request) -> bool:
    """The user holds a staff role that this session may not use yet."""
    from pbudget.predicates import holds_staff_role

    user = request.user
    return bool(user.is_authenticated and holds_staff_role(user) and mfa_status(request) != MFA_OK)


class SecondFactorMiddleware:
    """Tie ``request.user`` to the session, so staff roles ask for its second factor.

    Put it right after ``AuthenticationMiddleware``; the user is still read lazily.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(lambda: bind_session(get_user(request), request))
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)

    def process_exception(self, request, exception):
        """A staff member refused for want of the second factor is sent to give it."""
        if isinstance(exception, PermissionDenied) and needs_second_factor(request):
            return mfa_redirect(request)
        return None


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
    """Decorate a view: staff need this session's second factor, then ``perm`` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(request):
                return mfa_redirect(request)
            if not request.user.has_perm(perm):
                raise PermissionDenied
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
        if needs_second_factor(request):
            return mfa_redirect(request)
        if not request.user.has_perm(self.permission_required, self.get_permission_object()):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
