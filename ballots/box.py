"""The ballot box: what a cast ballot looks like while it waits to be mixed.

A ballot is *sealed* when it is cast: its choices, link and receipt hash are packed into
a fixed-size record and encrypted to the box's public key with NaCl's ``crypto_box``
(X25519 and XSalsa20-Poly1305, through PyNaCl). Each process that seals makes its own key
pair once and agrees a key with the box's public key once, so sealing and opening a ballot
cost one symmetric encryption (about 10 µs) instead of a public-key operation (about
100 µs); a sealed ballot starts with that process's public key. Web processes need only
the box's public key; its private key is for the mixing worker alone and never enters the
database. Only the box's private key (or the sealing process's memory, which sees the
ballot anyway) opens a sealed ballot.

The record is padded to the size of a ballot that chooses every project on it, so the
length of a sealed ballot says nothing about how many projects were chosen.

Record layout (big-endian), version 1::

    version u8 · channel u8 · link 32 bytes · receipt hash 32 bytes · n u16
    n × (proposal id u64 · points u16 · rank u16, 0 for none) · zero padding

Sealed ballot: sealing process's public key (32 bytes) · nonce (24) · encrypted record.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.exceptions import CryptoError
from nacl.public import Box, PrivateKey, PublicKey

VERSION = 1
CHANNELS = ("online", "paper")
_HEAD = struct.Struct(">BB32s32sH")
_CHOICE = struct.Struct(">QHH")
#: Sealed records are padded to a multiple of this many choices.
PAD_CHOICES = 16


class BoxError(Exception):
    """A sealed ballot that cannot be opened or read (wrong key, damaged record)."""


@dataclass(frozen=True)
class OpenedBallot:
    """A ballot taken out of the box: what goes into the ballot table."""

    channel: str
    link: str | None  # hex HMAC(voter, cycle); None for paper ballots
    receipt_hash: str | None  # hex SHA-256 of the receipt code; None for paper ballots
    proposals: tuple[int, ...]
    points: tuple[int, ...]
    ranks: tuple[int | None, ...]


def new_key_pair() -> tuple[str, str]:
    """A fresh (public, private) key pair, base64-encoded, for the environment."""
    key = PrivateKey.generate()
    return (
        base64.b64encode(bytes(key.public_key)).decode(),
        base64.b64encode(bytes(key)).decode(),
    )


@cache
def _public_key(public: str, private: str) -> PublicKey:
    if public:
        return PublicKey(base64.b64decode(public))
    return _private_key(private).public_key


@cache
def _private_key(private: str) -> PrivateKey:
    return PrivateKey(base64.b64decode(private))


def public_key() -> PublicKey:
    """The box's public key: from the setting, or derived from the private key."""
    return _public_key(settings.PBUDGET_BALLOT_PUBLIC_KEY, settings.PBUDGET_BALLOT_PRIVATE_KEY)


def private_key() -> PrivateKey:
    """The box's private key. Only the mixing worker has it; never store it in the database."""
    if not settings.PBUDGET_BALLOT_PRIVATE_KEY:
        raise ImproperlyConfigured(
            "PBUDGET_BALLOT_PRIVATE_KEY is not set here: only hosts that mix the ballot box "
            "(the Celery workers) need it."
        )
    key = _private_key(settings.PBUDGET_BALLOT_PRIVATE_KEY)
    if bytes(key.public_key) != bytes(public_key()):
        raise ImproperlyConfigured(
            "PBUDGET_BALLOT_PRIVATE_KEY does not belong to PBUDGET_BALLOT_PUBLIC_KEY."
        )
    return key


def padded_choices(projects_on_ballot: int) -> int:
    """How many choice slots a sealed record of a ballot with this many projects has."""
    slots = max(projects_on_ballot, 1)
    return -(-slots // PAD_CHOICES) * PAD_CHOICES


def pack(
    *,
    channel: str,
    link: str | None,
    receipt_hash: str | None,
    proposals: list[int],
    points: list[int],
    ranks: list[int | None],
    projects_on_ballot: int,
) -> bytes:
    """The fixed-size record of a ballot (see the module docstring)."""
    count = len(proposals)
    slots = padded_choices(max(projects_on_ballot, count))
    parts = [
        _HEAD.pack(
            VERSION,
            CHANNELS.index(channel),
            bytes.fromhex(link) if link else bytes(32),
            bytes.fromhex(receipt_hash) if receipt_hash else bytes(32),
            count,
        )
    ]
    for proposal, point, rank in zip(proposals, points, ranks, strict=True):
        parts.append(_CHOICE.pack(proposal, point, rank or 0))
    parts.append(bytes(_CHOICE.size * (slots - count)))
    return b"".join(parts)


def unpack(record: bytes) -> OpenedBallot:
    """Read a record made by :func:`pack`."""
    try:
        version, channel, link, receipt, count = _HEAD.unpack_from(record)
        if version != VERSION or channel >= len(CHANNELS):
            raise BoxError(f"unknown sealed ballot version {version} or channel {channel}")
        choices = [_CHOICE.unpack_from(record, _HEAD.size + i * _CHOICE.size) for i in range(count)]
    except struct.error as error:
        raise BoxError(f"damaged sealed ballot: {error}") from None
    return OpenedBallot(
        channel=CHANNELS[channel],
        link=link.hex() if any(link) else None,
        receipt_hash=receipt.hex() if any(receipt) else None,
        proposals=tuple(c[0] for c in choices),
        points=tuple(c[1] for c in choices),
        ranks=tuple(c[2] or None for c in choices),
    )


@cache
def _sealer(public: PublicKey) -> tuple[bytes, Box]:
    """This process's own public key, and its ``crypto_box`` with the box's public key."""
    own = PrivateKey.generate()
    return bytes(own.public_key), Box(own, public)


def seal(record: bytes) -> bytes:
    """Encrypt a record to the box's public key: only the private key opens it."""
    sender, sealing = _sealer(public_key())
    return sender + sealing.encrypt(record)


def opener():
    """Return a ``sealed bytes -> OpenedBallot`` function holding the private key."""
    key = private_key()
    boxes: dict[bytes, Box] = {}  # one key agreement per sealing process

    def _open(sealed: bytes) -> OpenedBallot:
        sealed = bytes(sealed)
        sender = sealed[: PublicKey.SIZE]
        try:
            opening = boxes.get(sender)
            if opening is None:
                opening = boxes[sender] = Box(key, PublicKey(sender))
            return unpack(opening.decrypt(sealed[PublicKey.SIZE :]))
        except (CryptoError, ValueError, TypeError):
            raise BoxError("a sealed ballot does not open with this private key") from None

    return _open
