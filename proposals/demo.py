"""Demo proposals: every status, across districts and categories, with generated images.

Runs after the core demo data (districts, the five demo cycles, the demo users). Idempotent:
proposals are found again by (cycle, title), so a second run adds nothing twice.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from pbudget.models import Cycle, District, User
from proposals.markup import render_markdown
from proposals.models import (
    Category,
    DeliveryStatus,
    EventKind,
    Follow,
    ProjectUpdate,
    Proposal,
    ProposalEvent,
    ProposalStatus,
    Support,
)

CATEGORIES = [
    ("Parks", "parks"),
    ("Streets", "streets"),
    ("Culture", "culture"),
    ("Education", "education"),
    ("Sport", "sport"),
    ("Environment", "environment"),
]

# (title, summary, category slug, place, base cost)
IDEAS = [
    (
        "Shade trees along the river walk",
        "Plant 40 native trees so the walk is cool in summer.",
        "parks",
        "River walk, between the two bridges",
        38000,
    ),
    (
        "Safe crossing by the school",
        "A raised zebra crossing and lights in front of the school.",
        "streets",
        "Main Street at the primary school",
        52000,
    ),
    (
        "Open-air cinema nights",
        "Free summer films in the square, chosen by neighbours.",
        "culture",
        "Market Square",
        15000,
    ),
    (
        "Homework club in the library",
        "Volunteer tutors and a quiet room after school.",
        "education",
        "District library",
        22000,
    ),
    (
        "Outdoor gym in the park",
        "Six sturdy fitness stations for all ages.",
        "sport",
        "North corner of the park",
        30000,
    ),
    (
        "Community compost corner",
        "Bins and training so households can compost together.",
        "environment",
        "Behind the community centre",
        9000,
    ),
    (
        "Benches and a drinking fountain",
        "Rest stops for older residents on the long hill.",
        "streets",
        "Hill Road",
        18000,
    ),
    (
        "Mural on the underpass",
        "Local artists paint the grey underpass with residents.",
        "culture",
        "Station underpass",
        12000,
    ),
    (
        "Pollinator meadow",
        "Turn a mown lawn into a meadow full of flowers and bees.",
        "environment",
        "Old football pitch",
        7000,
    ),
    (
        "Basketball court repair",
        "New surface, hoops and lighting for the court.",
        "sport",
        "Youth centre court",
        41000,
    ),
    (
        "Reading garden for children",
        "Shaded seats and a book box next to the playground.",
        "parks",
        "Playground",
        16000,
    ),
    (
        "Coding workshops for seniors",
        "Weekly classes on phones, video calls and safety online.",
        "education",
        "Civic centre",
        11000,
    ),
]

DESCRIPTION = """{summary}

**Why:** neighbours asked for it at the district meeting, and it would help people of all ages.

- Where: {place}
- Who benefits: residents of {district} and visitors
- What it needs: materials, work by the city, and a few volunteers

Read more about similar projects on [the city's website](https://example.org/pb).
"""

COLOURS = ["#0b5a6b", "#b34700", "#1d6b34", "#6b3fa0", "#a4161a", "#7a4b00"]


def _image(seed: int, label: str) -> SimpleUploadedFile:
    """A small generated picture (no binary files in the repository)."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 400), COLOURS[seed % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 600), rng.randint(0, 360)
        size = rng.randint(20, 120)
        draw.ellipse((x, y, x + size, y + size), fill=COLOURS[rng.randint(0, 5)])
    draw.rectangle((0, 330, 640, 400), fill="#ffffff")
    draw.text((16, 350), label[:60], fill="#1b2430")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


def _categories() -> dict[str, Category]:
    result = {}
    for position, (name, slug) in enumerate(CATEGORIES):
        result[slug], _created = Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "position": position}
        )
    return result


