"""Ballot secrecy against someone who reads the whole database but holds no secret.

Residents cast 66 ballots through the web pages (8 of them cast again, some while their
first ballot was still sealed, some after it was mixed) and 6 people vote on paper, each
paper entered right after its person was marked (the worst booth practice). The box is
mixed as the Celery task mixes it. Then the attacks: equal ``xmin``/``xmax``, physical
order (``ctid``) of ballots and of choices against the roll's physical order and times,
the order of ballot ids, and every query text PostgreSQL showed in ``pg_stat_activity``
while the casts ran.

The statistic: how many voters an attack links to their own ballot. Pairing the two
lists by order, chance within batches gets about one right per batch (the fixed points
of a random permutation: Poisson with mean ≈ the number of batches). An attack fails the
test when it reaches the count that chance exceeds with probability below one in a
million. Without mixing, every one of these orders linked all voters.
"""

from __future__ import annotations

import math
import random
import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ballots.hashing import ballot_link, cast_lock_key
from ballots.mixing import ballot_box_mix
from ballots.models import Ballot, BallotChoice, SealedBallot, VoterRoll
from ballots.services import paper_ballot_enter, voter_mark_paper
from pbudget import roles
from pbudget.models import District
from tests.ballots.factories import (
    make_booth,
    make_entry,
    make_project,
    make_voter,
    mix_after_close,
)
from tests.factories import make_cycle, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

K = 10  # the anonymity set of this test (production default: 25)
VOTERS = 66
RECASTS = 8
PAPER = 6


def chance_bound(batches: int, p: float = 1e-6) -> int:
    """The smallest count of right guesses that chance reaches with probability < ``p``."""
    mean = max(batches, 1)
    tail, t = 1.0, 0
    while tail >= p:
        tail -= math.exp(-mean) * mean**t / math.factorial(t)
        t += 1
    return t


class ActivityWatcher(threading.Thread):
    """Read ``pg_stat_activity`` over and over from a connection of its own."""

    def __init__(self, dsn: str) -> None:
        super().__init__(daemon=True)
        self.dsn = dsn
        self.seen: set[str] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT query FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                self.seen.update(query for (query,) in rows if query)


def _dsn() -> str:
    params = connection.get_connection_params()
    keys = ("dbname", "user", "host", "port", "password")
    return " ".join(f"{key}={params[key]}" for key in keys if params.get(key))


