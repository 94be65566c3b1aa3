"""Read configuration from the environment (twelve-factor style)."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse


def env_bool(name: str, default: bool = False) -> bool:
    """Return an environment flag: 1/true/yes/on are true."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated environment value as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def email_settings(url: str) -> dict[str, object]:
    """Turn an EMAIL_URL into Django e-mail settings.

    Supported: ``smtp://user:pass@host:587?tls=1`` (``smtps://`` for implicit TLS),
    ``console://``, ``locmem://``, ``file:///path/to/dir`` and ``dummy://``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if scheme not in backends:
        raise ValueError(f"EMAIL_URL has an unknown scheme {scheme!r}")
    settings: dict[str, object] = {"EMAIL_BACKEND": backends[scheme]}
    if scheme == "file":
        settings["EMAIL_FILE_PATH"] = unquote(parsed.path)
    if scheme in {"smtp", "smtps"}:
        query = parse_qs(parsed.query)
        settings.update(
            EMAIL_HOST=parsed.hostname or "localhost",
            EMAIL_PORT=parsed.port or (465 if scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parsed.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
            EMAIL_USE_SSL=scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0] in {"1", "true"},
        )
    return settings
