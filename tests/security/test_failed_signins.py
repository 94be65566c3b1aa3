"""Failed sign-ins slow down their address, never lock the owner out of the account."""

import re
import time
from datetime import UTC, datetime

import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client
from django.urls import reverse

from pbudget import roles
from tests.factories import TEST_PASSWORD, TOTP_SECRET, make_user

ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"
TOO_MANY = "Too many failed login attempts"


def backoff(**per_account_and_address) -> dict:
    """Backoff settings: the given ones per (account, address), the address's out of the way."""
    return {
        "per_account_and_address": {"forget": 86400, **per_account_and_address},
        "per_address": {"free": 100, "first": 1, "most": 1, "forget": 3600},
    }


def sign_in(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_from_one_address_do_not_keep_the_owner_out_from_another(db):
    make_user("voter@example.org")
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for i in range(10):
        sign_in(attacker, "voter@example.org", f"wrong guess {i}")
    assert TOO_MANY in sign_in(attacker, "voter@example.org", TEST_PASSWORD).content.decode()

    owner = Client(REMOTE_ADDR=OWNER)
    response = sign_in(owner, "voter@example.org", TEST_PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(owner)


def test_wrong_codes_from_one_address_do_not_keep_the_owner_out_from_another(db):
    make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    attacker = Client(REMOTE_ADDR=ATTACKER)  # knows the password, not the authenticator
    assert sign_in(attacker, "admin@example.org", TEST_PASSWORD).url == reverse("mfa_authenticate")
    for i in range(10):
        attacker.post(reverse("mfa_authenticate"), {"code": f"{i:06d}"})
    refused = attacker.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert TOO_MANY in refused.content.decode()
    assert not is_signed_in(attacker)

    owner = Client(REMOTE_ADDR=OWNER)
    assert sign_in(owner, "admin@example.org", TEST_PASSWORD).url == reverse("mfa_authenticate")
    response = owner.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    assert is_signed_in(owner)


def test_each_failure_beyond_the_free_ones_doubles_the_wait_before_the_next_try(db, settings):
    settings.PBUDGET_SIGNIN_BACKOFF = backoff(free=3, first=2, most=900)
    make_user("voter@example.org")
    client = Client(REMOTE_ADDR=ATTACKER)
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False) as clock:
        for i in range(3):  # free
            assert TOO_MANY not in sign_in(client, "voter@example.org", f"no {i}").content.decode()
        # Given 3 failures, the next try waits 2 s, even with the right password.
        assert TOO_MANY in sign_in(client, "voter@example.org", TEST_PASSWORD).content.decode()
        clock.shift(2)
        assert TOO_MANY not in sign_in(client, "voter@example.org", "no 4").content.decode()
        # The 4th failure makes it 4 s.
        clock.shift(3)
        assert TOO_MANY in sign_in(client, "voter@example.org", TEST_PASSWORD).content.decode()
        clock.shift(1)
        assert sign_in(client, "voter@example.org", TEST_PASSWORD).status_code == 302
        assert is_signed_in(client)


def test_the_delay_never_grows_past_its_longest(db, settings):
    settings.PBUDGET_SIGNIN_BACKOFF = backoff(free=1, first=2, most=5)
    make_user("voter@example.org")
    client = Client(REMOTE_ADDR=ATTACKER)
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False) as clock:
        for i in range(6):
            assert TOO_MANY not in sign_in(client, "voter@example.org", f"no {i}").content.decode()
            clock.shift(5)
        assert sign_in(client, "voter@example.org", TEST_PASSWORD).status_code == 302


def test_one_address_failing_at_many_accounts_is_slowed_down(db, settings):
    make_user("voter@example.org")
    client = Client(REMOTE_ADDR=ATTACKER)
    free = settings.PBUDGET_SIGNIN_BACKOFF["per_address"]["free"]
    for i in range(free):
        sign_in(client, f"someone-{i}@example.org", "wrong password")
    assert TOO_MANY in sign_in(client, "voter@example.org", TEST_PASSWORD).content.decode()
    assert not is_signed_in(client)


def test_signing_in_forgets_that_accounts_failures_at_that_address(db):
    make_user("voter@example.org")
    client = Client(REMOTE_ADDR=OWNER)
    for typo in ("typo one", "typo two"):
        sign_in(client, "voter@example.org", typo)
    sign_in(client, "voter@example.org", TEST_PASSWORD)
    client.post(reverse("account_logout"))
    for typo in ("typo three", "typo four"):
        assert TOO_MANY not in sign_in(client, "voter@example.org", typo).content.decode()


def test_resetting_the_password_lets_the_owner_sign_in_at_once_from_there(db):
    make_user("voter@example.org")
    owner = Client(REMOTE_ADDR=OWNER)
    for i in range(6):
        sign_in(owner, "voter@example.org", f"forgotten {i}")
    assert TOO_MANY in sign_in(owner, "voter@example.org", "forgotten 7").content.decode()

    owner.post(reverse("account_reset_password"), {"email": "voter@example.org"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form_url = owner.get(link.group(1)).url
    new_password = "a brand new passphrase"
    owner.post(form_url, {"password1": new_password, "password2": new_password})

    assert sign_in(owner, "voter@example.org", new_password).status_code == 302
    assert is_signed_in(owner)
