"""Every role on every count and results page, by phase; what the results page shows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ballots.counting import services
from ballots.models import TallyRun, TallyStatus
from ballots.tally import parse_pabulib_string
from pbudget import roles
from pbudget.models import Cycle, District
from tests.ballots.tally_factories import closed_cycle, p, vote_old_town
from tests.factories import make_user, staff_login

pytestmark = pytest.mark.django_db
ROLES = [None, *roles.ROLES]
LOGIN = "/accounts/login/"
ASSEN = Path(__file__).resolve().parents[2] / "ballots" / "demo_data" / "Netherlands_Assen_2024.pb"


def _as(client, role):
    if role is None:
        return None
    user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
    staff_login(client, user)
    return user


def _expect_staff(response, role, ok=200):
    if role is None:
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    elif role == roles.ADMINISTRATOR:
        assert response.status_code == ok, response.content[:300]
    else:
        assert response.status_code == 403


def _cycle(phase: str) -> Cycle:
    cycle = closed_cycle(slug=f"count-{phase}")
    if phase == "voting":
        Cycle.objects.filter(pk=cycle.pk).update(voting_closes=timezone.now() + timedelta(days=2))
        cycle.refresh_from_db()
    vote_old_town(cycle)
    return cycle


def _published(cycle):
    old_town = District.objects.get(slug="old-town")
    run = services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)
    services.results_publish(run=run, user=None)
    return run


# --- public pages ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_results_index_is_public(client, role):
    cycle = _cycle("results")
    _published(cycle)
    _as(client, role)
    response = client.get(reverse("ballots:results_index"))
    assert response.status_code == 200
    assert cycle.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("published", [False, True])
def test_results_pages_are_public_once_published_and_missing_before(client, role, published):
    cycle = _cycle("results")
    if published:
        _published(cycle)
    else:
        services.count_run(cycle_id=cycle.pk, district_id=District.objects.get(slug="old-town").pk)
    _as(client, role)
    for name in ("results_detail", "results_pabulib"):
        response = client.get(reverse(f"ballots:{name}", args=[cycle.slug, "old-town"]))
        assert response.status_code == (200 if published else 404)
    response = client.get(reverse("ballots:results_cycle", args=[cycle.slug]))
    assert response.status_code == (302 if published else 404)


def test_the_results_page_shows_winners_votes_chart_turnout_and_the_rule_comparison(client):
    cycle = _cycle("results")
    run = _published(cycle)

    response = client.get(reverse("ballots:results_detail", args=[cycle.slug, "old-town"]))

    html = response.content.decode()
    winners = html.split('id="winners"')[1].split('id="votes"')[0]
    assert winners.index("Bike lane") < winners.index("Benches")
    assert "Playground" not in winners
    assert "<svg" in html and "bar-funded" in html
    assert "35,000 EUR" in html  # spent
    assert "15,000 EUR" in html  # left unspent
    assert "30.0 %" in html  # Benches: 15,000 of 50,000
    assert "How the rule changes the outcome" in html
    comparison = html.split('id="rules"')[1]
    assert "only under this rule" in comparison
    assert "90.9 %" in comparison  # 10 of 11 voters under Equal Shares
    assert "54.5 %" in comparison  # 6 of 11 under greedy
    assert run.ballot_hash in html
    assert reverse("ballots:results_pabulib", args=[cycle.slug, "old-town"]) in html
    assert reverse("ballots:receipts", args=[cycle.slug]) in html
    assert "<script>" not in html


def test_the_open_data_file_is_a_pabulib_file_of_the_ballots(client):
    cycle = _cycle("results")
    run = _published(cycle)

    response = client.get(reverse("ballots:results_pabulib", args=[cycle.slug, "old-town"]))

    assert response["Content-Disposition"].endswith('.pb"')
    election = parse_pabulib_string(response.content.decode())
    assert election.num_voters == 11
    assert {pr.id for pr in election.projects if pr.extra["selected"] == "1"} == set(run.winners)


# --- administrators -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["voting", "results"])
def test_count_pages_are_for_administrators(client, role, phase):
    cycle = _cycle(phase)
    _as(client, role)
    for url in (
        reverse("ballots:count_home"),
        reverse("ballots:count_import"),
        reverse("ballots:count_cycle", args=[cycle.slug]),
        reverse("ballots:count_detail", args=[cycle.slug, "old-town"]),
        reverse("ballots:count_progress", args=[cycle.slug, "old-town"]),
    ):
        _expect_staff(client.get(url), role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["voting", "results"])
def test_starting_the_count_needs_an_administrator_and_a_closed_vote(
    client, role, phase, django_capture_on_commit_callbacks
):
    cycle = _cycle(phase)
    _as(client, role)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ballots:count_start", args=[cycle.slug, "old-town"]))

    _expect_staff(response, role, ok=302)
    run = TallyRun.objects.filter(cycle=cycle, is_official=True).first()
    if role == roles.ADMINISTRATOR and phase == "results":
        assert run.status == TallyStatus.DONE  # the task ran (eagerly, after commit)
    else:
        assert run is None
    if role == roles.ADMINISTRATOR and phase == "voting":
        page = client.get(response.url).content.decode()
        assert "the count can start after that" in page


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("phase", ["voting", "results"])
def test_counting_every_district_needs_an_administrator_and_a_closed_vote(
    client, role, phase, django_capture_on_commit_callbacks
):
    cycle = _cycle(phase)
    _as(client, role)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ballots:count_start_all", args=[cycle.slug]))

    _expect_staff(response, role, ok=302)
    runs = TallyRun.objects.filter(cycle=cycle, is_official=True, status=TallyStatus.DONE)
    expected = 2 if role == roles.ADMINISTRATOR and phase == "results" else 0
    assert runs.count() == expected  # Old Town and city-wide


@pytest.mark.parametrize("role", ROLES)
def test_publishing_needs_an_administrator(client, role):
    cycle = _cycle("results")
    services.count_run(cycle_id=cycle.pk, district_id=District.objects.get(slug="old-town").pk)
    _as(client, role)

    response = client.post(
        reverse("ballots:count_publish", args=[cycle.slug, "old-town"]), {"confirm": "yes"}
    )

    _expect_staff(response, role, ok=302)
    run = TallyRun.objects.get(cycle=cycle, is_official=True)
    assert run.is_published == (role == roles.ADMINISTRATOR)
    if role == roles.ADMINISTRATOR:
        assert response.url == reverse("ballots:results_detail", args=[cycle.slug, "old-town"])
        assert p(cycle, "Benches").status == "selected"


def test_publishing_without_the_confirmation_publishes_nothing(client):
    cycle = _cycle("results")
    services.count_run(cycle_id=cycle.pk, district_id=District.objects.get(slug="old-town").pk)
    _as(client, roles.ADMINISTRATOR)
    page = client.get(reverse("ballots:count_detail", args=[cycle.slug, "old-town"]))
    assert 'name="confirm" value="yes"' in page.content.decode()
    response = client.post(
        reverse("ballots:count_publish", args=[cycle.slug, "old-town"]), follow=True
    )
    assert "I have checked this count" in response.content.decode()
    assert not TallyRun.objects.get(cycle=cycle, is_official=True).is_published
    assert p(cycle, "Benches").status != "selected"


def test_publishing_before_the_count_is_refused_with_a_message(client):
    cycle = _cycle("results")
    _as(client, roles.ADMINISTRATOR)
    response = client.post(
        reverse("ballots:count_publish", args=[cycle.slug, "old-town"]), follow=True
    )
    assert "Count the ballots before publishing." in response.content.decode()


def test_the_progress_block_polls_while_counting_and_stops_when_done(client):
    cycle = _cycle("results")
    old_town = District.objects.get(slug="old-town")
    _as(client, roles.ADMINISTRATOR)
    url = reverse("ballots:count_progress", args=[cycle.slug, "old-town"])
    TallyRun.objects.create(
        cycle=cycle, district=old_town, rule="mes-add1", status="running", progress=40
    )

    running = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in running and "Counting: 40 %" in running

    services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)
    done = client.get(url).content.decode()
    assert "hx-get" not in done and "Counted on" in done


def test_the_count_page_shows_the_result_before_it_is_published(client):
    cycle = _cycle("results")
    services.count_run(cycle_id=cycle.pk, district_id=District.objects.get(slug="old-town").pk)
    _as(client, roles.ADMINISTRATOR)
    html = client.get(reverse("ballots:count_detail", args=[cycle.slug, "old-town"])).content
    html = html.decode()
    assert "Publish the results" in html and "Bike lane" in html


def test_an_administrator_imports_a_pabulib_file(client):
    _as(client, roles.ADMINISTRATOR)
    upload = SimpleUploadedFile(ASSEN.name, ASSEN.read_bytes())

    response = client.post(
        reverse("ballots:count_import"), {"file": upload, "slug": "assen-2024", "rule": ""}
    )

    assert response.status_code == 302
    assert response.url == reverse("ballots:count_cycle", args=["assen-2024"])
    assert Cycle.objects.get(slug="assen-2024").proposals.count() == 14


def test_a_bad_upload_shows_the_problem_keeps_the_slug_and_imports_nothing(client):
    _as(client, roles.ADMINISTRATOR)
    upload = SimpleUploadedFile("bad.pb", b"META\nkey;value\nPROJECTS\nproject_id;cost\n1;5\n")
    cycles = Cycle.objects.count()

    response = client.post(
        reverse("ballots:count_import"), {"file": upload, "slug": "my-import", "rule": ""}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "This is not a Pabulib file pbudget can read" in html
    assert 'value="my-import"' in html
    assert Cycle.objects.count() == cycles


def test_an_imported_election_shows_its_ballots_without_census_or_receipts(client):
    cycle = services.pabulib_import(
        text=ASSEN.read_text(encoding="utf-8"), file_name=ASSEN.name, slug="assen", user=None
    )
    district = cycle.budgets.get().district
    run = services.count_run(cycle_id=cycle.pk, district_id=district.pk)
    services.results_publish(run=run, user=None)

    html = client.get(
        reverse("ballots:results_detail", args=[cycle.slug, district.slug])
    ).content.decode()

    assert "imported from the open data file Netherlands_Assen_2024.pb" in html
    assert "on the census" not in html
    assert reverse("ballots:receipts", args=[cycle.slug]) not in html
    assert "PopUp Podium" in html


@pytest.mark.parametrize("role", roles.STAFF_ROLES)
def test_the_count_card_is_on_the_staff_page_of_administrators_only(client, role):
    _as(client, role)
    response = client.get(reverse("staff_home"))
    assert response.status_code == 200
    has_card = reverse("ballots:count_home") in response.content.decode()
    assert has_card == (role == roles.ADMINISTRATOR)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_has_the_results_link_in_the_navigation(client, role):
    _as(client, role)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("ballots:results_index")}"' in html


@pytest.mark.parametrize("role", ROLES)
def test_working_out_the_comparison_needs_an_administrator(client, role):
    cycle = _cycle("results")
    old_town = District.objects.get(slug="old-town")
    services.count_run(cycle_id=cycle.pk, district_id=old_town.pk)
    TallyRun.objects.filter(cycle=cycle, is_official=False).delete()
    _as(client, role)
    url = reverse("ballots:count_comparison", args=[cycle.slug, "old-town"])

    response = client.post(url)

    _expect_staff(response, role, ok=302)
    compared = TallyRun.objects.filter(cycle=cycle, district=old_town, is_official=False)
    assert compared.exists() == (role == roles.ADMINISTRATOR)
    if role == roles.ADMINISTRATOR:
        assert client.get(url).status_code == 405  # only by POST (with the CSRF token)


def test_a_cycle_funded_without_a_count_here_still_has_results(client):
    """Its projects were funded (counted before the site ran the vote): the results page
    lists them per district instead of answering 404, and the index lists the cycle."""
    from proposals.models import ProposalStatus

    cycle = _cycle("implementation")
    benches = p(cycle, "Benches")
    benches.status = ProposalStatus.SELECTED
    benches.save(update_fields=["status"])
    index = client.get(reverse("ballots:results_index")).content.decode()
    assert cycle.name in index
    response = client.get(reverse("ballots:results_cycle", args=[cycle.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "these are the projects the vote funded" in html
    assert "Benches" in html and "Old Town" in html
    assert "Playground" not in html


def test_a_cycle_with_nothing_funded_and_no_count_has_no_results(client):
    cycle = _cycle("implementation")
    assert client.get(reverse("ballots:results_cycle", args=[cycle.slug])).status_code == 404
