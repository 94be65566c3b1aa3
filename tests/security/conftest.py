"""Helpers for the security tests: production settings read from a given environment."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "pbudget" / "settings.py"


@pytest.fixture
def settings_from_env(monkeypatch):
    """Read pbudget/settings.py afresh under ``env`` (development unless DEBUG="0")."""

    def _read(**env: str) -> dict:
        with monkeypatch.context() as patch:
            patch.setenv("DEBUG", "1")
            for name, value in env.items():
                patch.setenv(name, value)
            return runpy.run_path(str(SETTINGS_FILE))

    return _read
