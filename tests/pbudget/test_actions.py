"""The home and cycle pages say what a resident can do now, by phase, with a button."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_cycle

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phase", "label", "url"),
    [
        ("voting", "Vote now", lambda c: reverse("ballots:ballot", args=[c.slug])),
        ("ideas", "Propose an idea", lambda c: f"{reverse('proposals:create')}?cycle={c.slug}"),
        ("review", "See the ideas", lambda c: f"{reverse('proposals:list')}?cycle={c.slug}"),
        ("results", "See the results", lambda c: reverse("ballots:results_cycle", args=[c.slug])),
        ("implementation", "Follow the projects", lambda c: reverse("proposals:project_list")),
    ],
)
def test_the_cycle_page_has_the_button_of_its_phase(client, phase, label, url):
    cycle = make_cycle(phase=phase, slug=f"act-{phase}")
    html = client.get(reverse("cycle_detail", args=[cycle.slug])).content.decode()
    assert f'<a class="button" href="{url(cycle)}">{label}</a>' in html


def test_the_home_page_leads_to_a_vote_in_another_cycle_first(client):
    ideas = make_cycle(phase="ideas", slug="act-ideas")  # the current cycle
    voting = make_cycle(phase="voting", slug="act-voting", name="City Budget 2026")
    html = client.get("/").content.decode()
    hero, rest = html.split('id="now-title"')
    assert f"?cycle={ideas.slug}" in hero and "Propose an idea" in hero
    assert "Voting is open until" in rest
    assert reverse("ballots:ballot", args=[voting.slug]) in rest
    assert "Vote now" in rest