def _event(proposal, actor, kind, from_status="", to_status="", note="", when=None):
    event = ProposalEvent.objects.create(
        proposal=proposal,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    if when is not None:
        ProposalEvent.objects.filter(pk=event.pk).update(created_at=when)
    return event


@transaction.atomic
def load(*, now) -> None:
    """Create the demo proposals (idempotent)."""
    from proposals.services import proposal_image_add

    categories = _categories()
    users = {
        u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="demo.pbudget.local")
    }
    authors = [users.get("resident"), users.get("neighbour")]
    authors = [a for a in authors if a is not None]
    if not authors:
        return
    reviewer = users.get("reviewer") or users.get("admin")
    coordinator = users.get("finance") or users.get("admin")
    districts = list(District.objects.order_by("-is_citywide", "position"))
    cycles = {
        c.slug: c
        for c in Cycle.objects.filter(
            slug__in=["green-2027", "streets-2027", "budget-2026", "budget-2025", "budget-2024"]
        )
    }
    counter = 0

    def make(cycle, district, index, status, *, cost_factor=1.0, images=0, supports=0, title=None):
        nonlocal counter
        counter += 1
        default_title, summary, category, place, base = IDEAS[index % len(IDEAS)]
        title = title or default_title
        if not district.is_citywide:
            title = f"{title} in {district.name}"
        else:
            title = f"{title} (city-wide)"
        existing = Proposal.objects.filter(cycle=cycle, title=title).first()
        if existing is not None:
            return existing, False
        author = authors[counter % len(authors)]
        cost = Decimal(round(base * cost_factor, -2))
        # Never in the future: the ideas phase of green-2027 opened only days ago.
        created = min(
            cycle.ideas_opens + timedelta(days=1 + index % 20, hours=index),
            now - timedelta(hours=6 + index),
        )
        description = DESCRIPTION.format(summary=summary, place=place, district=district.name)
        proposal = Proposal.objects.create(
            cycle=cycle,
            district=district,
            author=author,
            title=title,
            summary=summary,
            description=description,
            description_html=render_markdown(description),
            category=categories[category],
            place=f"{place}, {district.name}",
            latitude=Decimal("40.41") + Decimal(counter) / 1000,
            longitude=Decimal("-3.70") - Decimal(counter) / 1000,
            estimated_cost=cost,
            status=ProposalStatus.DRAFT,
        )
        Proposal.objects.filter(pk=proposal.pk).update(created_at=created)
        proposal.created_at = created  # the later save() writes it back
        Follow.objects.get_or_create(proposal=proposal, user=author)
        _event(proposal, author, EventKind.CREATED, to_status=ProposalStatus.DRAFT, when=created)
        for number in range(images):
            proposal_image_add(
                proposal=proposal,
                upload=_image(counter * 7 + number, title),
                alt_text=f"Drawing of the idea: {title}"
                if number == 0
                else f"The place today: {place}",
            )
        if status == ProposalStatus.DRAFT:
            return proposal, True
        proposal.status = ProposalStatus.SUBMITTED
        proposal.submitted_at = min(created + timedelta(hours=2), now)
        _event(
            proposal,
            author,
            EventKind.SUBMITTED,
            ProposalStatus.DRAFT,
            ProposalStatus.SUBMITTED,
            when=proposal.submitted_at,
        )
        supporters = list(users.values())[:supports]
        Support.objects.bulk_create(
            [Support(proposal=proposal, user=u) for u in supporters], ignore_conflicts=True
        )
        proposal.support_count = Support.objects.filter(proposal=proposal).count()
        reviewed_at = min(cycle.review_opens + timedelta(days=3), now)
        if status in (
            ProposalStatus.FEASIBLE,
            ProposalStatus.SELECTED,
            ProposalStatus.NOT_SELECTED,
        ):
            proposal.status = ProposalStatus.FEASIBLE
            proposal.official_cost = (cost * Decimal("1.1")).quantize(Decimal("1"))
            proposal.feasibility_explanation = (
                "The city can do this. The cost includes design, works and three years of upkeep."
            )
            proposal.department = (
                "Public Works" if category in ("streets", "parks") else "Community Services"
            )
            proposal.program = f"PB {cycle.fiscal_year}"
            proposal.account_code = f"PB-{cycle.fiscal_year}-{counter:04d}"
            proposal.internal_notes = "Checked with the district engineer."
            _event(
                proposal,
                reviewer,
                EventKind.REVIEWED,
                ProposalStatus.SUBMITTED,
                ProposalStatus.FEASIBLE,
                proposal.feasibility_explanation,
                when=reviewed_at,
            )
        elif status == ProposalStatus.NOT_FEASIBLE:
            proposal.status = status
            proposal.feasibility_explanation = (
                "The land belongs to the regional government, so the city cannot build there."
            )
            _event(
                proposal,
                reviewer,
                EventKind.REVIEWED,
                ProposalStatus.SUBMITTED,
                status,
                proposal.feasibility_explanation,
                when=reviewed_at,
            )
        elif status == ProposalStatus.WITHDRAWN:
            proposal.status = status
            _event(
                proposal,
                author,
                EventKind.WITHDRAWN,
                ProposalStatus.SUBMITTED,
                status,
                "I will propose it again next year with more detail.",
                when=reviewed_at,
            )
        if status in (ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED):
            proposal.status = status
            _event(
                proposal,
                None,
                EventKind.STATUS,
                ProposalStatus.FEASIBLE,
                status,
                when=cycle.voting_closes + timedelta(hours=1),
            )
        proposal.save()
        return proposal, True

    plan_by_cycle = {
        # ideas phase: drafts, submitted with supports, one withdrawn
        "green-2027": [
            ProposalStatus.SUBMITTED,
            ProposalStatus.SUBMITTED,
            ProposalStatus.DRAFT,
            ProposalStatus.WITHDRAWN,
        ],
        # review phase: waiting, feasible, not feasible (+ a merged pair below)
        "streets-2027": [
            ProposalStatus.SUBMITTED,
            ProposalStatus.FEASIBLE,
            ProposalStatus.NOT_FEASIBLE,
        ],
        # voting: 3-8 feasible costed proposals per district make the ballot
        "budget-2026": None,
        "budget-2025": [
            ProposalStatus.SELECTED,
            ProposalStatus.NOT_SELECTED,
            ProposalStatus.SELECTED,
            ProposalStatus.NOT_FEASIBLE,
        ],
        "budget-2024": [
            ProposalStatus.SELECTED,
            ProposalStatus.SELECTED,
            ProposalStatus.NOT_SELECTED,
        ],
    }
    for slug, plan in plan_by_cycle.items():
        cycle = cycles.get(slug)
        if cycle is None:
            continue
        for d_index, district in enumerate(districts):
            statuses = plan or [ProposalStatus.FEASIBLE] * (3 + (d_index * 2) % 6)
            factor = 1.0 if not district.is_citywide else 2.5
            for s_index, status in enumerate(statuses):
                index = d_index * 3 + s_index
                proposal, created = make(
                    cycle,
                    district,
                    index,
                    status,
                    cost_factor=factor,
                    images=(1 if s_index % 2 == 0 else 0)
                    + (1 if s_index == 0 and d_index < 2 else 0),
                    supports=(s_index * 3 + d_index) % 8,
                )
                if created and proposal.status == ProposalStatus.SELECTED:
                    _deliver(proposal, cycle, coordinator, d_index + s_index, now)
        if slug == "streets-2027":
            _merged_pair(cycle, districts[min(1, len(districts) - 1)], make, reviewer)


