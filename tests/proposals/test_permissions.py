"""Every role in every phase, for every action on proposals: allowed, 403/404, or sign-in.

Roles: anonymous (None) and each of pbudget.roles.ROLES. The proposal in each phase has
the status it would naturally have then (submitted until review, on the ballot during
voting, funded afterwards), so "post update" is only possible on funded projects.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from pbudget import roles
from proposals.models import Proposal, ProposalStatus, Support
from tests.factories import PHASES, make_cycle, make_user, staff_login
from tests.proposals.factories import make_proposal

pytestmark = pytest.mark.django_db

ROLES = [None, *roles.ROLES]
REVIEWERS = {roles.REVIEWER, roles.ADMINISTRATOR}
DELIVERY_STAFF = {roles.REVIEWER, roles.FINANCE_OFFICER, roles.ADMINISTRATOR}
STATUS_IN_PHASE = {
    "upcoming": ProposalStatus.SUBMITTED,
    "ideas": ProposalStatus.SUBMITTED,
    "review": ProposalStatus.SUBMITTED,
    "voting": ProposalStatus.FEASIBLE,
    "results": ProposalStatus.SELECTED,
    "implementation": ProposalStatus.SELECTED,
}

# Who may do what, in which phase (role None = anonymous, never allowed).
ALLOWED = {
    "create": lambda role, phase: phase == "ideas",
    "edit": lambda role, phase: phase == "ideas",
    "withdraw": lambda role, phase: phase in ("ideas", "review"),
    "support": lambda role, phase: phase == "ideas",
    "review": lambda role, phase: role in REVIEWERS and phase == "review",
    "merge": lambda role, phase: role in REVIEWERS and phase == "review",
    "post_update": lambda role, phase: (
        role in DELIVERY_STAFF and phase in ("results", "implementation")
    ),
}


def _setup(client, role, phase):
    cycle = make_cycle(phase=phase, slug=f"c-{phase}")
    user = None
    if role is not None:
        user = make_user(f"{role.replace(' ', '-')}@example.org", roles=[role])
        staff_login(client, user)
    other = make_user("other-author@example.org")
    return cycle, user, other


def _assert_refused(response, role):
    if role is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_create(client, role, phase):
    cycle, _user, _other = _setup(client, role, phase)
    response = client.get(reverse("proposals:create") + f"?cycle={cycle.slug}")
    if role is not None and ALLOWED["create"](role, phase):
        assert response.status_code == 200
    else:
        _assert_refused(response, role)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_edit_own_proposal(client, role, phase):
    cycle, user, _other = _setup(client, role, phase)
    proposal = make_proposal(cycle=cycle, author=user, status=ProposalStatus.SUBMITTED)
    response = client.get(reverse("proposals:edit", args=[proposal.pk]))
    if role is not None and ALLOWED["edit"](role, phase):
        assert response.status_code == 200
    else:
        _assert_refused(response, role)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_withdraw_own_proposal(client, role, phase):
    cycle, user, _other = _setup(client, role, phase)
    proposal = make_proposal(cycle=cycle, author=user, status=ProposalStatus.SUBMITTED)
    response = client.post(reverse("proposals:withdraw", args=[proposal.pk]), {"reason": ""})
    proposal.refresh_from_db()
    if role is not None and ALLOWED["withdraw"](role, phase):
        assert response.status_code == 302
        assert proposal.status == ProposalStatus.WITHDRAWN
    else:
        _assert_refused(response, role)
        assert proposal.status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_support(client, role, phase):
    cycle, user, other = _setup(client, role, phase)
    proposal = make_proposal(cycle=cycle, author=other, status=ProposalStatus.SUBMITTED)
    response = client.post(reverse("proposals:support", args=[proposal.pk]), {"action": "add"})
    if role is not None and ALLOWED["support"](role, phase):
        assert response.status_code == 302
        assert Support.objects.filter(proposal=proposal, user=user).exists()
    else:
        _assert_refused(response, role)
        assert not Support.objects.exists()


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_review(client, role, phase):
    cycle, _user, other = _setup(client, role, phase)
    proposal = make_proposal(cycle=cycle, author=other, status=ProposalStatus.SUBMITTED)
    url = reverse("proposals:review", args=[proposal.pk])
    response = client.post(url, {"decision": "feasible", "official_cost": "900"})
    proposal.refresh_from_db()
    if role is not None and ALLOWED["review"](role, phase):
        assert response.status_code == 302
        assert proposal.status == ProposalStatus.FEASIBLE
        assert proposal.official_cost == Decimal("900")
    else:
        _assert_refused(response, role)
        assert proposal.status == ProposalStatus.SUBMITTED
        if role is not None:
            assert client.get(url).status_code == 403


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_merge(client, role, phase):
    cycle, _user, other = _setup(client, role, phase)
    kept = make_proposal(cycle=cycle, author=other, title="Kept")
    duplicate = make_proposal(cycle=cycle, author=other, title="Duplicate")
    response = client.post(reverse("proposals:merge", args=[duplicate.pk]), {"into": kept.pk})
    duplicate.refresh_from_db()
    if role is not None and ALLOWED["merge"](role, phase):
        assert response.status_code == 302
        assert duplicate.merged_into == kept
    else:
        _assert_refused(response, role)
        assert duplicate.status == ProposalStatus.SUBMITTED


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("role", ROLES)
def test_post_update(client, role, phase):
    cycle, _user, other = _setup(client, role, phase)
    proposal = make_proposal(cycle=cycle, author=other, status=STATUS_IN_PHASE[phase])
    url = reverse("proposals:update_create", args=[proposal.pk])
    response = client.post(
        url,
        {"date": "2027-05-01", "text": "Works started.", "delivery_status": "in_progress",
         "progress": "30"},
    )  # fmt: skip
    if role is not None and ALLOWED["post_update"](role, phase):
        assert response.status_code == 302
        assert proposal.updates.get().text == "Works started."
    else:
        _assert_refused(response, role)
        assert not proposal.updates.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_edits_or_withdraws_and_others_do_not_see_drafts(client, role):
    cycle, _user, other = _setup(client, role, "ideas")
    submitted = make_proposal(cycle=cycle, author=other)
    draft = make_proposal(cycle=cycle, author=other, status=ProposalStatus.DRAFT)
    for name in ("proposals:edit", "proposals:withdraw"):
        response = client.get(reverse(name, args=[submitted.pk]))
        _assert_refused(response, role)
        if role is not None:
            assert response.status_code == 403
            assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert client.get(submitted.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_list_projects_and_review_queue_access(client, role):
    cycle, _user, other = _setup(client, role, "review")
    make_proposal(cycle=cycle, author=other)
    assert client.get(reverse("proposals:list")).status_code == 200
    assert client.get(reverse("proposals:project_list")).status_code == 200
    response = client.get(reverse("proposals:review_queue"))
    if role in REVIEWERS:
        assert response.status_code == 200
    else:
        _assert_refused(response, role)


def test_unverified_email_cannot_create_or_support(client, ideas_cycle):
    user = make_user("unverified@example.org", verified=False)
    client.force_login(user)
    proposal = make_proposal(cycle=ideas_cycle)
    assert client.get(reverse("proposals:create") + "?cycle=ideas-cycle").status_code == 403
    response = client.post(reverse("proposals:support", args=[proposal.pk]), {"action": "add"})
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).support_count == 0
