"""Password validators of pbudget, named in ``AUTH_PASSWORD_VALIDATORS``."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Sequences people type: the alphabet, the digits and the rows of a QWERTY keyboard.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm")
SHORTEST_PATTERN = 3  # a run, sequence, repeat or name is a pattern from 3 characters on
LONGEST_READ = 1024  # characters read (the reading takes time in the square of the length)


def _fold(text: str) -> str:
    """Lower case without accents, so "Marta" and "márta" read alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class GuessablePasswordValidator:
    """Refuse passwords made mostly of repeats, sequences, or the site's or the user's names.

    The password is read from left to right as pieces, each the longest of: a run of one
    character ("aaaa"), a sequence of the alphabet, the digits or a keyboard row, forwards
    or backwards ("abcd", "4321", "qwerty"), a repeat of what came before ("abcabc"), one of
    the names (the site's, the city's, the user's e-mail address and display name), or else
    one character. A password of fewer than ``min_pieces`` pieces is refused: it is only as
    hard to guess as that many characters.
    """

    def __init__(self, min_pieces: int = 8):
        self.min_pieces = min_pieces

    def validate(self, password: str, user=None) -> None:
        pieces, uses_a_name = self.pieces(password, self.names(user))
        if pieces >= self.min_pieces:
            return
        if uses_a_name:
            raise ValidationError(
                _("This password is built from the name of this site, the city or your account."),
                code="password_from_names",
            )
        raise ValidationError(
            _(
                "This password is mostly repeated or sequential characters, such as "
                "“aaaa”, “abab” or “1234”."
            ),
            code="password_repetitive",
        )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t be mostly repeated or sequential characters, or be built "
            "from the name of this site, the city or your account."
        )

    @staticmethod
    def names(user=None) -> set[str]:
        """The site's and the city's names, and the user's, with each of their words."""
        texts = [settings.PBUDGET_SITE_NAME, settings.PBUDGET_CITY_NAME]
        email = ""
        if user is not None:
            email = _fold(getattr(user, "email", "") or "")
            texts += [email.partition("@")[0], getattr(user, "display_name", "") or ""]
        names = {email}
        for text in texts:
            folded = _fold(text)
            names.update([folded, *re.split(r"[\W_]+", folded)])
        return {name for name in names if len(name) >= SHORTEST_PATTERN}

    @staticmethod
    def pieces(password: str, names: set[str]) -> tuple[int, bool]:
        """Count the pieces of ``password``; tell whether one of them is a name."""
        text = _fold(password)[:LONGEST_READ]
        count, uses_a_name, i = 0, False, 0
        while i < len(text):
            length, is_name = _longest_pattern(text, i, names)
            uses_a_name = uses_a_name or is_name
            count += 1
            i += length
        return count, uses_a_name


def _longest_pattern(text: str, i: int, names: set[str]) -> tuple[int, bool]:
    """The length of the longest pattern at ``text[i:]`` (1 if none), and whether it is a name."""
    longest = 1
    run = i + 1
    while run < len(text) and text[run] == text[i]:
        run += 1
    longest = max(longest, run - i)
    for sequence in SEQUENCES:
        for order in (sequence, sequence[::-1]):
            start = order.find(text[i])
            if start < 0:
                continue
            length = 1
            while (
                i + length < len(text)
                and start + length < len(order)
                and text[i + length] == order[start + length]
            ):
                length += 1
            longest = max(longest, length)
    # A repeat of earlier text, which may run on into itself ("ababab" repeats "ab").
    length = 0
    while i + length < len(text) and text.find(text[i : i + length + 1], 0, i + length) >= 0:
        length += 1
    longest = max(longest, length)
    name = max((len(n) for n in names if text.startswith(n, i)), default=0)
    if longest < SHORTEST_PATTERN:
        longest = 1
    if name >= SHORTEST_PATTERN and name >= longest:
        return name, True
    return longest, False
