"""Budget codes set by finance (logged old → new), budget phases, and the finance page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coproduction.finance import selectors, services
from coproduction.models import BudgetCoding, FinanceAuditLog
from proposals.models import DeliveryStatus, ProposalStatus
from tests.coproduction.factories import make_project, make_proposal
from tests.coproduction.test_finance_world import export_dir_fixture, world_fixture  # noqa: F401
from tests.factories import make_cycle, staff_login

pytestmark = pytest.mark.django_db


def test_finance_fills_the_codes_the_review_left_empty_and_each_change_is_logged(world):
    art, finance = world["art"], world["finance"]

    services.budget_coding_set(
        project=art, actor=finance, fund="200 Capital", department="Culture", account_code="6100"
    )
    services.budget_coding_set(project=art, actor=finance, fund="210 Capital Grants")

    line = next(li for li in selectors.budget_lines(world["cycle"]) if li["project_id"] == art.pk)
    assert (line["fund"], line["department"], line["program"], line["account_code"]) == (
        "210 Capital Grants",
        "Culture",
        "",
        "6100",
    )
    assert line["sources"]["department"] == "finance"
    changes = FinanceAuditLog.objects.filter(project=art, action="code-changed").order_by("pk")
    assert [(c.field, c.old_value, c.new_value, c.actor) for c in changes] == [
        ("fund", "", "200 Capital", finance),
        ("department", "", "Culture", finance),
        ("account_code", "", "6100", finance),
        ("fund", "200 Capital", "210 Capital Grants", finance),
    ]


def test_saving_the_same_codes_again_logs_nothing(world):
    before = FinanceAuditLog.objects.count()

    services.budget_coding_set(
        project=world["benches"], actor=world["finance"], fund="100 General Fund"
    )

    assert FinanceAuditLog.objects.count() == before


def test_a_code_the_review_set_cannot_be_overridden(world):
    with pytest.raises(ValidationError) as error:
        services.budget_coding_set(
            project=world["benches"], actor=world["finance"], department="Parks Department"
        )

    assert error.value.error_dict["department"][0].code == "set_by_review"
    assert BudgetCoding.objects.get(project=world["benches"]).department == ""


def test_only_funded_projects_get_codes(world):
    proposal = make_proposal(world["cycle"], title="Not funded", status=ProposalStatus.FEASIBLE)

    with pytest.raises(ValidationError) as error:
        services.budget_coding_set(project=proposal, actor=world["finance"], fund="100")

    assert error.value.code == "not_funded"


def test_the_phase_follows_the_cycle_and_the_delivery():
    results = make_cycle(phase="results", slug="results-cycle")
    building = make_cycle(phase="implementation", slug="building-cycle")
    chosen = make_project(results, delivery_status=DeliveryStatus.PLANNED)
    delivering = make_project(building, delivery_status=DeliveryStatus.IN_PROGRESS)
    cancelled = make_project(building, delivery_status=DeliveryStatus.CANCELLED)
    delivered = make_project(building, delivery_status=DeliveryStatus.COMPLETED)

    assert selectors.line_phase(chosen) == "proposed"
    assert selectors.line_phase(delivering) == "approved"
    assert selectors.line_phase(cancelled) == "approved"
    assert selectors.line_phase(delivered) == "executed"
    later = results.implementation_opens + timedelta(days=1)
    assert selectors.line_phase(chosen, later) == "approved"


def test_the_finance_page_shows_lines_totals_assets_and_missing_codes(client, world):
    staff_login(client, world["finance"])

    page = client.get(reverse("coproduction:finance_cycle", args=["finance-2026"])).text

    assert page.count("<h1>") == 1
    assert "Benches for the riverside" in page and "=1+1 Street art" in page
    assert "A pool on the roof" not in page  # not funded
    assert "100 General Fund" in page and "missing" in page
    assert "By district" in page and "By department" in page
    assert "Contributed services requiring specialised skills" in page
    assert "Replacement cost: occupation wage plus fringe" in page
    assert "Lines missing a fund or code" in page


def test_the_coding_form_shows_review_codes_read_only_and_keeps_what_was_typed(client, world):
    staff_login(client, world["finance"])
    url = reverse("coproduction:finance_coding", args=["finance-2026", world["benches"].pk])

    form = client.get(url).text
    saved = client.post(url, {"fund": "  300 Parks Fund ", "department": "Forged"})

    assert 'name="department" value="Public Works"' in form and "disabled" in form
    assert saved.status_code == 302
    assert saved.url.endswith(f"#line-{world['benches'].pk}")
    coding = BudgetCoding.objects.get(project=world["benches"])
    assert (coding.fund, coding.department) == ("300 Parks Fund", "")  # disabled: ignored


def test_the_index_lists_cycles_by_fiscal_year(client, world):
    make_cycle(phase="ideas", slug="later-cycle", fiscal_year=2028)
    staff_login(client, world["finance"])

    page = client.get(reverse("coproduction:finance")).text

    assert page.index("Fiscal year 2028") < page.index("Fiscal year 2026")
    assert reverse("coproduction:finance_cycle", args=["finance-2026"]) in page


def test_an_unknown_format_is_refused_with_the_form_kept(client, world):
    staff_login(client, world["finance"])

    response = client.post(
        reverse("coproduction:finance_export_create", args=["finance-2026"]), {"format": "pdf"}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_the_page_runs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(5):
        make_project(world["cycle"], title=f"Extra project {n}")
    staff_login(client, world["finance"])

    with django_assert_max_num_queries(18):
        client.get(reverse("coproduction:finance_cycle", args=["finance-2026"]))
