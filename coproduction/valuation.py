"""Valuing verified ledger entries by the replacement-cost method (ILO Manual, ch. 5).

- General hours: the general volunteer rate valid on the day of the work.
- Skilled hours done in the volunteer's own profession: that occupation's wage (by SOC
  code) plus its fringe percentage; with no rate for the occupation, the general rate.
- Skilled people doing general work, or skills outside their profession: the general rate.
- Materials: fair market value; equipment loans and space: fair rental value (both as
  stated on the entry and checked by the verifier), in the entry's currency.
- A reversal: the negative of the current value of the entry it reverses.

Rate choice: among rates valid on the day of the work (``valid_from`` ≤ date), one in the
cycle's currency if there is one, else any; the latest ``valid_from`` wins. Hours are
valued in the rate's currency and the valuation stores that currency: nothing is
converted. The work is done by PostgreSQL in set-based INSERT … SELECT statements, so a
million entries take seconds; ``ON CONFLICT DO NOTHING`` on the unique (entry, revision)
and (entry, run) keys makes every call idempotent.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction

CENT = Decimal("0.01")

# The columns copied from a rate; ``r`` is the chosen rate.
_RATE_PICK = """
    SELECT r.id, r.amount, r.fringe_percent, r.currency,
           r.publisher || ', ' || r.series || ', ' || r.data_year || ' data, '
               || r.geography || ': ' || r.source_url AS source
    FROM coproduction_valuationrate r
    WHERE r.valid_from <= t.worked_on AND {condition}
    ORDER BY (r.currency = t.cycle_currency) DESC, r.valid_from DESC, r.id DESC
    LIMIT 1
"""

_ORIGINALS = """
WITH todo AS (
    SELECT e.id, e.kind, e.hours, e.fair_value, e.currency AS entry_currency, e.worked_on,
           e.is_own_profession, e.creates_asset, s.soc_code, c.currency AS cycle_currency,
           {revision} AS revision
    FROM coproduction_ledgerentry e
    JOIN coproduction_ledgerdecision d ON d.entry_id = e.id AND d.outcome = 'verified'
    JOIN proposals_proposal p ON p.id = e.project_id
    JOIN pbudget_cycle c ON c.id = p.cycle_id
    LEFT JOIN coproduction_skill s ON s.id = e.skill_id
    WHERE e.reverses_id IS NULL AND {where}
),
priced AS (
    SELECT t.*,
           COALESCE(occ.id, gen.id) AS rate_id,
           CASE WHEN occ.id IS NOT NULL THEN occ.amount ELSE gen.amount END AS rate_amount,
           CASE WHEN occ.id IS NOT NULL THEN occ.fringe_percent ELSE 0 END AS fringe,
           CASE WHEN occ.id IS NOT NULL THEN occ.currency ELSE gen.currency END AS rate_currency,
           CASE WHEN occ.id IS NOT NULL THEN occ.source ELSE gen.source END AS rate_source,
           occ.id IS NOT NULL AS is_specialist
    FROM todo t
    LEFT JOIN LATERAL ({occupation_pick}) occ ON t.kind = 'skilled' AND t.is_own_profession
    LEFT JOIN LATERAL ({general_pick}) gen ON t.kind IN ('general', 'skilled')
)
INSERT INTO coproduction_valuation
    (entry_id, revision, run_id, method, rate_id, rate_amount, fringe_percent, hours, amount,
     currency, is_recognisable, basis, source, valued_at)
SELECT id, revision, %(run)s,
       CASE WHEN kind IN ('general', 'skilled')
                THEN CASE WHEN is_specialist THEN 'specialist-rate' ELSE 'general-rate' END
            WHEN kind = 'materials' THEN 'fair-market'
            ELSE 'fair-rental' END,
       CASE WHEN kind IN ('general', 'skilled') THEN rate_id END,
       CASE WHEN kind IN ('general', 'skilled') THEN rate_amount END,
       CASE WHEN kind IN ('general', 'skilled') THEN fringe ELSE 0 END,
       CASE WHEN kind IN ('general', 'skilled') THEN hours END,
       CASE WHEN kind IN ('general', 'skilled')
                THEN ROUND(hours * ROUND(rate_amount * (1 + fringe / 100), 2), 2)
            ELSE fair_value END,
       CASE WHEN kind IN ('general', 'skilled') THEN rate_currency ELSE entry_currency END,
       kind NOT IN ('general', 'skilled') OR is_specialist OR creates_asset,
       CASE WHEN kind NOT IN ('general', 'skilled') THEN 'goods'
            WHEN is_specialist THEN 'specialised-skill'
            WHEN creates_asset THEN 'asset'
            ELSE 'memo' END,
       CASE WHEN kind IN ('general', 'skilled') THEN rate_source
            WHEN kind = 'materials'
                THEN 'Fair market value stated on the entry and verified'
            ELSE 'Fair rental value stated on the entry and verified' END,
       now()
FROM priced
WHERE kind NOT IN ('general', 'skilled') OR rate_id IS NOT NULL
ON CONFLICT DO NOTHING
"""

_REVERSALS = """
INSERT INTO coproduction_valuation
    (entry_id, revision, run_id, method, rate_id, rate_amount, fringe_percent, hours, amount,
     currency, is_recognisable, basis, source, valued_at)
