"""Offers of help are opt-in, and a resident reaches an offerer only through pbudget."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from coproduction import selectors, services
from coproduction.models import Offer, Visibility
from pbudget.models import User
from tests.coproduction.factories import make_proposal
from tests.factories import make_user
from tests.security.test_staff_second_factor import SECRETS, all_urls, build_world


@pytest.fixture
def author(db):
    """A resident who submitted a proposal, so may search offers."""
    from tests.factories import make_cycle

    user = make_user("searching.author@example.org")
    make_proposal(make_cycle(phase="voting", slug="vote"), author=user)
    return user


def _offer(email: str, *, listed: bool = True) -> Offer:
    offerer = make_user(email)
    offerer.display_name = "Painter"  # the factory's default name is the address itself
    offerer.save(update_fields=["display_name"])
    visibility = Visibility.LISTED if listed else Visibility.PRIVATE
    return Offer.objects.create(user=offerer, visibility=visibility, note="I can paint")


def _code(error: ValidationError) -> str:
    return error.error_list[0].code if hasattr(error, "error_list") else error.code


def test_a_new_offer_is_not_listed_until_its_owner_lists_it(db):
    owner = make_user("owner@example.org")

    offer = services.offer_save(user=owner, fields={"note": "Carpentry"}, skills=[])

    assert offer.visibility == Visibility.PRIVATE
    assert not selectors.offer_search().filter(pk=offer.pk).exists()


def test_the_migration_unlists_every_existing_offer(db):
    listed = _offer("listed@example.org")
    migration = importlib.import_module("coproduction.migrations.0007_offers_opt_in")

    migration.unlist_existing_offers(apps, None)

    listed.refresh_from_db()
    assert listed.visibility == Visibility.PRIVATE


def test_no_page_shows_an_offerers_email_to_another_resident(db):
    world = build_world()
    offerer_email = SECRETS["offerer"]
    searcher = User.objects.get(email=SECRETS["author"])  # wrote a proposal: may search
    client = Client()
    client.force_login(searcher)
    assert client.get(reverse("coproduction:offer_search")).status_code == 200

    for url in all_urls(world):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert offerer_email.encode() not in body, url


def test_a_resident_writes_to_an_offerer_through_pbudget(
    client, author, django_capture_on_commit_callbacks
):
    offer = _offer("painter@example.org")
    client.force_login(author)
    url = reverse("coproduction:offer_contact", kwargs={"pk": offer.pk})
    assert "painter@example.org" not in client.get(url).text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"message": "Could you paint the benches? Call 555-0100."})

    assert response.status_code == 302
    assert "painter@example.org" not in client.get(response.url).text
    [email] = mail.outbox
    assert email.to == ["painter@example.org"]
    assert "Could you paint the benches? Call 555-0100." in email.body
    assert author.email not in email.body


def test_an_unlisted_offer_cannot_be_written_to(client, author):
    offer = _offer("hidden@example.org", listed=False)
    client.force_login(author)

    response = client.get(reverse("coproduction:offer_contact", kwargs={"pk": offer.pk}))

    assert response.status_code == 404
    with pytest.raises(ValidationError) as caught:
        services.offer_contact(offer=offer, sender=author, message="Hello")
    assert _code(caught.value) == "offer_not_listed"


def test_a_resident_who_may_not_search_offers_cannot_write_to_an_offerer(client, db):
    offer = _offer("painter@example.org")
    client.force_login(make_user("no-proposal@example.org"))

    response = client.get(reverse("coproduction:offer_contact", kwargs={"pk": offer.pk}))

    assert response.status_code == 403


def test_writing_to_offerers_is_rate_limited(author):
    offers = [_offer(f"helper{n}@example.org") for n in range(services.CONTACTS_A_DAY + 1)]
    services.offer_contact(offer=offers[0], sender=author, message="Hello")

    with pytest.raises(ValidationError) as repeated:
        services.offer_contact(offer=offers[0], sender=author, message="Hello again")
    for offer in offers[1 : services.CONTACTS_A_DAY]:
        services.offer_contact(offer=offer, sender=author, message="Hello")
    with pytest.raises(ValidationError) as too_many:
        services.offer_contact(offer=offers[-1], sender=author, message="Hello")

    assert _code(repeated.value) == "contact_repeated"
    assert _code(too_many.value) == "contact_rate_limited"
