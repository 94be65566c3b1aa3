"""The database itself refuses to change or delete ledger rows, whatever the client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import Error, connection, transaction
from django.db.models import ProtectedError

from coproduction.models import LedgerDecision, LedgerEntry, Valuation
from coproduction.valuation import value_unvalued
from tests.coproduction.factories import make_entry
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def valued_entry(project):
    contributor = make_user("contributor@example.org")
    verifier = make_user("verifier@example.org")
    entry = make_entry(project, contributor, verified_by=verifier)
    value_unvalued(entry_ids=[entry.pk])
    return entry


def refused(action) -> str:
    with pytest.raises(Error) as caught, transaction.atomic():
        action()
    return str(caught.value)


def test_updating_an_entry_through_the_orm_is_refused(valued_entry):
    valued_entry.hours = Decimal("40")
    message = refused(valued_entry.save)
    assert "append-only" in message
    valued_entry.refresh_from_db()
    assert valued_entry.hours == Decimal("4")


def test_queryset_update_and_delete_are_refused(valued_entry):
    assert "append-only" in refused(lambda: LedgerEntry.objects.update(hours=Decimal("1")))
    # Django's collector stops at the PROTECT foreign keys first; the raw delete reaches
    # the database, which refuses it.
    with pytest.raises(ProtectedError):
        LedgerEntry.objects.all().delete()
    assert "append-only" in refused(lambda: LedgerEntry.objects.all()._raw_delete("default"))
    assert "append-only" in refused(lambda: LedgerDecision.objects.all().delete())
    assert "append-only" in refused(lambda: Valuation.objects.update(amount=Decimal("1")))
    assert "append-only" in refused(lambda: Valuation.objects.all().delete())
    assert LedgerEntry.objects.count() == 1
    assert Valuation.objects.get().amount == Decimal("133.96")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE coproduction_ledgerentry SET hours = 99",
        "DELETE FROM coproduction_ledgerentry",
        "UPDATE coproduction_ledgerdecision SET outcome = 'declined', reason = 'x'",
        "DELETE FROM coproduction_ledgerdecision",
        "UPDATE coproduction_valuation SET amount = 0",
        "DELETE FROM coproduction_valuation",
    ],
)
def test_raw_sql_updates_and_deletes_are_refused(valued_entry, sql):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert "append-only" in refused(run)
    assert Valuation.objects.get().amount == Decimal("133.96")
    assert LedgerDecision.objects.get().outcome == "verified"


def test_inserting_new_rows_is_allowed(valued_entry, project):
    make_entry(project, valued_entry.contributor, hours=Decimal("2"))
    assert LedgerEntry.objects.count() == 2
