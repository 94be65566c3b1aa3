"""Writing, submitting, reviewing and merging proposals; history and e-mail to followers."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from proposals import services
from proposals.models import (
    EventKind,
    Follow,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Support,
)
from tests.factories import make_user
from tests.proposals.factories import make_category, make_proposal

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    from pbudget.models import District

    fields = {
        "title": "A bench by the fountain",
        "summary": "Somewhere to rest.",
        "description": "Older people need a **rest** on the way up. <script>x()</script>",
        "category": make_category(),
        "district": District.objects.get(slug="old-town"),
        "place": "Fountain square",
        "latitude": None,
        "longitude": None,
        "estimated_cost": Decimal("2500.00"),
    }
    fields.update(overrides)
    return fields


def test_given_the_ideas_phase_when_a_resident_creates_and_submits_then_it_is_public(
    ideas_cycle, author
):
    proposal = services.proposal_create(author=author, cycle=ideas_cycle, fields=_fields())
    assert proposal.status == ProposalStatus.DRAFT
    assert "<strong>rest</strong>" in proposal.description_html
    assert "<script" not in proposal.description_html
    assert Follow.objects.filter(proposal=proposal, user=author).exists()
    services.proposal_submit(proposal=proposal, actor=author)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.submitted_at is not None
    assert list(proposal.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.SUBMITTED,
    ]


def test_given_an_incomplete_draft_when_submitted_then_missing_fields_are_named(
    ideas_cycle, author
):
    proposal = services.proposal_create(
        author=author, cycle=ideas_cycle, fields=_fields(summary="", description="")
    )
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(proposal=proposal, actor=author)
    assert set(error.value.message_dict) == {"summary", "description"}
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_given_the_review_phase_when_a_resident_creates_then_it_is_refused(review_cycle, author):
    with pytest.raises(ValidationError) as error:
        services.proposal_create(author=author, cycle=review_cycle, fields=_fields())
    assert error.value.code == "not_ideas_phase"


def test_given_a_saved_proposal_then_its_search_vector_is_kept_by_the_database(ideas_cycle, author):
    from proposals.selectors import ProposalFilters, proposal_list

    proposal = make_proposal(cycle=ideas_cycle, author=author, title="Árboles en la plaza")
    proposal.title = "Árboles y bancos en la plaza"
    proposal.save()
    found = proposal_list(ProposalFilters(q="árbol"))
    assert list(found) == [proposal]
    assert list(proposal_list(ProposalFilters(q="bancos"))) == [proposal]


def test_given_a_submitted_proposal_when_withdrawn_then_followers_are_told(
    ideas_cycle, author, neighbour, django_capture_on_commit_callbacks
):
    proposal = make_proposal(cycle=ideas_cycle, author=author)
    Follow.objects.create(proposal=proposal, user=author)
    Follow.objects.create(proposal=proposal, user=neighbour)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_withdraw(proposal=proposal, actor=author, reason="Done privately.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    # The author acted, so only the neighbour gets an e-mail.
    assert [m.to for m in mail.outbox] == [["neighbour@example.org"]]
    assert "Withdrawn" in mail.outbox[0].subject
    event = proposal.events.get(kind=EventKind.WITHDRAWN)
    assert (event.actor, event.from_status, event.to_status, event.note) == (
        author,
        ProposalStatus.SUBMITTED,
        ProposalStatus.WITHDRAWN,
        "Done privately.",
    )


def test_given_the_ideas_phase_over_when_editing_then_it_is_refused(review_cycle, author):
    proposal = make_proposal(cycle=review_cycle, author=author)
    with pytest.raises(ValidationError) as error:
        services.proposal_update(proposal=proposal, actor=author, fields={"title": "New"})
    assert error.value.code == "not_ideas_phase"


# Review -------------------------------------------------------------------------------


def test_given_review_phase_when_marked_feasible_then_it_goes_to_the_ballot_and_followers_hear(
    review_cycle, author, reviewer, neighbour, django_capture_on_commit_callbacks
):
    proposal = make_proposal(cycle=review_cycle, author=author)
    Follow.objects.create(proposal=proposal, user=author)
    Follow.objects.create(proposal=proposal, user=neighbour)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_review(
            proposal=proposal,
            reviewer=reviewer,
            is_feasible=True,
            official_cost=Decimal("14500.50"),
            explanation="Parks can plant in autumn.",
            department="Parks",
            program="PB-2027",
            account_code="6010",
            internal_notes="Ask Juan about the irrigation.",
        )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.FEASIBLE
    assert proposal.official_cost == Decimal("14500.50")
    assert (proposal.department, proposal.program, proposal.account_code) == (
        "Parks",
        "PB-2027",
        "6010",
    )
    assert list(Proposal.objects.on_ballot(review_cycle)) == [proposal]
    assert sorted(m.to[0] for m in mail.outbox) == ["author@example.org", "neighbour@example.org"]
    assert all("On the ballot" in m.subject for m in mail.outbox)
    assert all("irrigation" not in m.body for m in mail.outbox)
    event = proposal.events.get(kind=EventKind.REVIEWED)
    assert event.actor == reviewer and event.to_status == ProposalStatus.FEASIBLE
    assert "irrigation" not in event.note


def test_given_feasible_without_cost_when_reviewed_then_it_is_refused(
    review_cycle, author, reviewer
):
    proposal = make_proposal(cycle=review_cycle, author=author)
    with pytest.raises(ValidationError) as error:
        services.proposal_review(proposal=proposal, reviewer=reviewer, is_feasible=True)
    assert "official_cost" in error.value.message_dict
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_given_not_feasible_without_explanation_when_reviewed_then_it_is_refused(
    review_cycle, author, reviewer
):
    proposal = make_proposal(cycle=review_cycle, author=author)
    with pytest.raises(ValidationError) as error:
        services.proposal_review(
            proposal=proposal, reviewer=reviewer, is_feasible=False, explanation=" "
        )
    assert "explanation" in error.value.message_dict


def test_given_not_feasible_when_reviewed_then_it_stays_off_the_ballot(
    review_cycle, author, reviewer
):
    proposal = make_proposal(cycle=review_cycle, author=author)
    services.proposal_review(
        proposal=proposal, reviewer=reviewer, is_feasible=False, explanation="Private land."
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.NOT_FEASIBLE
    assert proposal.feasibility_explanation == "Private land."
    assert not Proposal.objects.on_ballot(review_cycle).exists()


def test_given_the_ideas_phase_when_reviewed_then_it_is_refused(ideas_cycle, author, reviewer):
    proposal = make_proposal(cycle=ideas_cycle, author=author)
    with pytest.raises(ValidationError) as error:
        services.proposal_review(
            proposal=proposal, reviewer=reviewer, is_feasible=True, official_cost=Decimal(1)
        )
    assert error.value.code == "not_review_phase"


# Merge --------------------------------------------------------------------------------


def test_given_duplicates_when_merged_then_supports_move_once_per_person_and_authors_are_told(
    review_cycle, reviewer, django_capture_on_commit_callbacks
):
    first = make_user("first@example.org")
    second = make_user("second@example.org")
    both, only_dup, only_kept = (make_user(f"{n}@example.org") for n in ("both", "dup", "kept"))
    kept = make_proposal(cycle=review_cycle, author=first, title="Benches on Hill Road")
    duplicate = make_proposal(cycle=review_cycle, author=second, title="Seats on Hill Road")
    for user in (both, only_kept):
        Support.objects.create(proposal=kept, user=user)
    for user in (both, only_dup):
        Support.objects.create(proposal=duplicate, user=user)
    Proposal.objects.filter(pk=kept.pk).update(support_count=2)
    Proposal.objects.filter(pk=duplicate.pk).update(support_count=2)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.proposal_merge(
            proposal=duplicate, into=kept, reviewer=reviewer, note="Same benches."
        )

    assert result == kept
    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert kept.support_count == 3
    assert set(kept.supports.values_list("user__email", flat=True)) == {
        "both@example.org",
        "dup@example.org",
        "kept@example.org",
    }
    assert duplicate.support_count == 0 and not duplicate.supports.exists()
    assert duplicate.status == ProposalStatus.MERGED and duplicate.merged_into == kept
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert "first@example.org" in recipients and "second@example.org" in recipients
    assert any("Same benches." in m.body for m in mail.outbox)
    assert ProposalEvent.objects.filter(proposal=kept, kind=EventKind.ABSORBED).exists()
    assert ProposalEvent.objects.get(proposal=duplicate, kind=EventKind.MERGED).related == kept


def test_given_proposals_of_two_cycles_when_merged_then_it_is_refused(review_cycle, reviewer):
    from tests.factories import make_cycle

    other = make_cycle(phase="review", slug="other-review")
    first = make_proposal(cycle=review_cycle)
    second = make_proposal(cycle=other)
    with pytest.raises(ValidationError) as error:
        services.proposal_merge(proposal=first, into=second, reviewer=reviewer)
    assert error.value.code == "different_cycle"


def test_given_a_proposal_when_merged_into_itself_then_it_is_refused(review_cycle, reviewer):
    proposal = make_proposal(cycle=review_cycle)
    with pytest.raises(ValidationError):
        services.proposal_merge(proposal=proposal, into=proposal, reviewer=reviewer)


# Supports -----------------------------------------------------------------------------


def test_given_a_support_when_added_twice_and_removed_then_the_count_follows(
    ideas_cycle, neighbour
):
    proposal = make_proposal(cycle=ideas_cycle)
    assert services.support_add(proposal=proposal, user=neighbour) is True
    assert services.support_add(proposal=proposal, user=neighbour) is False
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    assert services.support_remove(proposal=proposal, user=neighbour) is True
    assert services.support_remove(proposal=proposal, user=neighbour) is False
    proposal.refresh_from_db()
    assert proposal.support_count == 0


def test_given_a_draft_when_supported_then_it_is_refused(ideas_cycle, neighbour):
    proposal = make_proposal(cycle=ideas_cycle, status=ProposalStatus.DRAFT)
    with pytest.raises(ValidationError):
        services.support_add(proposal=proposal, user=neighbour)


# Delivery -----------------------------------------------------------------------------


def test_given_a_funded_project_when_staff_post_an_update_then_followers_get_email(
    db, neighbour, django_capture_on_commit_callbacks
):
    from datetime import date

    from pbudget import roles
    from tests.factories import make_cycle

    cycle = make_cycle(phase="implementation", slug="impl")
    staff = make_user("finance@example.org", roles=[roles.FINANCE_OFFICER])
    project = make_proposal(cycle=cycle, status=ProposalStatus.SELECTED)
    Follow.objects.create(proposal=project, user=neighbour)
    with django_capture_on_commit_callbacks(execute=True):
        update = services.project_update_post(
            proposal=project,
            author=staff,
            text="The trees are in.",
            on=date(2027, 3, 1),
            delivery_status="in_progress",
            progress=60,
        )
    project.refresh_from_db()
    assert (project.delivery_status, project.progress, project.starts_on) == (
        "in_progress",
        60,
        date(2027, 3, 1),
    )
    assert update.text == "The trees are in."
    assert [m.to for m in mail.outbox] == [["neighbour@example.org"]]
    assert "The trees are in." in mail.outbox[0].body


def test_given_cancelled_without_reason_when_posted_then_it_is_refused(db):
    from datetime import date

    from tests.factories import make_cycle

    cycle = make_cycle(phase="implementation", slug="impl")
    project = make_proposal(cycle=cycle, status=ProposalStatus.SELECTED)
    with pytest.raises(ValidationError) as error:
        services.project_update_post(
            proposal=project,
            author=None,
            text="Stopped.",
            on=date(2027, 3, 1),
            delivery_status="cancelled",
            progress=10,
        )
    assert "cancellation_reason" in error.value.message_dict


def test_given_a_proposal_not_funded_when_an_update_is_posted_then_it_is_refused(ideas_cycle):
    from datetime import date

    proposal = make_proposal(cycle=ideas_cycle)
    with pytest.raises(ValidationError) as error:
        services.project_update_post(
            proposal=proposal,
            author=None,
            text="x",
            on=date(2027, 3, 1),
            delivery_status="planned",
            progress=0,
        )
    assert error.value.code == "not_a_project"


def test_given_a_status_change_from_another_app_then_history_and_email_follow(
    db, neighbour, django_capture_on_commit_callbacks
):
    from tests.factories import make_cycle

    cycle = make_cycle(phase="results", slug="res")
    proposal = make_proposal(cycle=cycle, status=ProposalStatus.FEASIBLE)
    Follow.objects.create(proposal=proposal, user=neighbour)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposal_status_change(proposal=proposal, to_status=ProposalStatus.SELECTED)
    assert proposal.events.get().to_status == ProposalStatus.SELECTED
    assert "Funded" in mail.outbox[0].subject


def test_given_a_status_change_then_the_email_is_queued_on_celery_only_after_commit(
    review_cycle, author, reviewer, neighbour, django_capture_on_commit_callbacks, monkeypatch
):
    from pbudget import tasks

    queued = []
    monkeypatch.setattr(tasks.send_email, "delay", lambda **kwargs: queued.append(kwargs))
    proposal = make_proposal(cycle=review_cycle, author=author)
    Follow.objects.create(proposal=proposal, user=neighbour)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.proposal_review(
            proposal=proposal, reviewer=reviewer, is_feasible=False, explanation="No room."
        )
    assert queued == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert queued == [
        {
            "to": ["neighbour@example.org"],
            "subject": "Proposal “Trees on the river walk”: Not feasible",
            "body": queued[0]["body"],
        }
    ]
    assert "No room." in queued[0]["body"]
