"""Seed coproduction ledger entries with one SQL statement (shared by the benchmarks)."""

from __future__ import annotations


def seed_ledger(
    cursor, *, entries: int, projects: list[int], users: list[int], description: str, currency: str
) -> None:
    """Insert ``entries`` ledger rows and verify 95% of them.

    60% general hours, 20% skilled hours (half in the volunteer's own profession, as
    carpenters), 10% materials, 10% space, spread over ``projects`` and ``users``.
    """
    cursor.execute("SELECT id FROM coproduction_skill WHERE soc_code = '47-2031'")
    carpentry = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO coproduction_ledgerentry
            (project_id, contributor_id, entered_by_id, kind, worked_on, hours, skill_id,
             is_own_profession, creates_asset, place, description, quantity, fair_value,
             currency, evidence, reverses_id, reason, flags, created_at, pledge_id)
        SELECT p.ids[1 + (g %% array_length(p.ids, 1))],
               u.ids[1 + (g %% array_length(u.ids, 1))],
               u.ids[1 + (g %% array_length(u.ids, 1))],
               k.kind, DATE '2025-01-01' + (g %% 360),
               CASE WHEN k.kind IN ('general', 'skilled') THEN 1 + (g %% 8) END,
               CASE WHEN k.kind = 'skilled' THEN %(skill)s END,
               k.kind = 'skilled' AND g %% 2 = 0, g %% 3 = 0, '', %(description)s, '',
               CASE WHEN k.kind IN ('materials', 'space') THEN 10 + (g %% 500) END,
               %(currency)s, '', NULL, '', '{}', now(), NULL
        FROM generate_series(1, %(n)s) AS g
        CROSS JOIN (SELECT %(projects)s::bigint[] AS ids) p
        CROSS JOIN (SELECT %(users)s::bigint[] AS ids) u
        CROSS JOIN LATERAL (SELECT CASE WHEN g %% 10 < 6 THEN 'general'
                                        WHEN g %% 10 < 8 THEN 'skilled'
                                        WHEN g %% 10 = 8 THEN 'materials'
                                        ELSE 'space' END AS kind) k
        """,
        {
            "n": entries,
            "projects": projects,
            "users": users,
            "skill": carpentry,
            "description": description,
            "currency": currency,
        },
    )
    cursor.execute(
        """
        INSERT INTO coproduction_ledgerdecision (entry_id, outcome, reason, decided_by_id,
                                                 decided_at)
        SELECT id, 'verified', '', contributor_id, now()
        FROM coproduction_ledgerentry WHERE id % 20 <> 0
        """
    )
    cursor.execute("ANALYZE")
