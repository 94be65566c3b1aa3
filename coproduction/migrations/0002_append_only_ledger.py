"""The ledger is append-only: PostgreSQL refuses UPDATE and DELETE on its tables.

A correction is a reversing entry; a decision and a revaluation are new rows. TRUNCATE
(an owner's maintenance operation, also used to reset test databases) is not a row
change and is left to database privileges.
"""

from django.db import migrations

TABLES = ["coproduction_ledgerentry", "coproduction_ledgerdecision", "coproduction_valuation"]

FUNCTION = """
CREATE OR REPLACE FUNCTION coproduction_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the coproduction ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Record a reversing entry, a decision or a new valuation instead.';
END;
$$;
"""

TRIGGER = """
CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION coproduction_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("coproduction", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS coproduction_refuse_change() CASCADE;"),
        *[
            migrations.RunSQL(
                TRIGGER.format(table=table),
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            )
            for table in TABLES
        ],
    ]
