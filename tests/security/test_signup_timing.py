"""Sign-up answers an address that has an account as slowly as one that has none."""

import statistics
import time

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_user

ROUNDS = 9


def timed_signup(client, email: str) -> float:
    password = "a-long-enough-passphrase"
    started = time.perf_counter()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "Ana", "password1": password, "password2": password},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 302
    client.logout()
    return elapsed


@pytest.mark.slow
def test_signup_with_a_known_address_takes_as_long_as_with_a_new_one(client, db, settings):
    known_addresses = [f"known-{i}@example.org" for i in range(ROUNDS)]
    for address in known_addresses:
        make_user(address)
    # Production's password hasher: the tests' MD5 would hide what a new account costs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1000/m/ip"}
    timed_signup(client, "warm-up@example.org")
    known, new = [], []
    for i in range(ROUNDS):  # interleaved, so that load on the machine slows both alike
        known.append(timed_signup(client, known_addresses[i]))
        new.append(timed_signup(client, f"new-{i}@example.org"))
    known_median, new_median = statistics.median(known), statistics.median(new)
    assert abs(known_median - new_median) <= 0.2 * max(known_median, new_median), (
        f"known {known_median:.3f} s, new {new_median:.3f} s"
    )


def test_signup_with_a_known_address_mails_that_address_once(client, db):
    make_user("known@example.org")
    password = "a-long-enough-passphrase"
    client.post(
        reverse("account_signup"),
        {
            "email": "known@example.org",
            "display_name": "Ana",
            "password1": password,
            "password2": password,
        },
    )
    assert [message.to for message in mail.outbox] == [["known@example.org"]]
    assert "already" in mail.outbox[0].body.lower()