def _cast(client: Client, cycle, proposals, mask: int) -> None:
    chosen = [p.pk for i, p in enumerate(proposals) if mask >> i & 1]
    response = client.post(
        reverse("ballots:ballot", args=[cycle.slug]), {"choice": chosen, "action": "cast"}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _ctid(text: str) -> tuple[int, int]:
    block, offset = text.strip("()").split(",")
    return int(block), int(offset)


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _right(pairs, truth) -> int:
    """How many (voter entry id, ballot id) pairs are a voter and their own ballot."""
    return sum(1 for entry_id, ballot_id in pairs if truth.get(entry_id) == ballot_id)


def test_a_reader_of_the_whole_database_links_ballots_to_voters_no_better_than_chance(settings):
    settings.PBUDGET_BALLOT_MIX_SIZE = K
    settings.PBUDGET_BALLOT_MIX_MAX = 10_000
    cycle = make_cycle(phase="voting", slug="secret", voting_method="approval", max_choices=8)
    old_town = District.objects.get(slug="old-town")
    proposals = [make_project(cycle, old_town, "1000", f"Project {i}") for i in range(8)]
    rng = random.Random(13)
    # Every ballot is a different set of projects, so the test knows whose ballot it is.
    masks = iter(rng.sample(range(1, 256), VOTERS + RECASTS + PAPER + 1))
    voters = [
        make_voter(f"s{n}@example.org", old_town, document=f"SECRET-{n}") for n in range(VOTERS)
    ]
    officer = make_user("booth@example.org", roles=[roles.BOOTH_OFFICER])
    booth = make_booth(cycle)
    latest: dict[int, int] = {}  # census entry id -> mask of the ballot that must count
    batches: list[int] = []
    batch_of: dict = {}  # ballot id -> the mixing batch that wrote it (told to the attacker)

    def mix(report) -> None:
        assert len(report.batches) == 1, report  # one batch per call: membership is exact
        batches.extend(report.batches)
        for ballot_id in Ballot.objects.filter(cycle=cycle).values_list("id", flat=True):
            batch_of.setdefault(ballot_id, len(batches))

    watcher = ActivityWatcher(_dsn())
    watcher.start()
    try:
        client = Client()
        for user in voters[:35]:
            client.force_login(user)
            latest[user.census_entry.pk] = mask = next(masks)
            _cast(client, cycle, proposals, mask)
        mix(ballot_box_mix(cycle_id=cycle.pk))  # 35 waiting: 25 mixed, 10 stay

        recasters = rng.sample(voters[:35], RECASTS)
        for n, user in enumerate(voters[35:]):
            client.force_login(user)
            latest[user.census_entry.pk] = mask = next(masks)
            _cast(client, cycle, proposals, mask)
            if n % 4 == 0 and recasters:  # a voter casts again, between others
                again = recasters.pop()
                client.force_login(again)
                latest[again.census_entry.pk] = mask = next(masks)
                _cast(client, cycle, proposals, mask)
            if n % 5 == 0 and n // 5 < PAPER:  # a person votes at the booth
                person = make_entry(f"PAPER-{n}", old_town)
                voter_mark_paper(officer=officer, booth=booth, entry=person)
                latest[person.pk] = mask = next(masks)
                values = {p.pk: 1 for i, p in enumerate(proposals) if mask >> i & 1}
                paper_ballot_enter(officer=officer, booth=booth, district=old_town, values=values)
        assert not recasters

        # One cast is held at its lock so the watcher surely sees it in flight.
        held = voters[0]
        key = cast_lock_key(held.census_entry.pk, cycle.pk)
        with psycopg.connect(_dsn(), autocommit=True) as blocker:
            blocker.execute("SELECT pg_advisory_lock(%s)", [key])
            latest[held.census_entry.pk] = mask = next(masks)
            held_client = Client()
            held_client.force_login(held)
            failures: list[BaseException] = []

            def held_cast() -> None:
                try:
                    _cast(held_client, cycle, proposals, mask)
                except BaseException as error:  # reported by the main thread below
                    failures.append(error)
                finally:
                    connection.close()

            thread = threading.Thread(target=held_cast)
            thread.start()
            deadline = time.monotonic() + 20
            while not any("ballots_cast_sealed" in q for q in watcher.seen):
                assert time.monotonic() < deadline, "the held cast never showed in flight"
                time.sleep(0.01)
            blocker.execute("SELECT pg_advisory_unlock(%s)", [key])
            thread.join(30)
            assert not thread.is_alive() and not failures, failures
        mix(ballot_box_mix(cycle_id=cycle.pk))  # 56 waiting: 46 mixed, 10 stay
        final = mix_after_close(cycle)  # the last 10, then the links are erased
        mix(final)
    finally:
        watcher.stop.set()
        watcher.join(10)

    # Everything counted: one ballot per person on the roll, the box empty, links erased.
    assert all(size >= K for size in batches), batches
    assert final.links_erased
    assert not SealedBallot.objects.filter(cycle=cycle).exists()
    assert VoterRoll.objects.filter(cycle=cycle).count() == VOTERS + PAPER == len(latest)
    bit = {p.pk: i for i, p in enumerate(proposals)}
    mask_of: dict = {}
    for ballot_id, proposal_id in BallotChoice.objects.filter(ballot__cycle=cycle).values_list(
        "ballot_id", "proposal_id"
    ):
        mask_of[ballot_id] = mask_of.get(ballot_id, 0) | 1 << bit[proposal_id]
    assert Ballot.objects.filter(cycle=cycle).count() == len(latest)
    ballot_of_mask = {mask: ballot_id for ballot_id, mask in mask_of.items()}
    assert sorted(ballot_of_mask) == sorted(latest.values())
    truth = {entry_id: ballot_of_mask[mask] for entry_id, mask in latest.items()}

    roll = _rows(
        "SELECT xmin::text::bigint, xmax::text::bigint, ctid::text, voter_id, voted_at "
        "FROM ballots_voterroll WHERE cycle_id = %s",
        [cycle.pk],
    )
    ballots = _rows(
        "SELECT xmin::text::bigint, xmax::text::bigint, ctid::text, id "
        "FROM ballots_ballot WHERE cycle_id = %s",
        [cycle.pk],
    )
    choices = _rows(
        "SELECT c.xmin::text::bigint, c.xmax::text::bigint, c.ctid::text, c.ballot_id "
        "FROM ballots_ballotchoice c JOIN ballots_ballot b ON b.id = c.ballot_id "
        "WHERE b.cycle_id = %s",
        [cycle.pk],
    )
    people = _rows(
        "SELECT xmin::text::bigint FROM pbudget_user UNION "
        "SELECT xmin::text::bigint FROM ballots_censusentry UNION "
        "SELECT xmin::text::bigint FROM ballots_boothballotcount",
        [],
    )

    # 1. Transaction ids: no ballot or choice was written (or deleted) by a transaction
    #    that wrote a roll row, a person or a booth count; casting again left the roll
    #    row untouched (no xmax: not even a row lock).
    roll_xids = {xmin for xmin, *_rest in roll} | {xmax for _x, xmax, *_rest in roll if xmax}
    ballot_xids = {xmin for xmin, *_r in ballots + choices} | {
        xmax for _x, xmax, *_r in ballots + choices if xmax
    }
    assert not ballot_xids & roll_xids
    assert not ballot_xids & {xmin for (xmin,) in people}
    assert all(xmax == 0 for _x, xmax, *_rest in roll)

    # 2. Orders: the roll by physical place, by time and by transaction; the ballots by
    #    physical place, by id, by (transaction, place); the choices by physical place.
    #    The attacker is even told which batch holds each voter's ballot, and pairs voters
    #    and ballots by order within each batch.
    assert {b[3] for b in ballots} <= set(batch_of)  # (replaced ballots are gone)
    bound = chance_bound(len(batches))
    roll_orders = {
        "roll by ctid": [r[3] for r in sorted(roll, key=lambda r: _ctid(r[2]))],
        "roll by time": [r[3] for r in sorted(roll, key=lambda r: r[4])],
        "roll by xmin": [r[3] for r in sorted(roll, key=lambda r: (r[0], _ctid(r[2])))],
    }
    first_seen: dict = {}
    for _x, _y, place, ballot_id in sorted(choices, key=lambda c: _ctid(c[2])):
        first_seen.setdefault(ballot_id, _ctid(place))
    ballot_orders = {
        "ballots by ctid": [b[3] for b in sorted(ballots, key=lambda b: _ctid(b[2]))],
        "ballots by id": sorted(b[3] for b in ballots),
        "ballots by xmin": [b[3] for b in sorted(ballots, key=lambda b: (b[0], _ctid(b[2])))],
        "choices by ctid": sorted(first_seen, key=first_seen.get),
    }
    for roll_name, voters_in_order in roll_orders.items():
        for ballot_name, ballots_in_order in ballot_orders.items():
            right = 0
            for batch in set(batch_of.values()):
                in_batch = [v for v in voters_in_order if batch_of[truth[v]] == batch]
                batch_ballots = [b for b in ballots_in_order if batch_of[b] == batch]
                right += _right(zip(in_batch, batch_ballots, strict=True), truth)
            assert right < bound, f"{roll_name} against {ballot_name}: {right} of {len(truth)}"

    # 3. What the server showed while casting: statement texts with placeholders only.
    seen = watcher.seen
    casts = [q for q in seen if "ballots_cast_sealed" in q]
    assert casts and all("$1" in q and "$6" in q for q in casts), casts
    secrets_ = {user.email for user in voters}
    secrets_ |= {ballot_link(entry_id, cycle.pk) for entry_id in latest}
    secrets_ |= set(Ballot.objects.filter(cycle=cycle).values_list("receipt_hash", flat=True))
    secrets_.discard(None)
    leaked = [(s, q) for q in seen for s in secrets_ if s in q]
    assert not leaked, leaked[:3]
    for query in seen:
        assert "ballots_cast_sealed(" not in query or "ballots_cast_sealed($1" in query
