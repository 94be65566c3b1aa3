"""Reads of proposals: the searchable, filterable list and the pieces of a proposal page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pbudget.models import Phase
from proposals.models import (
    Follow,
    ProjectUpdate,
    Proposal,
    ProposalEvent,
    ProposalImage,
    ProposalStatus,
    Support,
)

SORTS = {
    "newest": ["-created_at", "-pk"],
    "supports": ["-support_count", "-created_at", "-pk"],
    "cost_low": [F("cost").asc(nulls_last=True), "-pk"],
    "cost_high": [F("cost").desc(nulls_last=True), "-pk"],
}
SEARCH_CONFIGS = ("english", "spanish")


@dataclass(frozen=True)
class ProposalFilters:
    """What a visitor asked the list for; empty strings mean "any"."""

    q: str = ""
    cycle: str = ""  # slug
    district: str = ""  # slug
    category: str = ""  # slug
    status: str = ""
    phase: str = ""
    sort: str = ""


def phase_q(phase: str, now=None) -> Q:
    """Proposals whose cycle is in ``phase`` now (phases are derived from dates)."""
    now = now or timezone.now()
    bounds = {
        Phase.UPCOMING: Q(cycle__ideas_opens__gt=now),
        Phase.IDEAS: Q(cycle__ideas_opens__lte=now, cycle__review_opens__gt=now),
        Phase.REVIEW: Q(cycle__review_opens__lte=now, cycle__voting_opens__gt=now),
        Phase.VOTING: Q(cycle__voting_opens__lte=now, cycle__voting_closes__gt=now),
        Phase.RESULTS: Q(cycle__voting_closes__lte=now, cycle__implementation_opens__gt=now),
        Phase.IMPLEMENTATION: Q(cycle__implementation_opens__lte=now),
    }
    return bounds.get(phase, Q())


def search_query(text: str) -> SearchQuery:
    """A web-style query ("quoted phrases", -not, or) stemmed in English or Spanish."""
    query = SearchQuery(text, config=SEARCH_CONFIGS[0], search_type="websearch")
    for config in SEARCH_CONFIGS[1:]:
        query |= SearchQuery(text, config=config, search_type="websearch")
    return query


def proposal_list(filters: ProposalFilters) -> QuerySet[Proposal]:
    """Public proposals matching ``filters``, ranked by relevance when searching.

    One query for the page (plus one for the images of the page's proposals), whatever
    the page size.
    """
    queryset = (
        Proposal.objects.public()
        .filter(cycle__is_published=True)
        .select_related("cycle", "district", "category", "author")
        .annotate(cost=Coalesce("official_cost", "estimated_cost"))
        .prefetch_related(
            Prefetch(
                "images",
                queryset=ProposalImage.objects.filter(position=0),
                to_attr="cover_images",
            )
        )
    )
    if filters.cycle:
        queryset = queryset.filter(cycle__slug=filters.cycle)
    if filters.district:
        queryset = queryset.filter(district__slug=filters.district)
    if filters.category:
        queryset = queryset.filter(category__slug=filters.category)
    if filters.status in ProposalStatus.values and filters.status != ProposalStatus.DRAFT:
        queryset = queryset.filter(status=filters.status)
    if filters.phase in Phase.values:
        queryset = queryset.filter(phase_q(filters.phase))
    order = SORTS.get(filters.sort)
    if filters.q.strip():
        query = search_query(filters.q.strip())
        queryset = queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
        order = order or ["-rank", "-pk"]
    return queryset.order_by(*(order or SORTS["newest"]))


def supported_ids(user, proposals) -> set[int]:
    """The pks among ``proposals`` that ``user`` supports (one query)."""
    if not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(user=user, proposal__in=[p.pk for p in proposals]).values_list(
            "proposal_id", flat=True
        )
    )


def proposal_detail(pk: int) -> Proposal:
    """A proposal with what its page shows, fetched in a few queries."""
    return (
        Proposal.objects.select_related(
            "cycle", "district", "category", "author", "merged_into", "coordinator"
        )
        .prefetch_related(
            "images",
            Prefetch(
                "events",
                queryset=ProposalEvent.objects.select_related("actor", "related"),
            ),
            Prefetch(
                "merged_proposals", queryset=Proposal.objects.only("pk", "title", "merged_into")
            ),
            "updates__author",
        )
        .get(pk=pk)
    )


def is_following(user, proposal: Proposal) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, proposal=proposal).exists()


def is_supporting(user, proposal: Proposal) -> bool:
    return user.is_authenticated and Support.objects.filter(user=user, proposal=proposal).exists()


def review_queue(
    *, cycle=None, district: str = "", category: str = "", status: str = "", q: str = ""
) -> QuerySet[Proposal]:
    """Proposals of cycles in their review phase, oldest submission first."""
    statuses = [ProposalStatus.SUBMITTED, ProposalStatus.FEASIBLE, ProposalStatus.NOT_FEASIBLE]
    queryset = (
        Proposal.objects.filter(phase_q(Phase.REVIEW), status__in=statuses)
        .select_related("cycle", "district", "category", "author")
        .order_by("submitted_at", "pk")
    )
    if cycle is not None:
        queryset = queryset.filter(cycle=cycle)
    if district:
        queryset = queryset.filter(district__slug=district)
    if category:
        queryset = queryset.filter(category__slug=category)
    if status in statuses:
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status=ProposalStatus.SUBMITTED) if status == "" else queryset
    if q.strip():
        queryset = queryset.filter(search_vector=search_query(q.strip()))
    return queryset


def project_list(*, cycle: str = "", district: str = "", status: str = "") -> QuerySet[Proposal]:
    """Funded projects of published cycles, filtered by cycle and district slug and delivery
    status, each with its first image and latest update: three queries for a page."""
    latest = ProjectUpdate.objects.filter(proposal=OuterRef("pk")).order_by("-date", "-pk")
    projects = (
        Proposal.objects.funded()
        .filter(cycle__is_published=True)
        .select_related("cycle", "district", "category")
        .prefetch_related(Prefetch("images", queryset=ProposalImage.objects.filter(position=0)))
        .annotate(
            latest_update_on=Subquery(latest.values("date")[:1]),
            latest_update_text=Subquery(latest.values("text")[:1]),
        )
        .order_by("-cycle__fiscal_year", "district__position", "title")
    )
    if cycle:
        projects = projects.filter(cycle__slug=cycle)
    if district:
        projects = projects.filter(district__slug=district)
    if status:
        projects = projects.filter(delivery_status=status)
    return projects
