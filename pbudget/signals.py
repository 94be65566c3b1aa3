"""Signal receivers that glue allauth to pbudget (no domain flow goes through signals)."""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.signals import authenticator_added
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
