"""Production settings pass `manage.py check --deploy` with no warnings at all."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    dropped = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=full_env, capture_output=True, text=True, check=False,
    )  # fmt: skip


#: Everything production requires; each refusal test blanks one of them.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "production-secret-" + "x9Yz" * 10,
    "ALLOWED_HOSTS": "budget.example.org",
    "PBUDGET_BALLOT_PUBLIC_KEY": "dGhpcyBpcyBub3QgYSByZWFsIGtleSwganVzdCAzMmI=",
    "PBUDGET_SITE_URL": "https://budget.example.org",
    "PBUDGET_MFA_KEY": "bm90IGEgcmVhbCBrZXksIGp1c3QgMzIgYnl0ZXMgISE=",
}


@pytest.mark.slow
def test_check_deploy_has_zero_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_the_site_url():
    """E-mails link to the site: without its address they would point at 127.0.0.1."""
    result = run_manage("check", **{**PRODUCTION, "PBUDGET_SITE_URL": ""})
    assert result.returncode != 0
    assert "Set PBUDGET_SITE_URL" in result.stderr


def test_production_refuses_to_start_without_the_ballot_box_key():
    result = run_manage(
        "check",
        **{**PRODUCTION, "PBUDGET_BALLOT_PUBLIC_KEY": "", "PBUDGET_BALLOT_PRIVATE_KEY": ""},
    )
    assert result.returncode != 0
    assert "Set PBUDGET_BALLOT_PUBLIC_KEY" in result.stderr
    assert "manage.py ballot_keys" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_csp_header_forbids_inline_scripts(client, db):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()


def test_email_url_is_parsed():
    from pbudget.env import email_settings

    smtp = email_settings("smtp://user:p%40ss@mail.example.org:587?tls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ValueError, match="unknown scheme"):
        email_settings("carrier-pigeon://")


def test_csp_header_is_on_pages_and_errors_but_not_on_redirects(client, db):
    assert "Content-Security-Policy" in client.get("/no-such-page/").headers
    assert "Content-Security-Policy" in client.get("/vote/").headers
    to_login = client.get("/accounts/profile/")
    assert to_login.status_code == 302
    assert "Content-Security-Policy" not in to_login.headers
