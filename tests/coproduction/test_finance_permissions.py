"""Every role (and anonymous) on every finance view: only finance officers and administrators.

A guessed download link and another officer's link are refused to everyone (403).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduction.finance import services
from coproduction.models import FinanceAuditLog
from pbudget import roles
from tests.coproduction.test_finance_world import export_dir_fixture, world_fixture  # noqa: F401
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db

ALL = [None, *roles.ROLES]
FINANCE = [roles.FINANCE_OFFICER, roles.ADMINISTRATOR]


def _client_as(client, role):
    if role is None:
        return None
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    staff_login(client, user)
    return user


def _views(world):
    cycle, benches = world["cycle"], world["benches"]
    return [
        ("get", reverse("coproduction:finance"), 200),
        ("get", reverse("coproduction:finance_cycle", args=[cycle.slug]), 200),
        ("get", reverse("coproduction:finance_coding", args=[cycle.slug, benches.pk]), 200),
        ("post", reverse("coproduction:finance_export_create", args=[cycle.slug]), 302),
    ]


@pytest.mark.parametrize("role", ALL)
def test_only_finance_officers_and_administrators_see_the_finance_pages(client, world, role):
    _client_as(client, role)

    for method, url, allowed in _views(world):
        response = getattr(client, method)(url, {"format": "csv"} if method == "post" else None)

        if role is None:
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("account_login")), url
        elif role in FINANCE:
            assert response.status_code == allowed, url
        else:
            assert response.status_code == 403, url


@pytest.mark.parametrize("role", ALL)
def test_a_guessed_download_link_is_refused_to_every_role(client, world, role):
    _client_as(client, role)

    response = client.get(reverse("coproduction:finance_download", args=["guessed-token-123"]))

    if role is None:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    if role in FINANCE:
        assert FinanceAuditLog.objects.filter(
            action="download-refused", detail__reason="unknown-link"
        ).exists()


@pytest.mark.parametrize("role", ALL)
def test_another_persons_export_and_its_link_are_refused(client, world, role):
    job = services.export_request(user=world["finance"], cycle=world["cycle"], fmt="csv")
    _client_as(client, role)

    status = client.get(reverse("coproduction:finance_export", args=[job.pk]))
    download = client.get(reverse("coproduction:finance_download", args=[job.token]))

    expected = 302 if role is None else 403
    assert (status.status_code, download.status_code) == (expected, expected)
    job.refresh_from_db()
    assert job.downloaded_at is None  # still there for the person who asked


def test_a_finance_officer_without_the_second_factor_is_sent_to_sign_in_again(client, world):
    client.force_login(world["finance"])  # password only

    response = client.get(reverse("coproduction:finance"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_staff_page_shows_the_finance_card_to_finance_only(client, world):
    staff_login(client, world["finance"])
    assert reverse("coproduction:finance") in client.get(reverse("staff_home")).text

    reviewer = make_user("reviewer@example.org", roles=[roles.REVIEWER])
    staff_login(client, reviewer)
    assert reverse("coproduction:finance") not in client.get(reverse("staff_home")).text
