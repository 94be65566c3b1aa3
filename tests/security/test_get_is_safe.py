"""No GET writes: every URL pattern that can be filled, opened anonymously and as a resident,
leaves the row count of every table unchanged.

One query counts every table (models and many-to-many tables), before and after each GET.
Path parameters are filled with objects of a voting cycle: a proposal with no discussion
yet, a forum topic with a comment, a common-ground activity with a statement, a booth.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pbudget.models import District
from tests.ballots.factories import make_booth, make_project
from tests.deliberation.factories import make_activity, make_comment, make_topic
from tests.factories import make_cycle, make_user

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "media/", "static/")  # Django's own admin; files


def _patterns(patterns=None, prefix="", namespace=""):
    """(route, name) of every URL pattern, routes joined with their includes'."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name or ''}"


def _row_counts() -> dict[str, int]:
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )
    quote = connection.ops.quote_name
    # Table names come from the models, never from input.
    sql = " UNION ALL ".join(f"SELECT %s, count(*) FROM {quote(table)}" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


@pytest.fixture
def world(db):
    """Objects to fill the URL patterns with, keyed by what a pattern's name mentions."""
    cycle = make_cycle(phase="voting", slug="vote-2026", voting_method="approval")
    district = District.objects.get(slug="old-town")
    proposal = make_project(cycle, district, "10000", "Benches")
    topic = make_topic(cycle)
    comment = make_comment(topic)
    activity = make_activity(cycle, statements=["Parks need shade."])
    booth = make_booth(cycle)
    return {
        "slug": cycle.slug,
        "district": district.slug,
        "pk": {
            "comment": comment.pk,
            "topic": topic.pk,
            "statement": activity.statements.get().pk,
            "commonground": activity.pk,
            "booth": booth.pk,
            "": proposal.pk,  # proposals, discussions, pledges, projects, and the rest
        },
    }


def _fill(route: str, name: str, world: dict) -> str | None:
    """The path of ``route`` with its parameters filled, or None if it cannot be filled."""
    if route.startswith("^") or "(?P<" in route:
        return None  # allauth's regex keys: nothing real to fill them with
    short = name.rsplit(":", 1)[-1]
    pk = next(value for key, value in world["pk"].items() if key in short)
    values = {"slug": world["slug"], "district": world["district"], "pk": str(pk)}
    values.update(kind="comment", token="x" * 20)

    def value(match: re.Match) -> str:
        return values.get(match.group(2), "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _paths(world) -> list[str]:
    paths = []
    for route, name in _patterns():
        if route.startswith(SKIPPED_PREFIXES):
            continue
        path = _fill(route, name, world)
        if path is not None:
            paths.append(path)
    return paths


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_no_get_of_any_url_changes_the_row_count_of_any_table(who, world):
    client = Client(raise_request_exception=False)
    if who == "resident":
        client.force_login(make_user("resident@example.org", roles=["resident"]))
    paths = _paths(world)
    assert "/discussion/proposal/{}/fragment/".format(world["pk"][""]) in paths
    writes = {}
    for path in paths:
        before = _row_counts()
        response = client.get(path)
        after = _row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            writes[path] = (response.status_code, changed)
    assert writes == {}
