"""Every role on every view of the core: who gets the page, a 403, or a sign-in."""

import pytest
from django.urls import reverse

from pbudget import roles
from tests.factories import make_cycle, make_user, staff_login

PUBLIC = ["home", "cycle_list", "healthz"]
STAFF_ONLY_ADMIN = [
    ("cycle_manage_list", {}),
    ("cycle_create", {}),
    ("cycle_edit", {"slug": "cycle-ideas-1"}),
    ("district_manage_list", {}),
    ("district_create", {}),
    ("district_edit", {"slug": "old-town"}),
]
ROLES = [None, *roles.ROLES]


def _client_for(client, role):
    if role is None:
        return client
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    staff_login(client, user)
    return client


@pytest.fixture
def cycle(db):
    return make_cycle(phase="ideas", slug="cycle-ideas-1")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_open_to_everyone(client, cycle, role, name):
    response = _client_for(client, role).get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_cycle_page_open_to_everyone(client, cycle, role):
    response = _client_for(client, role).get(cycle.get_absolute_url())
    assert response.status_code == 200
    assert cycle.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_unpublished_cycle_only_for_administrators(client, cycle, role):
    cycle.is_published = False
    cycle.save()
    response = _client_for(client, role).get(cycle.get_absolute_url())
    assert response.status_code == (200 if role == roles.ADMINISTRATOR else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "kwargs"), STAFF_ONLY_ADMIN)
def test_configuration_pages_only_for_administrators(client, cycle, role, name, kwargs):
    response = _client_for(client, role).get(reverse(name, kwargs=kwargs))
    if role is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    elif role == roles.ADMINISTRATOR:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_configuration_posts_refused_for_non_administrators(client, cycle, role):
    response = _client_for(client, role).post(
        reverse("district_create"), {"name": "X", "slug": "x", "position": "1"}
    )
    if role == roles.ADMINISTRATOR:
        assert response.status_code == 302
    else:
        assert response.status_code in (302, 403)
        from pbudget.models import District

        assert not District.objects.filter(slug="x").exists()


@pytest.mark.parametrize("role", ROLES)
def test_staff_home_for_staff_roles_only(client, cycle, role):
    response = _client_for(client, role).get(reverse("staff_home"))
    if role is None:
        assert response.status_code == 302
    elif role in roles.STAFF_ROLES:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_django_admin_for_administrators_only(client, cycle, role):
    response = _client_for(client, role).get("/admin/")
    if role == roles.ADMINISTRATOR:
        assert response.status_code == 200
    elif role is None:
        assert response.status_code == 302
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/admin/" not in response.url or "login" in response.url


@pytest.mark.parametrize("role", roles.STAFF_ROLES)
def test_staff_without_second_factor_this_session_must_sign_in_again(client, cycle, role):
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    client.force_login(user)  # password only, no authenticator code
    response = client.get(reverse("staff_home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_without_authenticator_are_sent_to_set_one_up(client, cycle):
    from allauth.mfa.models import Authenticator

    user = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    Authenticator.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.get(reverse("cycle_manage_list"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_admin_site_needs_second_factor(client, cycle):
    user = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    client.force_login(user)
    response = client.get("/admin/pbudget/cycle/")
    assert response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_profile_needs_sign_in(client, cycle, role):
    response = _client_for(client, role).get(reverse("profile"))
    assert response.status_code == (302 if role is None else 200)
