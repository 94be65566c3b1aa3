"""Storage for files that must never be public (served only through checked views)."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``: they have no URL; a view opens and streams them.

    The folder is read from the settings on every use, so tests can point it elsewhere.
    """

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a checked view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
