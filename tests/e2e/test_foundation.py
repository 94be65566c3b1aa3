"""In Chromium: a new resident signs up, verifies by e-mail, signs in; pages pass axe-core."""

import re

import pytest
from django.core import mail

from tests.factories import make_cycle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_resident_signs_up_verifies_and_sees_home(page, live_server):
    make_cycle(phase="ideas", name="Budget of the Year")
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Public name").fill("Newcomer from Old Town")
    page.get_by_label("Password", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password (again)").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Verify Your Email Address"

    message = mail.outbox[-1]
    assert message.to == ["newcomer@example.org"]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1)
    page.goto(path)
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password").fill("a long and unusual passphrase")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Budget of the Year"
    assert page.get_by_role("button", name="Sign out").is_visible()


@pytest.mark.parametrize(
    "path", ["/", "/accounts/signup/", "/accounts/login/", "/cycles/", "/cycles/the-cycle/"]
)
def test_public_pages_have_no_wcag_violations(page, axe_check, path):
    make_cycle(phase="voting", slug="the-cycle")
    page.goto(path)
    assert page.locator("h1").count() == 1
    axe_check(page)


def test_cycle_form_has_no_wcag_violations_and_keeps_input(page, axe_check, sign_in_as):
    from pbudget import roles
    from tests.factories import make_user

    make_cycle(phase="ideas", slug="the-cycle")
    sign_in_as(page, make_user("admin@example.org", roles=[roles.ADMINISTRATOR]))
    page.goto("/staff/cycles/new/")
    axe_check(page)
    page.get_by_label("Name").fill("Budget 2030")
    page.get_by_label("Slug").fill("budget-2030")
    page.get_by_label("Fiscal year").fill("2030")
    page.get_by_role("button", name="Save cycle").click()
    # Dates are missing: the form comes back with errors and what was typed.
    assert page.get_by_label("Name").input_value() == "Budget 2030"
    assert page.locator(".form-error-summary").is_visible()
    axe_check(page)


def test_home_on_a_phone_fits_the_screen(phone_page, axe_check):
    make_cycle(phase="ideas", name="Budget of the Year")
    phone_page.goto("/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    axe_check(phone_page)
