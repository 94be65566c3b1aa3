"""The demo loader fills every status, with images, and runs twice without duplicates."""

import pytest
from django.utils import timezone

from pbudget.demo import load_demo_data
from proposals.models import ProjectUpdate, Proposal, ProposalImage, ProposalStatus

pytestmark = pytest.mark.django_db


def test_given_the_demo_when_loaded_twice_then_every_status_exists_once(settings, tmp_path):
    now = timezone.now()
    load_demo_data(now=now)
    counts = (
        Proposal.objects.count(),
        ProposalImage.objects.count(),
        ProjectUpdate.objects.count(),
    )
    load_demo_data(now=now)
    assert counts == (
        Proposal.objects.count(),
        ProposalImage.objects.count(),
        ProjectUpdate.objects.count(),
    )
    assert set(Proposal.objects.values_list("status", flat=True)) == set(ProposalStatus.values)
    assert ProposalImage.objects.exists()
    for slug in ("budget-2024", "budget-2025"):
        # Later demo loaders (the ballots' tally) may fund more projects; ours have updates.
        delivered = Proposal.objects.funded().filter(cycle__slug=slug, updates__isnull=False)
        assert delivered.exists()
        assert {p.coordinator.email for p in delivered.distinct()} <= {
            "finance@demo.pbudget.local",
            "admin@demo.pbudget.local",
        }
    from pbudget.models import Cycle, District

    cycle = Cycle.objects.get(slug="budget-2026")
    for district in District.objects.all():
        on_ballot = Proposal.objects.on_ballot(cycle).filter(district=district).count()
        assert 3 <= on_ballot <= 8, district
