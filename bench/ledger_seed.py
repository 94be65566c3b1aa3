"""Seed a funded cycle and coproduction ledger entries (shared by the benchmarks)."""

from __future__ import annotations


def seed_projects_and_users(
    *, cycle_slug: str, cycle_name: str, project_fields=None, **cycle_fields
) -> tuple:
    """Empty the ledger; return (cycle, 50 selected project ids, 2,000 user ids).

    The cycle (``cycle_slug``, fiscal year 2025, past phases), its projects ("Bench project
    n", 50,000 each, with ``project_fields(n)`` added) and the users are made once and
    reused by later runs.
    """
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import connection

    from pbudget.models import Cycle, District, User
    from proposals.models import Proposal

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE coproduction_valuation, coproduction_ledgerdecision, "
            "coproduction_ledgerentry CASCADE"
        )
    district, _ = District.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    start = date(2025, 1, 1)
    cycle, _ = Cycle.objects.get_or_create(
        slug=cycle_slug,
        defaults={
            "name": cycle_name,
            "fiscal_year": 2025,
            "ideas_opens": "2024-01-01T00:00Z",
            "review_opens": "2024-02-01T00:00Z",
            "voting_opens": "2024-03-01T00:00Z",
            "voting_closes": "2024-04-01T00:00Z",
            "implementation_opens": "2024-05-01T00:00Z",
            **cycle_fields,
        },
    )
    projects = []
    for n in range(50):
        project, _ = Proposal.objects.get_or_create(
            cycle=cycle,
            title=f"Bench project {n}",
            defaults={
                "district": district,
                "summary": "s",
                "description": "d",
                "status": "selected",
                "official_cost": Decimal("50000"),
                "starts_on": start,
                "ends_on": start + timedelta(days=365),
                **(project_fields(n) if project_fields else {}),
            },
        )
        projects.append(project.pk)
    users = list(User.objects.filter(email__startswith="bench-").values_list("pk", flat=True))
    if len(users) < 2000:
        User.objects.bulk_create(
            [User(email=f"bench-{n}@example.org") for n in range(len(users), 2000)]
        )
        users = list(User.objects.filter(email__startswith="bench-").values_list("pk", flat=True))
    return cycle, projects, users


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
