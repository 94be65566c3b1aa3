"""Authenticator secrets at rest, encrypted with ``PBUDGET_MFA_KEY`` (a NaCl SecretBox).

A stored secret reads ``nacl:`` and the base64 of nonce, ciphertext and MAC. Whoever reads
the database (a backup, a replica, a leaked dump) without the key cannot work out anyone's
authenticator codes, and cannot plant a secret of their own: only what the key sealed opens.
"""

from __future__ import annotations

import base64

from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

PREFIX = "nacl:"

# Which entries of an authenticator's ``data`` allauth stores through its adapter's
# encrypt(), by authenticator type; a list entry holds one secret per item.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed", "migrated_codes")}


def _box() -> SecretBox:
    return SecretBox(base64.b64decode(settings.PBUDGET_MFA_KEY))


def is_encrypted(value: str) -> bool:
    """Tell whether ``value`` is a sealed secret (not whether the key opens it)."""
    return value.startswith(PREFIX)


def encrypt_secret(text: str) -> str:
    """Seal ``text`` under the key, with a fresh random nonce."""
    return PREFIX + base64.b64encode(_box().encrypt(text.encode())).decode()


def decrypt_secret(value: str) -> str:
    """Open a sealed secret; refuse clear text and anything the key did not seal."""
    if not is_encrypted(value):
        raise ValueError("An authenticator secret is stored unencrypted: run `manage.py migrate`.")
    try:
        return _box().decrypt(base64.b64decode(value.removeprefix(PREFIX))).decode()
    except CryptoError as error:
        raise ValueError("An authenticator secret does not open with PBUDGET_MFA_KEY.") from error


def convert_authenticator_data(kind: str, data: dict, *, encrypt: bool) -> bool:
    """Encrypt (or decrypt) in place the secrets of an authenticator's ``data``.

    Values already in the wanted form are left alone. Return whether anything changed.
    """

    def convert(value: str) -> str:
        if is_encrypted(value) == encrypt:
            return value
        return encrypt_secret(value) if encrypt else decrypt_secret(value)

    changed = False
    for field in SECRET_FIELDS.get(kind, ()):
        value = data.get(field)
        if value is None:
            continue
        new = [convert(item) for item in value] if isinstance(value, list) else convert(value)
        if new != value:
            data[field] = new
            changed = True
    return changed
