"""allauth glue: the account adapter and the MFA adapter."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings

from pbudget.secretbox import decrypt_secret, encrypt_secret
from pbudget.signin import signin_attempt, signin_forget


class AccountAdapter(DefaultAccountAdapter):
    """Accounts: e-mail only, mandatory verification, mail sent as pbudget."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "") or user.display_name
        language = getattr(request, "LANGUAGE_CODE", "") or ""
        if language in dict(settings.LANGUAGES):
            user.language = language
        if commit:
            user.save()
        return user

    def pre_authenticate(self, request, **credentials):
        """Refuse a password try while its address, or its address at this account, waits."""
        account = credentials.get("email") or credentials.get("username") or ""
        self._signin_attempt = signin_attempt(request, kind="password", account=account)
        if self._signin_attempt is None:
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            self._signin_attempt.succeeded()
        return user

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # allauth's hook after a password reset: the resident who reset it may sign in at once
        # from here, however many passwords they got wrong before.
        super()._delete_login_attempts_cached_email(request, **credentials)
        account = credentials.get("email") or credentials.get("username") or ""
        signin_forget(request, kind="password", account=account)


class MFAAdapter(DefaultMFAAdapter):
    """Authenticator secrets are stored encrypted with PBUDGET_MFA_KEY."""

    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)
