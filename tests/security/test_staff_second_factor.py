"""Without this session's second factor, a staff role grants nothing beyond a resident's.

Every URL pattern of the site is requested (GET) by a resident and by each staff role, with
and without the second factor. Without it, a staff member must get no better status than
the resident and no one else's data the resident does not see. A new view is walked
automatically: a pattern this test cannot fill fails it until it is added to ``FILL`` or,
with a reason, to ``SKIP``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from ballots.models import CensusConflict, CensusImport
from coproduction.models import ExportJob, Offer, Pledge, Visibility
from deliberation.models import Flag, Suspension
from pbudget import roles
from pbudget.models import District, User
from tests.ballots.factories import make_booth
from tests.ballots.factories import make_entry as make_census_entry
from tests.coproduction.factories import make_entry, make_project, make_proposal
from tests.deliberation.factories import make_activity, make_comment, make_topic
from tests.factories import make_cycle, make_user, staff_login

# Strings that belong to other people: none may reach a staff member without the factor
# unless the resident sees it too.
SECRETS = {
    "contributor": "connie.ledger@example.org",
    "pledger": "pat.pledger@example.org",
    "offerer": "olivia.offer@example.org",
    "flagger": "fran.flagger@example.org",
    "suspended": "sam.suspended@example.org",
    "claimant": "clara.claimant@example.org",
    "author": "alice.author@example.org",
    "coordinator": "cody.coordinator@example.org",
}
EVIDENCE = b"receipt-of-connie-42"
PRIVATE_TEXTS = [
    "Connie Ledgerperson",
    "Pat Pledgername",
    "Olivia Offername",
    "Fran Flagger",
    "Sam Suspended",
    "Clara Claimant",
    "timber from the yard of connie",
    "flagged because of fran",
    "suspended for shouting at sam",
    "CENSUS-DOC-7781",
    EVIDENCE.decode(),
]

# Patterns the walk does not request, each with the reason.
SKIP = {
    "accounts/logout/": "signs the client out, so later requests would not be signed in",
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = namespace + pattern.name if pattern.name else None
            yield prefix + str(pattern.pattern), name


def _admin_kwargs(name: str, route: str) -> dict:
    if "app_label" in route:
        return {"app_label": "pbudget"}
    if "content_type_id" in route:
        user = User.objects.first()
        return {
            "content_type_id": ContentType.objects.get_for_model(User).pk,
            "object_id": user.pk,
        }
    if "<id>" in route:  # a user's password form
        return {"id": User.objects.first().pk}
    if "object_id" in route:
        app_model = name.split(":", 1)[1].rsplit("_", 1)[0]
        for model in apps.get_models():
            if f"{model._meta.app_label}_{model._meta.model_name}" == app_model:
                obj = model._default_manager.first()
                return {"object_id": obj.pk if obj is not None else 1}
    return {}


def _fill(world) -> dict:
    """Keyword arguments of the named patterns that take some, from real objects."""
    cycle = world["cycle"].slug
    project = world["project"].pk
    return {
        "cycle_detail": {"slug": cycle},
        "cycle_edit": {"slug": cycle},
        "district_edit": {"slug": "old-town"},
        "proposals:detail": {"pk": project},
        "proposals:edit": {"pk": world["draft"].pk},
        "proposals:submit": {"pk": world["draft"].pk},
        "proposals:withdraw": {"pk": world["draft"].pk},
        "proposals:support": {"pk": project},
        "proposals:follow": {"pk": project},
        "proposals:review": {"pk": project},
        "proposals:merge": {"pk": project},
        "proposals:update_create": {"pk": project},
        "deliberation:forum_cycle": {"slug": cycle},
        "deliberation:topic_create": {"slug": cycle},
        "deliberation:topic_detail": {"pk": world["topic"].pk},
        "deliberation:comment_create": {"pk": world["topic"].pk},
        "deliberation:proposal_discussion": {"pk": project},
        "deliberation:proposal_discussion_fragment": {"pk": project},
        "deliberation:proposal_comment_create": {"pk": project},
        "deliberation:comment_edit": {"pk": world["comment"].pk},
        "deliberation:comment_delete": {"pk": world["comment"].pk},
        "deliberation:comment_helpful": {"pk": world["comment"].pk},
        "deliberation:flag_create": {"kind": "comment", "pk": world["comment"].pk},
        "deliberation:moderation_item": {"kind": "comment", "pk": world["comment"].pk},
        "deliberation:suspension_lift": {"pk": world["suspension"].pk},
        "deliberation:commonground_detail": {"pk": world["activity"].pk},
        "deliberation:statement_create": {"pk": world["activity"].pk},
        "deliberation:commonground_report": {"pk": world["activity"].pk},
        "deliberation:statement_vote": {"pk": world["activity"].statements.first().pk},
        "ballots:ballot": {"slug": cycle},
        "ballots:receipt": {"slug": cycle},
        "ballots:census_import": {"pk": world["census_import"].pk},
        "ballots:census_import_progress": {"pk": world["census_import"].pk},
        "ballots:conflict_resolve": {"pk": world["conflict"].pk},
        "ballots:booth_detail": {"pk": world["booth"].pk},
        "ballots:booth_mark": {"pk": world["booth"].pk},
        "ballots:booth_ballot": {"pk": world["booth"].pk},
        "ballots:booth_reconciliation": {"pk": world["booth"].pk},
        "ballots:turnout": {"slug": cycle},
        "ballots:receipts": {"slug": cycle},
        "ballots:receipts_text": {"slug": cycle},
        "ballots:results_cycle": {"slug": cycle},
        "ballots:results_detail": {"slug": cycle, "district": "old-town"},
        "ballots:results_pabulib": {"slug": cycle, "district": "old-town"},
        "ballots:count_cycle": {"slug": cycle},
        "ballots:count_start_all": {"slug": cycle},
        "ballots:count_detail": {"slug": cycle, "district": "old-town"},
        "ballots:count_progress": {"slug": cycle, "district": "old-town"},
        "ballots:count_start": {"slug": cycle, "district": "old-town"},
        "ballots:count_publish": {"slug": cycle, "district": "old-town"},
        "ballots:count_comparison": {"slug": cycle, "district": "old-town"},
        "coproduction:cycle_dashboard": {"slug": cycle},
        "coproduction:pledge_create": {"pk": project},
        "coproduction:pledge_withdraw": {"pk": world["pledge"].pk},
        "coproduction:pledge_decide": {"pk": world["pledge"].pk},
        "coproduction:project": {"pk": project},
        "coproduction:entry_create": {"pk": project},
        "coproduction:entry_detail": {"pk": world["entry"].pk},
        "coproduction:entry_evidence": {"pk": world["entry"].pk},
        "coproduction:entry_decide": {"pk": world["entry"].pk},
        "coproduction:entry_reverse": {"pk": world["entry"].pk},
        "coproduction:revalue": {"slug": cycle},
        "coproduction:offer_contact": {"pk": world["offer"].pk},
        "coproduction:finance_cycle": {"slug": cycle},
        "coproduction:finance_coding": {"slug": cycle, "pk": project},
        "coproduction:finance_export_create": {"slug": cycle},
        "coproduction:finance_export": {"pk": world["export"].pk},
        "coproduction:finance_download": {"token": world["export"].token},
        "account_confirm_email": {"key": "not-a-key"},
        "account_reset_password_from_key": {"uidb36": "1", "key": "not-a-key"},
    }


# Unnamed patterns: the URL to request.
UNNAMED = {
    "media/<path:path>": "/media/nothing-here.txt",
    "admin/(?P<url>.*)$": "/admin/nothing-here/",
}


def all_urls(world) -> list[str]:
    """One URL for every pattern of the site, filled from ``world``."""
    fill = _fill(world)
    urls = []
    for route, name in _walk(get_resolver().url_patterns):
        if route in SKIP:
            continue
        if name is None and route.startswith("admin/") and route.endswith("<path:object_id>/"):
            urls.append("/" + route.replace("<path:object_id>", "1"))  # the admin's redirect
            continue
        if name is None:
            assert route in UNNAMED, f"add the unnamed pattern {route!r} to UNNAMED or SKIP"
            urls.append(UNNAMED[route])
            continue
        has_args = "<" in route or "(?P" in route
        if name.startswith("admin:"):
            kwargs = _admin_kwargs(name, route)
        elif has_args:
            assert name in fill, f"add {name!r} ({route}) to FILL or SKIP"
            kwargs = fill[name]
        else:
            kwargs = {}
        urls.append(reverse(name, kwargs=kwargs))
    return urls


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> dict:
    """Other people's data on every kind of page: proposals, ledger, offers, flags, census."""
    from coproduction.skills import ensure_taxonomy

    ensure_taxonomy()
    cycle = make_cycle(phase="implementation", slug="build")
    district = District.objects.get(slug="old-town")

    def person(key, name, **kwargs):
        user = make_user(SECRETS[key], **kwargs)
        user.display_name = name
        user.save(update_fields=["display_name"])
        return user

    author = person("author", "Alice Author")
    coordinator = person("coordinator", "Cody Coordinator")
    contributor = person("contributor", "Connie Ledgerperson")
    pledger = person("pledger", "Pat Pledgername")
    offerer = person("offerer", "Olivia Offername")
    flagger = person("flagger", "Fran Flagger")
    suspended = person("suspended", "Sam Suspended")
    claimant = person("claimant", "Clara Claimant")
    admin = make_user("owner@example.org", roles=[roles.ADMINISTRATOR])

    project = make_project(cycle, author=author, coordinator=coordinator)
    draft = make_proposal(cycle, author=author, status="draft", title="A draft")
    pledge = Pledge.objects.create(
        proposal=project, pledger=pledger, kind="general", hours=Decimal("4"),
        value=Decimal("1"), currency="EUR",
    )  # fmt: skip
    entry = make_entry(
        project, contributor, kind="materials", description="timber from the yard of connie",
        evidence=SimpleUploadedFile("receipt.txt", EVIDENCE),
    )  # fmt: skip
    make_entry(project, contributor, hours=Decimal("3"), verified_by=admin)
    offer = Offer.objects.create(
        user=offerer, district=district, visibility=Visibility.LISTED, note="Olivia Offername"
    )
    topic = make_topic(cycle, author=author)
    comment = make_comment(topic, author=flagger)
    Flag.objects.create(
        reporter=flagger, comment=comment, reason="other", text="flagged because of fran"
    )
    suspension = Suspension.objects.create(
        user=suspended, reason="suspended for shouting at sam", created_by=admin
    )
    activity = make_activity(cycle, statements=["More shade"])
    census_import = CensusImport.objects.create(created_by=admin, file_name="x.csv")
    census_entry = make_census_entry("CENSUS-DOC-7781", district, claimed_by=claimant)
    conflict = CensusConflict.objects.create(entry=census_entry, claimant=claimant)
    export = ExportJob.objects.create(
        requested_by=admin, cycle=cycle, format="csv", token="t" * 40,
        expires_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    return {
        "cycle": cycle,
        "project": project,
        "draft": draft,
        "pledge": pledge,
        "entry": entry,
        "offer": offer,
        "topic": topic,
        "comment": comment,
        "suspension": suspension,
        "activity": activity,
        "census_import": census_import,
        "conflict": conflict,
        "booth": make_booth(cycle),
        "export": export,
    }


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def _seen(response) -> set[str]:
    """The other people's strings a response shows."""
    body = _body(response)
    return {text for text in [*SECRETS.values(), *PRIVATE_TEXTS] if text in body}


def _is_asked_for_second_factor(response) -> bool:
    url = response.get("Location", "")
    return response.status_code == 302 and (
        url.startswith(reverse("account_login")) or url.startswith("/accounts/2fa/")
    )


def _responses(client, urls) -> dict:
    return {url: client.get(url) for url in urls}


def test_without_the_second_factor_no_staff_role_gets_more_than_a_resident(world):
    urls = all_urls(world)
    resident = Client()
    # The same non-staff data as the staff members: an account with an authenticator app.
    plain = make_user("plain.resident@example.org", roles=[roles.RESIDENT, roles.REVIEWER])
    plain.groups.remove(Group.objects.get(name=roles.REVIEWER))
    staff_login(resident, plain)
    as_resident = _responses(resident, urls)

    for role in roles.STAFF_ROLES:
        staff = make_user(f"{role.replace(' ', '-')}@staff.example.org", roles=[role])
        without, with_factor = Client(), Client()
        without.force_login(staff)  # password only
        staff_login(with_factor, staff)
        more_with_factor = []
        for url in urls:
            baseline = as_resident[url]
            response = without.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            if 200 <= response.status_code < 300:
                assert response.status_code == baseline.status_code, (role, url)
            elif response.status_code in (301, 302, 303, 307, 308):
                assert _is_asked_for_second_factor(response) or (
                    response.get("Location") == baseline.get("Location")
                ), (role, url, response.get("Location"))
            leaked = _seen(response) - _seen(baseline)
            assert not leaked, (role, url, leaked)

            response = with_factor.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            if (response.status_code == 200 and baseline.status_code != 200) or (
                _seen(response) - _seen(baseline)
            ):
                more_with_factor.append(url)
        # The walk can see a difference: with the factor, each role reaches staff content.
        assert more_with_factor, role


def test_a_finance_officer_without_the_second_factor_cannot_log_for_someone_else(client, world):
    finance = make_user("fin@staff.example.org", roles=[roles.FINANCE_OFFICER])
    pledger = User.objects.get(email=SECRETS["pledger"])
    Pledge.objects.filter(pledger=pledger).update(status="accepted")
    client.force_login(finance)
    url = reverse("coproduction:entry_create", kwargs={"pk": world["project"].pk})
    day = (timezone.localdate() - timedelta(days=1)).isoformat()

    client.post(url, {"contributor": pledger.pk, "kind": "general", "worked_on": day, "hours": "3"})

    assert (
        not world["project"]
        .ledger_entries.filter(entered_by=finance)
        .exclude(contributor=finance)
        .exists()
    )


def _answer_in_a_request(session, view):
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.test import RequestFactory

    from pbudget.mfa import SecondFactorMiddleware

    request = RequestFactory().get("/")
    request.session = session
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return SecondFactorMiddleware(view)(request)


@pytest.mark.parametrize("mfa", [False, True])
def test_the_signed_in_person_read_again_answers_to_the_same_session(client, db, mfa):
    finance = make_user("fin2@staff.example.org", roles=[roles.FINANCE_OFFICER])
    if mfa:
        staff_login(client, finance)
    else:
        client.force_login(finance)

    def view(request):
        again = User.objects.get(pk=request.user.pk)
        return (
            request.user.has_perm("coproduction.manage_rates"),
            again.has_perm("coproduction.manage_rates"),
        )

    assert _answer_in_a_request(client.session, view) == (mfa, mfa)
    # Outside a request (a task, a command) the role holds: no session to ask.
    assert User.objects.get(pk=finance.pk).has_perm("coproduction.manage_rates")