def _merged_pair(cycle, district, make, reviewer) -> None:
    """Two proposals asking for the same thing; the second merged into the first."""
    kept, _created = make(cycle, district, 6, ProposalStatus.SUBMITTED, supports=4)
    duplicate, created = make(
        cycle,
        district,
        6,
        ProposalStatus.SUBMITTED,
        supports=3,
        title="Somewhere to sit on Hill Road",
    )
    if not created or duplicate.pk == kept.pk:
        return
    already = Support.objects.filter(proposal=kept).values("user_id")
    Support.objects.filter(proposal=duplicate, user_id__in=already).delete()
    Support.objects.filter(proposal=duplicate).update(proposal=kept)
    Proposal.objects.filter(pk=kept.pk).update(
        support_count=Support.objects.filter(proposal=kept).count()
    )
    duplicate.status = ProposalStatus.MERGED
    duplicate.merged_into = kept
    duplicate.support_count = 0
    duplicate.save()
    note = "Both ask for benches and a fountain on the same street."
    _event(
        duplicate, reviewer, EventKind.MERGED, ProposalStatus.SUBMITTED, ProposalStatus.MERGED, note
    )
    ProposalEvent.objects.create(
        proposal=kept, actor=reviewer, kind=EventKind.ABSORBED, note=note, related=duplicate
    )


def _noon(day):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(12)))


def _deliver(proposal, cycle, coordinator, seed: int, now) -> None:
    """Give a funded demo project a coordinator and a few dated delivery updates."""
    proposal.coordinator = coordinator
    start = cycle.implementation_opens.date()
    steps = [
        (DeliveryStatus.PLANNED, 0, "Design agreed with neighbours at the district meeting."),
        (DeliveryStatus.IN_PROGRESS, 40, "Works started; the area is fenced off for four weeks."),
    ]
    if cycle.slug == "budget-2024":
        steps.append((DeliveryStatus.IN_PROGRESS, 75, "Main works done; finishing touches next."))
        if seed % 2 == 0:
            steps.append(
                (DeliveryStatus.COMPLETED, 100, "Finished and opened with a neighbourhood party.")
            )
    for number, (status, progress, text) in enumerate(steps):
        on = min(start + timedelta(days=20 * number + 5), now.date())
        update = ProjectUpdate.objects.create(
            proposal=proposal,
            author=coordinator,
            date=on,
            text=text,
            delivery_status=status,
            progress=progress,
            photo_alt="Photo of the works" if number == 1 else "",
        )
        if number == 1:
            from proposals.images import clean_image

            content = clean_image(_image(seed + 50, proposal.title))
            update.photo.save(content.name, content, save=True)
        ProposalEvent.objects.create(
            proposal=proposal, actor=coordinator, kind=EventKind.DELIVERY, note=text
        )
        proposal.delivery_status = status
        proposal.progress = progress
        if status == DeliveryStatus.IN_PROGRESS and proposal.starts_on is None:
            proposal.starts_on = on
        if status == DeliveryStatus.COMPLETED:
            proposal.ends_on = on
    proposal.save()
