"""Images held between a failed form submission and the next one.

Browsers cannot refill file inputs, so when a proposal form comes back with errors, each
image that was fine is cleaned (re-encoded without metadata), stored under
``proposals/pending/`` and named in the form by a signed token. The next submission uses
the held image unless a new file is chosen for that slot. Tokens are bound to the user and
expire after a day; held files are deleted when used, or by housekeeping once no token can
name them any more (``purge_stale``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from proposals.images import clean_image

FOLDER = "proposals/pending"
SALT = "proposals.pending-image"
MAX_AGE = 24 * 3600  # seconds


def hold(upload, *, user) -> dict | None:
    """Store a cleaned copy of ``upload``; return {token, url, name}, or None if unreadable."""
    try:
        content = clean_image(upload)
    except ValidationError:
        return None
    extension = content.name.rsplit(".", 1)[-1]
    path = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.{extension}", content)
    token = signing.dumps({"path": path, "user": user.pk, "name": upload.name[:120]}, salt=SALT)
    return {"token": token, "url": default_storage.url(path), "name": upload.name[:120]}


def read(token: str, *, user) -> dict | None:
    """The held image of ``token`` ({path, name, url}) if it is this user's and still there."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path = data.get("path", "")
    if (
        data.get("user") != user.pk
        or not path.startswith(f"{FOLDER}/")
        or not default_storage.exists(path)
    ):
        return None
    return {"path": path, "name": data.get("name", ""), "url": default_storage.url(path),
            "token": token}  # fmt: skip


def open_file(held: dict):
    """Open a held image as an upload-like file."""
    from django.core.files import File

    handle = default_storage.open(held["path"], "rb")
    return File(handle, name=held["name"] or "image.jpg")


def discard(held: dict) -> None:
    default_storage.delete(held["path"])


def purge_stale() -> int:
    """Delete held images older than a token's lifetime: their forms were abandoned."""
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - timedelta(seconds=MAX_AGE)
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:  # used or removed meanwhile
            continue
    return removed
