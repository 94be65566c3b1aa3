"""Titles up to 300 characters, so imported elections keep their projects' full names.

Residents still write at most 140 (the proposal form). The search trigger depends on the
column, so it is dropped for the change and made again as migration 0004 made it.
"""

from django.db import migrations, models

DROP_TRIGGER = "DROP TRIGGER proposals_proposal_search_vector ON proposals_proposal;"
TRIGGER = """
CREATE TRIGGER proposals_proposal_search_vector
    BEFORE INSERT OR UPDATE OF title, summary, description, place, search_vector
    ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0004_search_trigger")]

    operations = [
        migrations.RunSQL(DROP_TRIGGER, TRIGGER),
        migrations.AlterField(
            model_name="proposal",
            name="title",
            field=models.CharField(max_length=300, verbose_name="title"),
        ),
        migrations.RunSQL(TRIGGER, DROP_TRIGGER),
    ]
