"""One database call casts (or replaces) an online ballot: ``ballots_cast_online``.

Casting is the hot path of a vote. The function does in one statement, so in one
transaction and one round trip, what ``ballots.services.ballot_cast`` did in six:

1. refuse if the cycle is not in its voting window at this moment (the database's clock,
   so a ballot sent as voting closes is judged where it is written);
2. write the voter-roll row of (voter, cycle), or lock the one already there, and refuse
   if it records a paper vote;
3. delete the voter's earlier online ballot (found by its link) and its choices;
4. insert the ballot and its choices.

It returns ``closed``, ``paper`` or ``cast``, and whether an earlier ballot was replaced.
Nothing is written unless it returns ``cast``. Concurrent casts by one voter are
serialised by the voter-roll row lock; the unique (cycle, link) constraint keeps one
ballot per voter in any case.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION ballots_cast_online(
    p_voter bigint,
    p_cycle bigint,
    p_district bigint,
    p_voted_at timestamptz,
    p_ballot uuid,
    p_link varchar,
    p_receipt_hash varchar,
    p_proposals bigint[],
    p_points smallint[],
    p_ranks smallint[],
    OUT outcome text,
    OUT replaced boolean
)
LANGUAGE plpgsql
AS $$
DECLARE
    v_channel varchar;
    v_district bigint;
    v_removed integer;
BEGIN
    replaced := false;
    PERFORM 1 FROM pbudget_cycle
        WHERE id = p_cycle
          AND voting_opens <= clock_timestamp()
          AND clock_timestamp() < voting_closes;
    IF NOT FOUND THEN
        outcome := 'closed';
        RETURN;
    END IF;

    INSERT INTO ballots_voterroll (voter_id, cycle_id, district_id, channel, voted_at)
    VALUES (p_voter, p_cycle, p_district, 'online', p_voted_at)
    ON CONFLICT (voter_id, cycle_id) DO UPDATE SET channel = ballots_voterroll.channel
    RETURNING channel, district_id INTO v_channel, v_district;
    IF v_channel = 'paper' THEN
        outcome := 'paper';
        RETURN;
    END IF;

    DELETE FROM ballots_ballotchoice
        WHERE ballot_id IN (
            SELECT id FROM ballots_ballot WHERE cycle_id = p_cycle AND link = p_link
        );
    DELETE FROM ballots_ballot WHERE cycle_id = p_cycle AND link = p_link;
    GET DIAGNOSTICS v_removed = ROW_COUNT;
    replaced := v_removed > 0;

    INSERT INTO ballots_ballot (id, cycle_id, district_id, channel, link, receipt_hash)
    VALUES (p_ballot, p_cycle, v_district, 'online', p_link, p_receipt_hash);
    INSERT INTO ballots_ballotchoice (ballot_id, proposal_id, points, rank)
    SELECT p_ballot, chosen.proposal, chosen.points, chosen.rank
    FROM unnest(p_proposals, p_points, p_ranks) AS chosen (proposal, points, rank);
    outcome := 'cast';
END;
$$;
"""

DROP = """
DROP FUNCTION ballots_cast_online(
    bigint, bigint, bigint, timestamptz, uuid, varchar, varchar, bigint[], smallint[], smallint[]
);
"""


class Migration(migrations.Migration):
    dependencies = [("ballots", "0003_tally_queued_at")]

    operations = [migrations.RunSQL(CREATE, DROP)]
