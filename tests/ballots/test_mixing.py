"""Mixing the ballot box: batch sizes, replacing a voter's ballot, the count's wait, keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from ballots import box
from ballots.counting import services as counting
from ballots.hashing import ballot_link, receipt_hash
from ballots.mixing import ballot_box_mix, batch_size
from ballots.models import Ballot, BallotLink, SealedBallot, TallyStatus, VoterRoll
from ballots.services import ballot_cast
from pbudget.models import Cycle, District
from tests.ballots.conftest import project
from tests.ballots.factories import make_voter, mix_after_close, sealed_ballots

pytestmark = pytest.mark.django_db


def _cast(cycle, user, *titles):
    return ballot_cast(user=user, cycle=cycle, values={project(cycle, t).pk: 1 for t in titles})


def _voters(district, n, prefix="m"):
    return [
        make_voter(f"{prefix}{i}@example.org", district, document=f"{prefix}-{i}") for i in range(n)
    ]


@pytest.mark.parametrize(
    ("waiting", "final", "taken"),
    [
        (0, False, 0),
        (24, False, 0),
        (49, False, 0),  # fewer than 2K: K must stay for the last batch
        (50, False, 25),
        (70, False, 45),
        (10, True, 10),  # after the close everything goes
        (0, True, 0),
        (10_020, True, 9_995),  # never leave fewer than K for the last batch
        (10_030, True, 10_000),
        (30_000, False, 10_000),
    ],
)
def test_batch_sizes_keep_k_in_the_box_while_voting_and_take_all_after(
    settings, waiting, final, taken
):
    settings.PBUDGET_BALLOT_MIX_SIZE = 25
    settings.PBUDGET_BALLOT_MIX_MAX = 10_000
    assert batch_size(waiting, final=final) == taken


def test_given_fewer_than_2k_sealed_while_voting_then_nothing_is_mixed(
    settings, voting_cycle, old_town
):
    settings.PBUDGET_BALLOT_MIX_SIZE = 3
    for user in _voters(old_town, 5):
        _cast(voting_cycle, user, "Benches")
    report = ballot_box_mix(cycle_id=voting_cycle.pk)
    assert report.batches == [] and report.left == 5
    assert not Ballot.objects.exists()
    make_voter_and_cast = _voters(old_town, 1, prefix="late")[0]
    _cast(voting_cycle, make_voter_and_cast, "Benches")
    report = ballot_box_mix(cycle_id=voting_cycle.pk)
    assert report.batches == [3] and report.left == 3  # the oldest 3; 3 stay
    assert Ballot.objects.count() == 3
    assert not report.links_erased
    assert BallotLink.objects.count() == 3


def test_given_a_voter_casts_again_after_their_ballot_was_mixed_then_the_next_batch_replaces_it(
    settings, voting_cycle, old_town
):
    settings.PBUDGET_BALLOT_MIX_SIZE = 1
    ana, ben, cal = _voters(old_town, 3)
    first = _cast(voting_cycle, ana, "Benches")
    _cast(voting_cycle, ben, "Playground")
    assert ballot_box_mix(cycle_id=voting_cycle.pk).batches == [1]  # Ana's, Ben's stays
    assert Ballot.objects.get().receipt_hash == receipt_hash(first.receipt_code)
    second = _cast(voting_cycle, ana, "Bike lane", "Benches")
    assert second.replaced
    assert VoterRoll.objects.count() == 2  # casting again writes no roll row
    assert ballot_box_mix(cycle_id=voting_cycle.pk).batches == [1]  # Ben's; Ana's new one stays
    _cast(voting_cycle, cal, "Benches")
    report = ballot_box_mix(cycle_id=voting_cycle.pk)
    assert report.batches == [1] and report.replaced == 1  # Ana's new one replaces her first
    report = mix_after_close(voting_cycle)
    assert report.batches == [1] and report.left == 0 and report.links_erased
    hashes = set(Ballot.objects.values_list("receipt_hash", flat=True))
    assert receipt_hash(first.receipt_code) not in hashes
    assert receipt_hash(second.receipt_code) in hashes
    assert Ballot.objects.count() == 3
    anas = Ballot.objects.get(receipt_hash=receipt_hash(second.receipt_code))
    assert set(anas.choices.values_list("proposal__title", flat=True)) == {"Bike lane", "Benches"}
    assert not BallotLink.objects.exists()


def test_given_two_ballots_of_one_voter_in_one_batch_then_only_the_later_counts(
    voting_cycle, voter
):
    _cast(voting_cycle, voter, "Benches")
    later = _cast(voting_cycle, voter, "Playground")
    report = mix_after_close(voting_cycle)
    assert report.batches == [2]
    ballot = Ballot.objects.get()
    assert ballot.receipt_hash == receipt_hash(later.receipt_code)
    assert list(ballot.choices.values_list("proposal__title", flat=True)) == ["Playground"]


def test_mixing_twice_changes_nothing(voting_cycle, voter):
    _cast(voting_cycle, voter, "Benches")
    mix_after_close(voting_cycle)
    before = list(Ballot.objects.values_list("id", "receipt_hash"))
    report = mix_after_close(voting_cycle)
    assert report.mixed == 0 and report.replaced == 0
    assert list(Ballot.objects.values_list("id", "receipt_hash")) == before


def test_given_sealed_ballots_left_when_the_count_starts_then_refused_with_a_reason(
    voting_cycle, voter, old_town, django_capture_on_commit_callbacks
):
    _cast(voting_cycle, voter, "Benches")
    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_opens=timezone.now() - timedelta(days=3),
        voting_closes=timezone.now() - timedelta(seconds=1),
    )
    cycle = Cycle.objects.get(pk=voting_cycle.pk)
    with pytest.raises(ValidationError) as caught:
        counting.count_start(cycle=cycle, district=old_town, user=None)
    assert caught.value.code == "box_not_empty"
    assert "1 ballot of" in caught.value.messages[0]
    assert "still sealed in the ballot box" in caught.value.messages[0]
    # The worker that runs the count refuses too, and says why.
    run = counting.count_run(cycle_id=cycle.pk, district_id=old_town.pk)
    assert run.status == TallyStatus.FAILED
    assert "still sealed" in run.error_message
    # Refusing queued the mixing (in-process here): the box is mixed, the count runs.
    mix_after_close(cycle)  # within the close's grace the task left it; now it is due
    assert not SealedBallot.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        run = counting.count_start(cycle=cycle, district=old_town, user=None)
    run.refresh_from_db()
    assert run.status == TallyStatus.DONE
    assert run.num_voters == 1


def test_the_count_page_says_when_sealed_ballots_wait(client, voting_cycle, voter, old_town, login):
    from django.urls import reverse

    from pbudget import roles
    from tests.factories import make_user

    _cast(voting_cycle, voter, "Benches")
    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_opens=timezone.now() - timedelta(days=3),
        voting_closes=timezone.now() - timedelta(seconds=1),
    )
    admin = make_user("admin@example.org", roles=[roles.ADMINISTRATOR])
    login(client, admin)
    page = client.get(reverse("ballots:count_cycle", args=[voting_cycle.slug])).content.decode()
    assert "1 sealed ballot waits in the ballot box" in page
    response = client.post(reverse("ballots:count_start", args=[voting_cycle.slug, old_town.slug]))
    assert response.status_code == 302
    followed = client.get(response.url).content.decode()
    assert "still sealed in the ballot box" in followed


def test_a_sealed_ballot_is_as_long_whatever_was_chosen(voting_cycle, old_town):
    one, three = _voters(old_town, 2)
    _cast(voting_cycle, one, "Benches")
    _cast(voting_cycle, three, "Benches", "Tram stop", "Bike lane")
    sizes = {len(bytes(s)) for s in SealedBallot.objects.values_list("sealed", flat=True)}
    assert len(sizes) == 1


def test_a_sealed_ballot_shows_no_link_receipt_or_choice_in_clear(voting_cycle, voter):
    result = _cast(voting_cycle, voter, "Benches")
    sealed = bytes(SealedBallot.objects.get().sealed)
    link = ballot_link(voter.census_entry.pk, voting_cycle.pk)
    for clear in (
        bytes.fromhex(link),
        bytes.fromhex(receipt_hash(result.receipt_code)),
        project(voting_cycle, "Benches").pk.to_bytes(8, "big"),
    ):
        assert clear not in sealed
    [opened] = sealed_ballots(voting_cycle)
    assert opened.link == link


def test_a_web_host_with_the_public_key_only_casts_but_cannot_mix(settings, voting_cycle, voter):
    import base64

    settings.PBUDGET_BALLOT_PUBLIC_KEY = base64.b64encode(bytes(box.public_key())).decode()
    settings.PBUDGET_BALLOT_PRIVATE_KEY = ""
    _cast(voting_cycle, voter, "Benches")
    with pytest.raises(ImproperlyConfigured, match="only hosts that mix"):
        mix_after_close(voting_cycle)
    assert SealedBallot.objects.count() == 1 and not Ballot.objects.exists()


def test_a_private_key_of_another_pair_is_refused(settings, voting_cycle, voter):
    _cast(voting_cycle, voter, "Benches")
    public, _private = box.new_key_pair()
    _other_public, other_private = box.new_key_pair()
    settings.PBUDGET_BALLOT_PUBLIC_KEY = public
    settings.PBUDGET_BALLOT_PRIVATE_KEY = other_private
    with pytest.raises(ImproperlyConfigured, match="does not belong"):
        mix_after_close(voting_cycle)


def test_a_ballot_sealed_to_another_key_does_not_open(settings, voting_cycle, voter):
    _cast(voting_cycle, voter, "Benches")
    public, private = box.new_key_pair()
    settings.PBUDGET_BALLOT_PUBLIC_KEY = public
    settings.PBUDGET_BALLOT_PRIVATE_KEY = private
    with pytest.raises(box.BoxError):
        mix_after_close(voting_cycle)
    assert SealedBallot.objects.count() == 1  # the batch rolled back: nothing lost


def test_records_pack_and_unpack_every_method():
    for channel, link, receipt, proposals, points, ranks in [
        ("online", "ab" * 32, "cd" * 32, [3, 9], [1, 1], [None, None]),
        ("online", "ab" * 32, "cd" * 32, [3, 9, 12], [5, 2, 1], [None, None, None]),
        ("online", "ab" * 32, "cd" * 32, [7, 2], [1, 1], [2, 1]),
        ("paper", None, None, [], [], []),
    ]:
        record = box.pack(
            channel=channel,
            link=link,
            receipt_hash=receipt,
            proposals=proposals,
            points=points,
            ranks=ranks,
            projects_on_ballot=20,
        )
        assert len(record) == len(
            box.pack(
                channel="paper",
                link=None,
                receipt_hash=None,
                proposals=[],
                points=[],
                ranks=[],
                projects_on_ballot=20,
            )
        )
        opened = box.unpack(record)
        assert (opened.channel, opened.link, opened.receipt_hash) == (channel, link, receipt)
        assert (list(opened.proposals), list(opened.points), list(opened.ranks)) == (
            proposals,
            points,
            ranks,
        )


def test_the_beat_schedule_mixes_every_box(settings, voting_cycle, voter):
    from ballots.tasks import mix_ballot_boxes

    assert settings.CELERY_BEAT_SCHEDULE["mix-ballot-boxes"]["task"] == (
        "ballots.tasks.mix_ballot_boxes"
    )
    _cast(voting_cycle, voter, "Benches")
    Cycle.objects.filter(pk=voting_cycle.pk).update(
        voting_opens=timezone.now() - timedelta(days=3),
        voting_closes=timezone.now() - timedelta(minutes=5),
    )
    assert mix_ballot_boxes.delay().get() == 1  # one cycle queued (run in-process here)
    assert not SealedBallot.objects.exists()
    assert Ballot.objects.count() == 1


def test_a_sealed_ballot_is_boxed_under_the_voters_district(voting_cycle, voter):
    """A sealed ballot is boxed under the voter's district, so batches are per district."""
    _cast(voting_cycle, voter, "Benches")
    assert SealedBallot.objects.get().district_id == District.objects.get(slug="old-town").pk
