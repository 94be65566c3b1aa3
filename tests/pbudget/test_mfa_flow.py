"""Staff sign in with password and authenticator code before any staff page opens."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from pbudget import roles
from tests.factories import TEST_PASSWORD, TOTP_SECRET, make_user


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def test_staff_sign_in_asks_for_the_code_then_opens_staff_pages(client, db):
    make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    response = client.post(
        reverse("account_login"), {"login": "admin@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # Not signed in until the second factor is given.
    assert client.get(reverse("cycle_manage_list")).status_code == 302

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200  # wrong code: asked again
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    assert client.get(reverse("cycle_manage_list")).status_code == 200
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)  # on_commit runs inside the request, as in production
def test_staff_setting_up_an_authenticator_can_then_use_staff_pages(client):
    from allauth.mfa.models import Authenticator

    user = make_user("reviewer@example.org", roles=[roles.REVIEWER])
    Authenticator.objects.filter(user=user).delete()
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    response = client.get(reverse("staff_home"))
    assert response.url == reverse("mfa_activate_totp")

    # Setting up an authenticator asks for the password once more (allauth).
    page = client.get(reverse("mfa_activate_totp"))
    assert page.url.startswith(reverse("account_reauthenticate"))
    client.post(page.url, {"password": TEST_PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get(reverse("staff_home")).status_code == 200
