"""Keep Proposal.search_vector up to date in the database, whoever writes the row.

Title (A), summary (B), description (C) and place (D), stemmed in English and Spanish,
so a search in either language finds the proposal.
"""

from django.db import migrations

VECTOR = """
    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('spanish', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
    setweight(to_tsvector('spanish', coalesce(NEW.summary, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C') ||
    setweight(to_tsvector('spanish', coalesce(NEW.description, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(NEW.place, '')), 'D') ||
    setweight(to_tsvector('spanish', coalesce(NEW.place, '')), 'D')
"""

FORWARD = f"""
CREATE OR REPLACE FUNCTION proposals_proposal_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := {VECTOR};
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS proposals_proposal_search_vector ON proposals_proposal;
CREATE TRIGGER proposals_proposal_search_vector
    BEFORE INSERT OR UPDATE OF title, summary, description, place, search_vector
    ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_search_vector();

UPDATE proposals_proposal SET title = title;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS proposals_proposal_search_vector ON proposals_proposal;
DROP FUNCTION IF EXISTS proposals_proposal_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0003_images_supports_history"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
