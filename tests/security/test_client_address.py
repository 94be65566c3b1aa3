"""Behind the HTTPS proxy, sign-in limits count each client, not the proxy's one address."""

import pytest
from django.test import Client
from django.urls import reverse

from pbudget.signin import client_address
from tests.factories import TEST_PASSWORD, make_user

PROXY = "10.0.0.2"


@pytest.fixture
def behind_one_proxy(settings, settings_from_env):
    """The settings a site gets from PBUDGET_TRUSTED_PROXIES=1."""
    production = settings_from_env(PBUDGET_TRUSTED_PROXIES="1")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = production["ALLAUTH_TRUSTED_PROXY_COUNT"]


def sign_in(client, email, password, *, forwarded_for):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_pbudget_trusted_proxies_sets_how_many_proxies_are_trusted(settings_from_env):
    assert settings_from_env()["ALLAUTH_TRUSTED_PROXY_COUNT"] == 0
    assert settings_from_env(PBUDGET_TRUSTED_PROXIES="2")["ALLAUTH_TRUSTED_PROXY_COUNT"] == 2


def test_pbudget_client_ip_header_names_the_header_with_the_client_address(settings_from_env):
    assert settings_from_env()["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"] is None
    production = settings_from_env(PBUDGET_CLIENT_IP_HEADER="X-Real-IP")
    assert production["ALLAUTH_TRUSTED_CLIENT_IP_HEADER"] == "X-Real-IP"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the left entry is the client's to forge
        (2, "1.2.3.4, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    rf, settings, proxies, forwarded_for, client
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    request = rf.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == client


def test_the_client_address_can_come_from_a_header_the_proxy_sets(rf, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    request = rf.post("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7")
    assert client_address(request) == "198.51.100.7"


def test_an_ipv6_client_counts_as_its_network(rf):
    request = rf.post("/", REMOTE_ADDR="2001:db8:1:2:aaaa:bbbb:cccc:dddd")
    assert client_address(request) == "2001:db8:1:2::"


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(rf):
    request = rf.post("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "198.51.100.7"


def test_behind_the_proxy_one_clients_failures_do_not_stop_another_signing_in(
    db, settings, behind_one_proxy
):
    make_user("resident@example.org")
    attacker = Client()
    # Failures at many accounts, as many as an address may have before it is slowed down
    # (and as allauth's old limit of 10 a minute per address allowed).
    for i in range(settings.PBUDGET_SIGNIN_BACKOFF["per_address"]["free"]):
        sign_in(attacker, f"voter-{i}@example.org", "wrong password!", forwarded_for="203.0.113.5")
    refused = sign_in(attacker, "voter-x@example.org", "wrong", forwarded_for="203.0.113.5")
    assert "Too many failed login attempts" in refused.content.decode()

    resident = Client()
    response = sign_in(
        resident, "resident@example.org", TEST_PASSWORD, forwarded_for="198.51.100.7"
    )
    assert response.status_code == 302
    assert resident.session["_auth_user_id"]


def test_a_forged_forwarded_for_entry_does_not_make_a_new_client(db, settings, behind_one_proxy):
    attacker = Client()
    for i in range(settings.PBUDGET_SIGNIN_BACKOFF["per_address"]["free"]):
        sign_in(
            attacker, f"voter-{i}@example.org", "wrong password!",
            forwarded_for=f"192.0.2.{i}, 203.0.113.5",
        )  # fmt: skip
    refused = sign_in(attacker, "x@example.org", "wrong", forwarded_for="192.0.2.99, 203.0.113.5")
    assert "Too many failed login attempts" in refused.content.decode()
