"""Accounts: verified e-mail signup, strong passwords, no enumeration, rate limits."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from pbudget.models import User
from tests.factories import TEST_PASSWORD, make_user


def signup(client, email, password="a-long-enough-passphrase"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "Ana", "password1": password, "password2": password},
    )


def test_signup_needs_email_verification_before_login(client, db):
    response = signup(client, "new@example.org")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.org")
    assert not user.emailaddress_set.get().verified
    # Signing in before verifying only sends the verification mail again.
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new@example.org", "password": "a-long-enough-passphrase"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_verification_link_confirms_the_address(client, db):
    signup(client, "new@example.org")
    body = mail.outbox[-1].body
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", body).group(1)
    page = client.get(link)
    assert page.status_code == 200
    client.post(link)
    assert User.objects.get(email="new@example.org").emailaddress_set.get().verified
    response = client.post(
        reverse("account_login"),
        {"login": "new@example.org", "password": "a-long-enough-passphrase"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_passwords_shorter_than_12_characters_are_refused(client, db):
    response = signup(client, "short@example.org", password="Sh0rt-pass!")
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email="short@example.org").exists()


def test_common_passwords_are_refused(client, db):
    response = signup(client, "common@example.org", password="qwertyqwerty")
    assert not User.objects.filter(email="common@example.org").exists()
    assert "too common" in response.content.decode()


def test_argon2_hashes_passwords_in_production_settings():
    from pbudget import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_signup_with_a_known_email_answers_like_a_new_one(client, db):
    make_user("known@example.org")
    known = signup(client, "known@example.org")
    client.logout()
    unknown = signup(client, "unknown@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


def test_password_reset_answers_the_same_for_known_and_unknown(client, db):
    make_user("known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


def test_wrong_password_does_not_say_whether_the_account_exists(client, db):
    make_user("known@example.org")
    known = client.post(
        reverse("account_login"), {"login": "known@example.org", "password": "x" * 12}
    )
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "x" * 12}
    )
    assert known.status_code == unknown.status_code == 200
    errors = lambda r: r.context["form"].non_field_errors()  # noqa: E731
    assert list(errors(known)) == list(errors(unknown))


def test_login_is_rate_limited_after_repeated_failures(client, db):
    make_user("target@example.org")
    # 5 failures per account in 5 minutes, then the account's login is paused.
    statuses = [
        client.post(
            reverse("account_login"), {"login": "target@example.org", "password": f"wrong-{i}" * 3}
        ).status_code
        for i in range(8)
    ]
    assert statuses == [200] * 8
    # Even the right password is refused while the limit holds.
    response = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": TEST_PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change_and_logout(client, db):
    user = make_user("me@example.org")
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "another long passphrase",
            "password2": "another long passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another long passphrase")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_profile_saves_display_name_and_language(client, db):
    user = make_user("me@example.org")
    client.force_login(user)
    response = client.post(reverse("profile"), {"display_name": "Marta", "language": "es"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language) == ("Marta", "es")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_use_the_site_layout(client, db, url_name):
    body = client.get(reverse(url_name)).content.decode()
    assert 'class="skip-link"' in body
    assert body.count("<h1") == 1


def test_signup_asks_for_a_public_name_and_shows_it_instead_of_resident(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="display_name"' in page
    assert "Public name" in page
    missing = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "a-long-enough-passphrase",
         "password2": "a-long-enough-passphrase"},
    )  # fmt: skip
    assert missing.status_code == 200
    assert not User.objects.filter(email="x@example.org").exists()
    as_email = client.post(
        reverse("account_signup"),
        {"email": "y@example.org", "display_name": "y@example.org",
         "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )  # fmt: skip
    assert "Use a name, not an e-mail address" in as_email.content.decode()
    client.post(
        reverse("account_signup"),
        {"email": "z@example.org", "display_name": "  Ana   from Old Town ",
         "password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )  # fmt: skip
    user = User.objects.get(email="z@example.org")
    assert user.display_name == "Ana from Old Town"
    assert user.public_name == "Ana from Old Town"
