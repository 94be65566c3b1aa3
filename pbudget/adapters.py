"""allauth glue: the account adapter."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Accounts: e-mail only, mandatory verification, mail sent as pbudget."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        language = getattr(request, "LANGUAGE_CODE", "") or ""
        if language in dict(settings.LANGUAGES):
            user.language = language
        if commit:
            user.save()
        return user
