"""Services: pledges, logging with flags, decisions, reversals, rates, offers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coproduction import services
from coproduction.models import LedgerDecision, Offer, PledgeStatus, ValuationRun
from proposals.models import ProposalStatus
from tests.coproduction.factories import make_entry, make_proposal, skill
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# Offers --------------------------------------------------------------------------------


def test_saving_an_offer_twice_keeps_one_offer_with_the_latest_skills(resident):
    services.offer_save(user=resident, fields={"hours_per_month": 5}, skills=[skill("carpentry")])
    offer = services.offer_save(
        user=resident, fields={"hours_per_month": 8}, skills=[skill("gardening")]
    )
    assert Offer.objects.filter(user=resident).count() == 1
    assert offer.hours_per_month == 8
    assert [s.slug for s in offer.skills.all()] == ["gardening"]


# Pledges -------------------------------------------------------------------------------


def test_a_pledge_waits_for_review_and_accepting_fixes_its_value(
    proposal, resident, reviewer, django_capture_on_commit_callbacks
):
    pledge = services.pledge_create(
        proposal=proposal, pledger=resident, kind="general", hours=Decimal("10")
    )
    assert pledge.status == PledgeStatus.PENDING and pledge.value is None

    with django_capture_on_commit_callbacks(execute=True):
        services.pledge_decide(pledge=pledge, by=reviewer, accept=True, reason="")

    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.ACCEPTED
    assert (pledge.value, pledge.currency) == (Decimal("334.90"), "USD")
    assert pledge.rate.publisher == "Independent Sector"
    assert mail.outbox[-1].to == [resident.email]


def test_goods_pledges_are_valued_at_their_estimate_in_the_cycle_currency(
    proposal, resident, reviewer
):
    pledge = services.pledge_create(
        proposal=proposal,
        pledger=resident,
        kind="materials",
        description="Paint",
        quantity="20 litres",
        estimated_value=Decimal("180"),
        group_name="Painters' Club",
        people=4,
    )
    pledge = services.pledge_decide(pledge=pledge, by=reviewer, accept=True)
    assert (pledge.value, pledge.currency) == (Decimal("180"), "EUR")
    assert pledge.pledged_by == "Painters' Club"


def test_declining_needs_a_reason_and_a_decision_is_final(proposal, resident, reviewer):
    pledge = services.pledge_create(
        proposal=proposal, pledger=resident, kind="general", hours=Decimal("2")
    )
    with pytest.raises(ValidationError) as error:
        services.pledge_decide(pledge=pledge, by=reviewer, accept=False, reason=" ")
    assert "decline_needs_reason" in codes(error.value)

    services.pledge_decide(pledge=pledge, by=reviewer, accept=False, reason="Not needed")
    with pytest.raises(ValidationError) as error:
        services.pledge_decide(pledge=pledge, by=reviewer, accept=True)
    assert "pledge_already_decided" in codes(error.value)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": "general"}, "pledge_needs_hours"),
        ({"kind": "skilled", "hours": Decimal("3")}, "pledge_needs_skill"),
        ({"kind": "equipment", "description": "Van"}, "pledge_needs_value"),
    ],
)
def test_incomplete_pledges_are_refused(proposal, resident, fields, code):
    with pytest.raises(ValidationError) as error:
        services.pledge_create(proposal=proposal, pledger=resident, **fields)
    assert code in codes(error.value)


@pytest.mark.parametrize(
    "status", [ProposalStatus.DRAFT, ProposalStatus.NOT_FEASIBLE, ProposalStatus.WITHDRAWN]
)
def test_proposals_off_the_ballot_take_no_pledges(voting_cycle, resident, status):
    proposal = make_proposal(voting_cycle, status=status, cost=None)
    with pytest.raises(ValidationError) as error:
        services.pledge_create(
            proposal=proposal, pledger=resident, kind="general", hours=Decimal("1")
        )
    assert "proposal_not_pledgeable" in codes(error.value)


def test_only_the_pledger_withdraws_a_pending_pledge(proposal, resident, neighbour):
    pledge = services.pledge_create(
        proposal=proposal, pledger=resident, kind="general", hours=Decimal("1")
    )
    with pytest.raises(ValidationError):
        services.pledge_withdraw(pledge=pledge, by=neighbour)
    assert services.pledge_withdraw(pledge=pledge, by=resident).status == PledgeStatus.WITHDRAWN


def test_accepting_hours_without_any_valid_rate_is_refused(proposal, resident, reviewer):
    from coproduction.models import ValuationRate

    ValuationRate.objects.all().delete()
    pledge = services.pledge_create(
        proposal=proposal, pledger=resident, kind="general", hours=Decimal("1")
    )
    with pytest.raises(ValidationError) as error:
        services.pledge_decide(pledge=pledge, by=reviewer, accept=True)
    assert "no_rate" in codes(error.value)


# The ledger ----------------------------------------------------------------------------


def log(project, user, **fields):
    fields.setdefault("kind", "general")
    fields.setdefault("worked_on", timezone.localdate() - timedelta(days=3))
    if fields["kind"] in ("general", "skilled"):
        fields.setdefault("hours", Decimal("4"))
    return services.ledger_entry_create(
        project=project, contributor=user, entered_by=fields.pop("entered_by", user), **fields
    )


def test_a_logged_entry_is_submitted_in_the_cycle_currency_without_flags(project, resident):
    entry = log(project, resident, place="Riverside park")
    assert entry.status == "submitted"
    assert entry.currency == "EUR"
    assert entry.flags == []


def test_more_than_16_hours_in_a_day_is_flagged(project, resident):
    day = timezone.localdate() - timedelta(days=2)
    log(project, resident, worked_on=day, hours=Decimal("10"))
    entry = log(project, resident, worked_on=day, hours=Decimal("7"), place="Other site")
    assert entry.flags == ["over-16-hours"]


def test_the_same_entry_twice_is_flagged_as_a_duplicate(project, resident):
    log(project, resident)
    assert log(project, resident).flags == ["duplicate"]


def test_hours_outside_the_project_dates_are_flagged(project, resident):
    entry = log(project, resident, worked_on=project.starts_on - timedelta(days=1))
    assert entry.flags == ["outside-dates"]


def test_a_declined_entry_does_not_count_for_the_flags(project, resident, finance):
    first = log(project, resident)
    services.ledger_entry_decide(entry=first, by=finance, verify=False, reason="Wrong date")
    assert log(project, resident).flags == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"worked_on": timezone.localdate() + timedelta(days=1)}, "future_date"),
        ({"hours": Decimal("25")}, "hours_range"),
        ({"kind": "skilled"}, "entry_needs_skill"),
        ({"kind": "space", "description": "Hall"}, "entry_needs_value"),
        ({"kind": "materials", "fair_value": Decimal("5"), "description": "Nails"},
         "entry_needs_evidence"),
    ],
)  # fmt: skip
def test_incomplete_entries_are_refused(project, resident, fields, code):
    with pytest.raises(ValidationError) as error:
        log(project, resident, **fields)
    assert code in codes(error.value)


def test_only_funded_projects_take_ledger_entries(proposal, resident):
    with pytest.raises(ValidationError) as error:
        log(proposal, resident)
    assert "not_a_project" in codes(error.value)


def test_goods_with_a_receipt_are_logged(project, resident):
    receipt = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")
    entry = log(
        project,
        resident,
        kind="materials",
        description="Timber",
        fair_value=Decimal("120"),
        evidence=receipt,
    )
    assert entry.evidence.name.startswith("coproduction/evidence/")
    assert entry.evidence.name.endswith(".pdf")


def test_nobody_verifies_their_own_entry(project, finance):
    entry = log(project, finance)
    with pytest.raises(ValidationError) as error:
        services.ledger_entry_decide(entry=entry, by=finance, verify=True)
    assert "own_entry" in codes(error.value)


def test_verifying_queues_a_valuation_and_a_second_decision_is_refused(
    project, resident, finance, django_capture_on_commit_callbacks
):
    entry = log(project, resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_entry_decide(entry=entry, by=finance, verify=True)
    assert entry.valuations.get().amount == Decimal("133.96")
    with pytest.raises(ValidationError) as error:
        services.ledger_entry_decide(entry=entry, by=finance, verify=False, reason="Oops")
    assert "already_decided" in codes(error.value)
    assert LedgerDecision.objects.filter(entry=entry).count() == 1


def test_a_reversal_points_to_its_entry_and_an_entry_is_reversed_once(project, resident, finance):
    entry = make_entry(project, resident, verified_by=finance)
    reversal = services.ledger_entry_reverse(entry=entry, by=finance, reason="Wrong project")
    assert reversal.reverses == entry
    assert reversal.entered_by == finance
    assert reversal.decision.outcome == "verified"
    with pytest.raises(ValidationError) as error:
        services.ledger_entry_reverse(entry=entry, by=finance, reason="Again")
    assert "already_reversed" in codes(error.value)
    with pytest.raises(ValidationError) as error:
        services.ledger_entry_reverse(entry=reversal, by=finance, reason="Undo")
    assert "reversal_of_reversal" in codes(error.value)


def test_submitted_entries_are_declined_not_reversed(project, resident, finance):
    entry = make_entry(project, resident)
    with pytest.raises(ValidationError) as error:
        services.ledger_entry_reverse(entry=entry, by=finance, reason="Wrong")
    assert "not_verified" in codes(error.value)


# Rates ---------------------------------------------------------------------------------


def test_an_occupation_rate_needs_its_code(finance):
    fields = {
        "kind": "occupation",
        "occupation_code": "",
        "amount": Decimal("30"),
        "currency": "USD",
        "fringe_percent": Decimal("30"),
        "publisher": "BLS",
        "series": "OEWS",
        "data_year": 2023,
        "geography": "US",
        "source_url": "https://www.bls.gov/oes/",
        "valid_from": timezone.localdate(),
    }
    with pytest.raises(ValidationError):
        services.rate_create(by=finance, fields=fields)
    rate = services.rate_create(by=finance, fields={**fields, "occupation_code": "47-2031"})
    assert rate.created_by == finance


def test_a_revaluation_needs_a_reason_and_runs_after_commit(
    project, resident, finance, django_capture_on_commit_callbacks
):
    make_entry(project, resident, verified_by=finance)
    with pytest.raises(ValidationError):
        services.valuation_run_create(cycle=project.cycle, by=finance, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.valuation_run_create(cycle=project.cycle, by=finance, reason="New rates")
    run = ValuationRun.objects.get(pk=run.pk)
    assert run.finished_at is not None and run.valued == 1


def test_unrelated_user_fixture_is_a_resident(neighbour):
    assert make_user("x@example.org").groups.filter(name="resident").exists()


def test_a_declined_contributor_is_told_why(
    project, resident, finance, django_capture_on_commit_callbacks
):
    entry = log(project, resident)
    with django_capture_on_commit_callbacks(execute=True):
        services.ledger_entry_decide(entry=entry, by=finance, verify=False, reason="Wrong day")
    assert mail.outbox[-1].to == [resident.email]
    assert "Wrong day" in mail.outbox[-1].body


def test_an_entry_is_linked_to_the_contributors_pledge_and_counts_as_kept(
    project, resident, finance
):
    from coproduction.models import Pledge
    from coproduction.selectors import project_budget_line

    pledge = Pledge.objects.create(
        proposal=project, pledger=resident, kind="general", hours=Decimal("10"),
        status="accepted", value=Decimal("334.90"), currency="USD",
    )  # fmt: skip
    entry = log(project, resident)
    assert entry.pledge == pledge
    assert project_budget_line(project)["pledges_delivered"] == 0

    services.ledger_entry_decide(entry=entry, by=finance, verify=True)

    assert project_budget_line(project)["pledges_delivered"] == 1