SELECT e.id, {revision}, %(run)s, 'reversal', ov.rate_id, ov.rate_amount, ov.fringe_percent,
       -ov.hours, -ov.amount, ov.currency, ov.is_recognisable, ov.basis,
       'Reverses entry #' || e.reverses_id || ' (' || ov.source || ')', now()
FROM coproduction_ledgerentry e
JOIN coproduction_ledgerdecision d ON d.entry_id = e.id AND d.outcome = 'verified'
JOIN proposals_proposal p ON p.id = e.project_id
JOIN LATERAL (
    SELECT * FROM coproduction_valuation v
    WHERE v.entry_id = e.reverses_id ORDER BY v.revision DESC LIMIT 1
) ov ON true
WHERE e.reverses_id IS NOT NULL AND {where}
ON CONFLICT DO NOTHING
"""

_FIRST = "1"
_NEXT = (
    "COALESCE((SELECT max(v2.revision) FROM coproduction_valuation v2 "
    "WHERE v2.entry_id = e.id), 0) + 1"
)
# No "not yet valued" test in the statements: an anti-join against the table being
# written is planned as a nested loop when its statistics say it is small, and then
# costs quadratic time. The unique (entry, revision) and (entry, run) keys skip what is
# already there instead.


def _sql(template: str, *, revision: str, where: str) -> str:
    return template.format(
        revision=revision,
        where=where,
        occupation_pick=_RATE_PICK.format(
            condition="r.kind = 'occupation' AND r.occupation_code = t.soc_code"
        ),
        general_pick=_RATE_PICK.format(condition="r.kind = 'general'"),
    )


def value_unvalued(*, entry_ids: list[int] | None = None, chunk: int = 250_000) -> int:
    """Write the first valuation of verified entries that have none; return rows written.

    With ``entry_ids``, only those; without, every unvalued verified entry, in id ranges
    of ``chunk`` committed one by one (a crash keeps the work done; a re-run continues).
    Originals go first, so reversals in the same range find their value.
    """
    written = 0
    if entry_ids is not None:
        # With the entries a reversal reverses (valued first) and the reversals of these
        # entries (valued after), whatever order their verifications came in.
        from django.db.models import Q

        from coproduction.models import LedgerEntry

        ids = set(entry_ids)
        for original, reversal in LedgerEntry.objects.filter(
            Q(pk__in=ids, reverses__isnull=False) | Q(reverses__in=ids)
        ).values_list("reverses_id", "pk"):
            ids.update((original, reversal))
        with transaction.atomic(), connection.cursor() as cursor:
            for template in (_ORIGINALS, _REVERSALS):
                cursor.execute(
                    _sql(template, revision=_FIRST, where="e.id = ANY(%(ids)s)"),
                    {"ids": sorted(ids), "run": None},
                )
                written += cursor.rowcount
        return written
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM coproduction_ledgerentry")
        low, high = cursor.fetchone()
    if low is None:
        return 0
    where = "e.id BETWEEN %(low)s AND %(high)s"
    for start in range(low, high + 1, chunk):
        params = {"low": start, "high": start + chunk - 1, "run": None}
        with transaction.atomic(), connection.cursor() as cursor:
            for template in (_ORIGINALS, _REVERSALS):
                cursor.execute(_sql(template, revision=_FIRST, where=where), params)
                written += cursor.rowcount
    with transaction.atomic(), connection.cursor() as cursor:
        # Reversals of entries valued in a later range.
        cursor.execute(_sql(_REVERSALS, revision=_FIRST, where="true"), {"run": None})
        written += cursor.rowcount
    if written > 10_000:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE coproduction_valuation")
    return written


def revalue_cycle(*, run_id: int, cycle_id: int) -> int:
    """Write a new valuation (next revision) of every verified entry of a cycle for a run.

    Values already recorded stay as they are; the new rows carry the rates valid now.
    Running the same run twice writes nothing the second time.
    """
    where = "p.cycle_id = %(cycle)s"
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for template in (_ORIGINALS, _REVERSALS):
            cursor.execute(
                _sql(template, revision=_NEXT, where=where), {"cycle": cycle_id, "run": run_id}
            )
            written += cursor.rowcount
    return written


def hourly_value(rate) -> Decimal:
    """A rate's amount plus fringe, per hour, in cents (rounded as PostgreSQL does)."""
    return (rate.amount * (1 + rate.fringe_percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)


def pick_rate(*, occupation_code: str | None, day: date, currency: str):
    """The rate the ledger would use for hours on ``day`` (occupation first, then general)."""
    from django.db.models import Case, IntegerField, Value, When

    from coproduction.models import RateKind, ValuationRate

    def best(queryset):
        return (
            queryset.filter(valid_from__lte=day)
            .annotate(
                same_currency=Case(
                    When(currency=currency, then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            .order_by("-same_currency", "-valid_from", "-pk")
            .first()
        )

    if occupation_code:
        rate = best(
            ValuationRate.objects.filter(kind=RateKind.OCCUPATION, occupation_code=occupation_code)
        )
        if rate is not None:
            return rate
    return best(ValuationRate.objects.filter(kind=RateKind.GENERAL))
