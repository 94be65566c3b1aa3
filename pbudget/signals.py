"""Signal receivers that glue allauth to pbudget (no domain flow goes through signals)."""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from pbudget.mfa import bind_session
from pbudget.roles import sync_roles

post_migrate.connect(sync_roles, dispatch_uid="pbudget_sync_roles")


@receiver(authenticator_added)
def count_new_authenticator_as_second_factor(sender, request, user, authenticator, **kwargs):
    """Setting up TOTP proves the code works: count it as this session's second factor."""
    if request is None or authenticator.type != "totp":
        return
    if not any(r.get("method") == "mfa" for r in get_authentication_records(request, user)):
        record_authentication(request, user, "mfa", type="totp")
    bind_session(request.user, request)  # ask the session again


@receiver(user_logged_in)
def bind_signed_in_user_to_session(sender, request, user, **kwargs):
    """The user a sign-in puts on the request answers to the session's second factor too."""
    if request is not None:
        bind_session(user, request)
