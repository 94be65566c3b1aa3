"""Authenticator secrets are stored encrypted with PBUDGET_MFA_KEY, never in clear."""

import base64
import importlib
import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import reverse

from pbudget import roles
from pbudget.secretbox import decrypt_secret, encrypt_secret
from tests.factories import TEST_PASSWORD, TOTP_SECRET, make_user

MIGRATION = "pbudget.migrations.0002_encrypt_authenticator_secrets"
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 50,
    "PBUDGET_BALLOT_PUBLIC_KEY": "dGhpcyBpcyBub3QgYSByZWFsIGtleSwganVzdCAzMmI=",
    "PBUDGET_SITE_URL": "https://budget.example.org",
}


def code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def stored_data(user) -> dict[str, dict]:
    """Each authenticator's ``data`` as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, data FROM mfa_authenticator WHERE user_id = %s", [user.pk])
        return {kind: json.loads(data) for kind, data in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)  # on_commit runs inside the request, as in production
def test_an_authenticator_set_up_at_the_site_is_stored_encrypted_and_still_works(client):
    user = make_user("reviewer@example.org", roles=[roles.REVIEWER])
    Authenticator.objects.filter(user=user).delete()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    client.post(page.url, {"password": TEST_PASSWORD})  # allauth asks for the password again
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": code(secret)}).status_code == 302

    stored = stored_data(user)
    assert secret not in str(stored)
    assert stored["totp"]["secret"].startswith("nacl:")
    assert decrypt_secret(stored["totp"]["secret"]) == secret
    assert stored["recovery_codes"]["seed"].startswith("nacl:")

    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code(secret)}).status_code == 302
    assert client.get(reverse("staff_home")).status_code == 200


def test_a_secret_does_not_open_under_another_key(settings):
    sealed = encrypt_secret(TOTP_SECRET)
    settings.PBUDGET_MFA_KEY = base64.b64encode(b"\x01" * 32).decode()
    with pytest.raises(ValueError, match="does not open"):
        decrypt_secret(sealed)


def test_a_clear_secret_planted_in_the_database_is_refused(db):
    user = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    Authenticator.objects.filter(user=user).update(data={"secret": TOTP_SECRET})
    with pytest.raises(ValueError, match="unencrypted"):
        Authenticator.objects.get(user=user, type="totp").wrap().validate_code(code(TOTP_SECRET))


def test_the_migration_encrypts_secrets_stored_in_clear_and_codes_keep_working(client, db):
    user = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    Authenticator.objects.filter(user=user).update(data={"secret": TOTP_SECRET})  # as before
    Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": "ab" * 40, "used_mask": 0, "migrated_codes": ["12345678"]},
    )
    migration = importlib.import_module(MIGRATION)

    migration.encrypt_secrets(apps, None)
    migration.encrypt_secrets(apps, None)  # a second run changes nothing

    stored = stored_data(user)
    assert decrypt_secret(stored["totp"]["secret"]) == TOTP_SECRET
    assert decrypt_secret(stored["recovery_codes"]["seed"]) == "ab" * 40
    assert [decrypt_secret(c) for c in stored["recovery_codes"]["migrated_codes"]] == ["12345678"]
    assert stored["recovery_codes"]["used_mask"] == 0
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert client.post(reverse("mfa_authenticate"), {"code": code(TOTP_SECRET)}).status_code == 302

    migration.decrypt_secrets(apps, None)
    assert stored_data(user)["totp"]["secret"] == TOTP_SECRET


def test_production_refuses_to_start_without_the_mfa_key(settings_from_env):
    with pytest.raises(ImproperlyConfigured, match="Set PBUDGET_MFA_KEY"):
        settings_from_env(**PRODUCTION, PBUDGET_MFA_KEY="")


def test_production_refuses_a_key_that_is_not_32_bytes(settings_from_env):
    short = base64.b64encode(b"x" * 16).decode()
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        settings_from_env(**PRODUCTION, PBUDGET_MFA_KEY=short)


def test_production_takes_the_mfa_key_from_the_environment(settings_from_env):
    key = base64.b64encode(b"k" * 32).decode()
    assert settings_from_env(**PRODUCTION, PBUDGET_MFA_KEY=key)["PBUDGET_MFA_KEY"] == key


def test_development_derives_a_key_from_the_secret_key(settings_from_env):
    key = settings_from_env(PBUDGET_MFA_KEY="")["PBUDGET_MFA_KEY"]
    assert len(base64.b64decode(key)) == 32
