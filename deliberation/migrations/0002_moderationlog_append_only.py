"""The moderation log is append-only: the database refuses UPDATE and DELETE on it.

(TRUNCATE, used by the test suite's database flush, is left alone.)
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION deliberation_moderationlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the moderation log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER deliberation_moderationlog_append_only
    BEFORE UPDATE OR DELETE ON deliberation_moderationlog
    FOR EACH ROW EXECUTE FUNCTION deliberation_moderationlog_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS deliberation_moderationlog_append_only ON deliberation_moderationlog;
DROP FUNCTION IF EXISTS deliberation_moderationlog_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
