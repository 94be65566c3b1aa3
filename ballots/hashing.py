"""Keyed hashes: census document numbers, ballot links, receipts."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back


def _key() -> bytes:
    return settings.PBUDGET_HMAC_KEY.encode()


def normalise_document(number: str) -> str:
    """Upper case, letters and digits only: "12.345.678-z" and "12345678Z" are one person."""
    return _NOT_ALNUM.sub("", number.upper())


def normalise_postal_code(code: str) -> str:
    """Upper case without spaces."""
    return code.strip().upper().replace(" ", "")


def document_hasher():
    """Return a fast ``str -> hex`` function hashing normalised document numbers."""
    key = _key()
    digest = hmac.digest

    def _hash(number: str) -> str:
        return digest(key, b"census:" + normalise_document(number).encode(), "sha256").hex()

    return _hash


def document_hash(number: str) -> str:
    """The keyed hash a census entry stores instead of the document number."""
    return document_hasher()(number)


def ballot_link(voter_id: int, cycle_id: int) -> str:
    """HMAC(voter, cycle): finds a voter's ballot to replace it, and nothing else."""
    message = f"ballot:{voter_id}:{cycle_id}".encode()
    return hmac.digest(_key(), message, "sha256").hex()


def new_receipt_code() -> str:
    """A random receipt code such as ``K7QW-3MZP-X9TA-4HRE`` (80 bits)."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def receipt_hash(code: str) -> str:
    """SHA-256 of a receipt code (published after the vote), case and dashes ignored."""
    clean = _NOT_ALNUM.sub("", code.upper())
    return hashlib.sha256(clean.encode()).hexdigest()


def cast_lock_key(voter_id: int, cycle_id: int) -> int:
    """A signed 64-bit advisory-lock key that serialises one voter's casts in a cycle.

    Keyed, so the key a cast holds (visible in ``pg_locks`` while it runs) does not name
    the voter to someone without the server key. Never use it to find anything.
    """
    message = f"cast-lock:{voter_id}:{cycle_id}".encode()
    return int.from_bytes(hmac.digest(_key(), message, "sha256")[:8], "big", signed=True)
