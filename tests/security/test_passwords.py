"""Passwords of repeated or sequential characters, or built from names, are refused."""

from pathlib import Path

import polib
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from pbudget.models import User
from pbudget.password_validation import GuessablePasswordValidator

CATALOGUE = Path(__file__).resolve().parents[2] / "pbudget/locale/es/LC_MESSAGES/django.po"


def signup(client, email, password):
    return client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "Ana", "password1": password, "password2": password},
    )


def error_codes(password, user=None) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    return {error.code for error in refused.value.error_list}


def test_signup_refuses_twelve_times_the_same_letter(client, db):
    response = signup(client, "new@example.org", "aaaaaaaaaaaa")
    assert response.status_code == 200
    assert "mostly repeated or sequential characters" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "abababababab", "abcabcabcabc", "abcdefgh1234", "zyxwvutsrqpo", "aaaabbbbcccc",
     "1234567890ab", "qwertyuiop12", "ABCDEFGHIJKLMNOP"],
)  # fmt: skip
def test_repeated_and_sequential_characters_are_refused(password):
    assert "password_repetitive" in error_codes(password)


@pytest.mark.parametrize(
    "password", ["riverton2024!", "pbudget-pbudget", "Riverton.Riverton", "marta.garcia.1985",
                 "MartaGarcía1985!", "marta.garcia@example.org"],
)  # fmt: skip
def test_passwords_built_from_the_site_city_or_user_names_are_refused(password, settings):
    settings.PBUDGET_CITY_NAME = "Riverton"
    user = User(email="marta.garcia@example.org", display_name="Marta García")
    assert "password_from_names" in error_codes(password, user)


def test_signup_refuses_a_password_built_from_the_new_address(client, db):
    response = signup(client, "marta.garcia@example.org", "marta.garcia.1985!")
    assert "built from the name of this site, the city or your account" in (
        response.content.decode()
    )
    assert not User.objects.filter(email="marta.garcia@example.org").exists()


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "xk9#mQ2v$Lp7", "a-long-enough-passphrase",
     "my dog walks by the riverton pier", "1q2w3e4r5t6y!Z", "Summer rain 1987"],
)  # fmt: skip
def test_passwords_with_enough_unpredictable_characters_pass(password):
    user = User(email="marta.garcia@example.org", display_name="Marta García")
    validate_password(password, user)


def test_a_very_long_patterned_password_is_read_quickly_and_refused():
    assert "password_repetitive" in error_codes("ab" * 500_000)


def test_the_refusals_and_the_help_are_translated_to_spanish():
    validator = GuessablePasswordValidator()
    with translation.override("en"):
        messages = [validator.get_help_text()]
        for password in ("aaaaaaaaaaaa", "pbudget-pbudget"):
            with pytest.raises(ValidationError) as refused:
                validator.validate(password)
            messages += refused.value.messages
    catalogue = {entry.msgid: entry for entry in polib.pofile(str(CATALOGUE))}
    for message in messages:
        assert catalogue[message].msgstr, message
        assert not catalogue[message].fuzzy
