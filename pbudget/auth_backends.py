"""The authentication backends, reading the signed-in user with one prepared query.

Every request of a signed-in person loads the user (``django.contrib.auth.get_user`` calls
the backend named in the session). These are Django's and allauth's backends with that
read done by ``pbudget.fastread`` instead of the ORM's ``get``: the same user, for about
a third of the CPU, which counts on the ballot's hot path.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError

from pbudget import fastread


class _FastGetUser:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:  # a malformed session value: nobody is signed in
            return None
        user = fastread.one(model, "t.id = %s", [pk])
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_FastGetUser, DjangoModelBackend):
    """Django's ModelBackend (passwords, permissions), with the fast ``get_user``.

    Model permissions (the admin's, granted through role groups) count only in a session
    that passed the second factor, like every staff grant (see ``pbudget.mfa``).
    """

    def _get_permissions(self, user_obj, obj, from_name):
        from pbudget.mfa import second_factor_passed

        perms = super()._get_permissions(user_obj, obj, from_name)
        if perms and not second_factor_passed(user_obj):
            return set()
        return perms


class AuthenticationBackend(_FastGetUser, AllauthBackend):
    """allauth's backend (login by e-mail), with the fast ``get_user``."""
