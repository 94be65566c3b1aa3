"""The proposal pages: list, search, detail, form, supports without and with htmx, review."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pbudget import registry
from pbudget.models import District
from proposals.models import Follow, Proposal, ProposalImage, ProposalStatus, Support
from tests.factories import make_cycle, make_user, staff_login
from tests.proposals.factories import image_upload, make_category, make_proposal

pytestmark = pytest.mark.django_db


def _titles(response) -> list[str]:
    return [p.title for p in response.context["proposals"]]


# List ---------------------------------------------------------------------------------


def test_given_proposals_when_searching_english_or_spanish_then_stemmed_matches_rank_first(
    client, ideas_cycle
):
    make_proposal(cycle=ideas_cycle, title="Shade trees for the river walk")
    make_proposal(
        cycle=ideas_cycle, title="A new bench", summary="Near the trees", description="Quiet."
    )
    make_proposal(cycle=ideas_cycle, title="Árboles para la plaza", summary="Sombra en verano")
    make_proposal(cycle=ideas_cycle, title="Bike lanes", summary="Safer cycling")

    response = client.get(reverse("proposals:list"), {"q": "tree"})
    assert _titles(response) == ["Shade trees for the river walk", "A new bench"]
    response = client.get(reverse("proposals:list"), {"q": "árbol"})
    assert _titles(response) == ["Árboles para la plaza"]


def test_given_filters_when_listing_then_only_matching_public_proposals_show(client, ideas_cycle):
    riverside = District.objects.create(name="Riverside", slug="riverside")
    sport = make_category("Sport")
    make_proposal(cycle=ideas_cycle, title="Old Town park")
    make_proposal(cycle=ideas_cycle, title="Riverside gym", district=riverside, category=sport)
    make_proposal(cycle=ideas_cycle, title="Secret draft", status=ProposalStatus.DRAFT)
    review = make_cycle(phase="review", slug="rev")
    make_proposal(cycle=review, title="Feasible one", status=ProposalStatus.FEASIBLE)

    url = reverse("proposals:list")
    assert "Secret draft" not in _titles(client.get(url))
    assert _titles(client.get(url, {"district": "riverside"})) == ["Riverside gym"]
    assert _titles(client.get(url, {"category": "sport"})) == ["Riverside gym"]
    assert _titles(client.get(url, {"status": "feasible"})) == ["Feasible one"]
    assert _titles(client.get(url, {"phase": "review"})) == ["Feasible one"]
    assert _titles(client.get(url, {"cycle": "rev"})) == ["Feasible one"]
    assert _titles(client.get(url, {"status": "draft"})) != ["Secret draft"]


def test_given_proposals_when_sorted_then_order_follows_supports_or_cost(client, ideas_cycle):
    make_proposal(cycle=ideas_cycle, title="Cheap", estimated_cost=Decimal("100"))
    make_proposal(
        cycle=ideas_cycle, title="Popular", estimated_cost=Decimal("5000"), support_count=9
    )
    make_proposal(cycle=ideas_cycle, title="Dear", estimated_cost=Decimal("90000"))
    url = reverse("proposals:list")
    assert _titles(client.get(url, {"sort": "supports"}))[0] == "Popular"
    assert _titles(client.get(url, {"sort": "cost_low"})) == ["Cheap", "Popular", "Dear"]
    assert _titles(client.get(url, {"sort": "cost_high"})) == ["Dear", "Popular", "Cheap"]
    assert _titles(client.get(url, {"sort": "newest"}))[0] == "Dear"


def test_given_many_proposals_when_paging_then_pages_hold_the_chosen_size(client, ideas_cycle):
    for number in range(25):
        make_proposal(cycle=ideas_cycle, title=f"Idea {number}")
    url = reverse("proposals:list")
    first = client.get(url)
    assert len(first.context["proposals"]) == 20
    second = client.get(url, {"page": 2})
    assert len(second.context["proposals"]) == 5
    assert len(client.get(url, {"per_page": 10}).context["proposals"]) == 10
    assert 'rel="next"' in first.content.decode()


def test_given_an_extras_provider_then_its_html_shows_next_to_the_cost(client, ideas_cycle):
    proposal = make_proposal(cycle=ideas_cycle)
    calls = []

    def provider(proposals, place):
        calls.append(place)
        return {p.pk: "<em>+ 6,200 EUR in residents' time</em>" for p in proposals}

    registry.add_proposal_extra(provider)
    try:
        assert "<em>+ 6,200 EUR" in client.get(reverse("proposals:list")).content.decode()
        html = client.get(proposal.get_absolute_url()).content.decode()
        assert "<em>+ 6,200 EUR in residents" in html
    finally:
        registry.PROPOSAL_EXTRAS.remove(provider)
    assert calls == ["list", "detail"]


@pytest.mark.slow
def test_given_5000_proposals_then_the_list_runs_the_same_few_queries_at_any_page_size(
    client, ideas_cycle, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    author = make_user("many@example.org")
    category = make_category()
    district = District.objects.get(slug="old-town")
    Proposal.objects.bulk_create(
        [
            Proposal(
                cycle=ideas_cycle,
                district=district,
                category=category,
                author=author,
                title=f"Idea number {number} for trees",
                summary="Shade",
                description="Trees",
                status=ProposalStatus.SUBMITTED,
                estimated_cost=Decimal(number),
                support_count=number % 50,
            )
            for number in range(5000)
        ],
        batch_size=1000,
    )
    first = Proposal.objects.order_by("pk")[:3]
    for proposal in first:
        ProposalImage.objects.create(
            proposal=proposal, image="x.jpg", alt_text="x", position=0, width=8, height=6
        )
    client.force_login(make_user("reader@example.org"))
    counts = {}
    for size in (10, 100):
        for params in ({}, {"q": "trees", "sort": "supports"}, {"district": "old-town"}):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("proposals:list"), {"per_page": size, **params})
            assert response.status_code == 200
            # Other test runs share Redis and may flush the session cache: not ours to count.
            counts[(size, tuple(params))] = len(
                [q for q in queries.captured_queries if "django_session" not in q["sql"]]
            )
    assert len(set(counts.values())) == 1, counts
    # Ours: session, user, staff check (3), filters (3), count, page, images, supports;
    # each registered extras provider (e.g. coproduction's in-kind value) may add two.
    with django_assert_max_num_queries(12 + 2 * len(registry.PROPOSAL_EXTRAS)):
        client.get(reverse("proposals:list"), {"per_page": 100, "sort": "cost_high"})


# Detail -------------------------------------------------------------------------------


def test_given_a_reviewed_proposal_then_its_page_shows_the_answer_and_history_not_notes(
    client, review_cycle, reviewer
):
    from proposals import services

    author = make_user("ana@example.org")
    author.display_name = "Ana"
    author.save()
    proposal = make_proposal(cycle=review_cycle, author=author, place="Fountain square")
    services.proposal_review(
        proposal=proposal,
        reviewer=reviewer,
        is_feasible=False,
        explanation="The square is being rebuilt next year.",
        internal_notes="Councillor X dislikes this.",
    )
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Proposed by Ana" in html
    assert "The square is being rebuilt next year." in html
    assert "Councillor X" not in html
    assert "Not feasible" in html
    assert "Fountain square" in html
    assert "ana@example.org" not in html


def test_given_a_hidden_proposal_then_the_moderators_reason_replaces_it(client, ideas_cycle):
    proposal = make_proposal(
        cycle=ideas_cycle, title="Rude title", is_hidden=True, hidden_reason="Insults."
    )
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Insults." in html and "Rude title" not in html
    assert "Rude title" not in client.get(reverse("proposals:list")).content.decode()


def test_given_no_javascript_when_supporting_then_a_plain_post_redirects_back(
    client, ideas_cycle, neighbour
):
    proposal = make_proposal(cycle=ideas_cycle)
    client.force_login(neighbour)
    url = reverse("proposals:support", args=[proposal.pk])
    response = client.post(url, {"action": "add"})
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "1 support" in page and "Take back my support" in page
    client.post(url, {"action": "add"})  # a double click does not count twice
    assert Proposal.objects.get(pk=proposal.pk).support_count == 1
    client.post(url, {"action": "remove"})
    assert Proposal.objects.get(pk=proposal.pk).support_count == 0


def test_given_htmx_when_supporting_then_only_the_support_block_comes_back(
    client, ideas_cycle, neighbour
):
    proposal = make_proposal(cycle=ideas_cycle)
    client.force_login(neighbour)
    response = client.post(
        reverse("proposals:support", args=[proposal.pk]), {"action": "add"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="support-block"')
    assert "1 support" in html and 'value="remove"' in html
    assert "<html" not in html


def test_given_a_resident_when_following_then_status_changes_reach_them(
    client, ideas_cycle, neighbour
):
    proposal = make_proposal(cycle=ideas_cycle)
    client.force_login(neighbour)
    client.post(reverse("proposals:follow", args=[proposal.pk]), {"action": "follow"})
    assert Follow.objects.filter(proposal=proposal, user=neighbour).exists()
    assert "Stop following" in client.get(proposal.get_absolute_url()).content.decode()
    client.post(reverse("proposals:follow", args=[proposal.pk]), {"action": "unfollow"})
    assert not Follow.objects.filter(proposal=proposal, user=neighbour).exists()


# Form ---------------------------------------------------------------------------------


def _post_data(**overrides):
    data = {
        "title": "Benches on Hill Road",
        "summary": "Somewhere to rest on the way up.",
        "description": "Three benches.",
        "category": str(make_category().pk),
        "district": str(District.objects.get(slug="old-town").pk),
        "place": "Hill Road",
        "latitude": "40.416775",
        "longitude": "-3.703790",
        "estimated_cost": "4500",
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_given_a_complete_form_with_an_image_when_submitted_then_it_is_public(
    client, ideas_cycle, author
):
    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    data = _post_data(image_1=image_upload("bench.jpg"), alt_1="A drawing of a bench")
    response = client.post(url, data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.author == author
    assert proposal.latitude == Decimal("40.416775")
    assert proposal.images.get().alt_text == "A drawing of a bench"


def test_given_a_failed_submission_then_everything_typed_and_the_image_are_kept(
    client, ideas_cycle, author
):
    import re

    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    data = _post_data(summary="", image_1=image_upload("bench.jpg"), alt_1="A drawing of a bench")
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert not Proposal.objects.exists()
    assert 'value="Benches on Hill Road"' in html
    assert "Three benches." in html
    assert 'value="A drawing of a bench"' in html
    assert "“bench.jpg” is kept from your last try" in html
    assert 'aria-invalid="true"' in html
    token = re.search(r'name="held_1" value="([^"]+)"', html).group(1)

    # The next try sends no file: the held image is used.
    data = _post_data(held_1=token, alt_1="A drawing of a bench")
    response = client.post(url, data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert proposal.images.get().alt_text == "A drawing of a bench"


def test_given_a_held_image_of_someone_else_then_it_is_not_used(client, ideas_cycle, author):
    from proposals import pending

    other = make_user("other@example.org")
    held = pending.hold(image_upload("theirs.jpg"), user=other)
    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    client.post(url, _post_data(held_1=held["token"], alt_1="Stolen"))
    assert not ProposalImage.objects.exists()


def test_given_an_unreadable_image_and_an_error_then_the_form_names_it_to_attach_again(
    client, ideas_cycle, author
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    fake = SimpleUploadedFile("notes.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url, _post_data(summary="", image_1=fake, alt_1="x"))
    html = response.content.decode()
    assert "could not be kept" in html and "notes.jpg" in html


def test_given_an_image_without_description_then_the_form_asks_for_it(client, ideas_cycle, author):
    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    response = client.post(url, _post_data(image_1=image_upload("bench.jpg"), alt_1=""))
    assert response.status_code == 400
    assert "Describe what the image shows" in response.content.decode()


def test_given_a_fake_image_then_the_form_says_which_file_is_wrong(client, ideas_cycle, author):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    fake = SimpleUploadedFile("notes.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(url, _post_data(image_1=fake, alt_1="x"))
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_given_a_draft_then_preview_shows_it_only_to_the_author_and_submit_publishes(
    client, ideas_cycle, author, neighbour
):
    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    response = client.post(url, _post_data(summary="", description="", action="preview"))
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.DRAFT
    assert response.url == proposal.get_absolute_url()
    preview = client.get(proposal.get_absolute_url()).content.decode()
    assert "only you can see it" in preview
    # Incomplete: submitting sends the author back to the form with the reason.
    response = client.post(reverse("proposals:submit", args=[proposal.pk]))
    assert response.url == reverse("proposals:edit", args=[proposal.pk]) + "?check=submit"
    marked = client.get(response.url).content.decode()
    assert marked.count('class="errorlist"') >= 2  # the summary and the description
    client.post(reverse("proposals:edit", args=[proposal.pk]), _post_data(action="draft"))
    client.force_login(neighbour)
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(author)
    client.post(reverse("proposals:submit", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    client.force_login(neighbour)
    assert client.get(proposal.get_absolute_url()).status_code == 200


def test_given_an_edit_then_images_can_be_removed_and_descriptions_changed(
    client, ideas_cycle, author
):
    from proposals import services

    proposal = make_proposal(cycle=ideas_cycle, author=author)
    image = services.proposal_image_add(
        proposal=proposal, upload=image_upload(), alt_text="Old text"
    )
    second = services.proposal_image_add(proposal=proposal, upload=image_upload(), alt_text="Gone")
    client.force_login(author)
    response = client.post(
        reverse("proposals:edit", args=[proposal.pk]),
        _post_data(
            action="save",
            **{f"alt_existing_{image.pk}": "New text", f"alt_existing_{second.pk}": "Gone",
               f"remove_{second.pk}": "on"},
        ),
    )  # fmt: skip
    assert response.status_code == 302
    assert list(proposal.images.values_list("alt_text", flat=True)) == ["New text"]
    assert proposal.events.filter(kind="edited").exists()


# Review -------------------------------------------------------------------------------


def test_given_the_review_queue_then_filters_narrow_it(reviewer_client, review_cycle):
    riverside = District.objects.create(name="Riverside", slug="riverside")
    make_proposal(cycle=review_cycle, title="Old Town idea")
    make_proposal(cycle=review_cycle, title="Riverside idea", district=riverside)
    make_proposal(cycle=review_cycle, title="Done", status=ProposalStatus.FEASIBLE)
    url = reverse("proposals:review_queue")
    titles = lambda r: [p.title for p in r.context["page"]]  # noqa: E731
    assert sorted(titles(reviewer_client.get(url))) == ["Old Town idea", "Riverside idea"]
    assert titles(reviewer_client.get(url, {"district": "riverside"})) == ["Riverside idea"]
    assert titles(reviewer_client.get(url, {"status": "feasible"})) == ["Done"]
    assert len(titles(reviewer_client.get(url, {"status": "all"}))) == 3


def test_given_not_feasible_without_explanation_then_the_review_form_says_so(
    reviewer_client, review_cycle
):
    proposal = make_proposal(cycle=review_cycle)
    response = reviewer_client.post(
        reverse("proposals:review", args=[proposal.pk]),
        {"decision": "not_feasible", "internal_notes": "keep me"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Explain to the public why" in html
    assert "keep me" in html


def test_given_a_merge_on_the_review_page_then_supports_move(reviewer_client, review_cycle):
    kept = make_proposal(cycle=review_cycle, title="Kept")
    duplicate = make_proposal(cycle=review_cycle, title="Duplicate")
    resident = make_user("r@example.org")
    Support.objects.create(proposal=duplicate, user=resident)
    response = reviewer_client.post(
        reverse("proposals:merge", args=[duplicate.pk]), {"into": kept.pk, "note": "Same."}
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.support_count == 1
    page = reviewer_client.get(duplicate.get_absolute_url()).content.decode()
    assert "merged into" in page


def test_given_a_funded_project_then_its_page_shows_delivery_and_updates(client, db):
    from datetime import date

    from proposals import services

    cycle = make_cycle(phase="implementation", slug="impl")
    project = make_proposal(cycle=cycle, status=ProposalStatus.SELECTED, title="Trees")
    admin = make_user("admin@example.org", roles=["administrator"])
    services.project_update_post(
        proposal=project,
        author=admin,
        text="Planting day set.",
        on=date(2027, 2, 1),
        delivery_status="in_progress",
        progress=25,
        photo=image_upload("site.jpg"),
        photo_alt="The empty plot",
    )
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Delivery of the project" in html
    assert "Planting day set." in html
    assert 'alt="The empty plot"' in html
    assert 'value="25"' in html
    assert "Trees" in client.get(reverse("proposals:project_list")).content.decode()
    staff_login(client, admin)
    assert "Post a delivery update" in client.get(project.get_absolute_url()).content.decode()


# Navigation ---------------------------------------------------------------------------


def test_given_no_cycle_chosen_then_the_resident_picks_one_or_hears_none_is_open(client, author):
    client.force_login(author)
    response = client.get(reverse("proposals:create"))
    assert "No cycle is collecting ideas right now" in response.content.decode()
    make_cycle(phase="ideas", slug="first-ideas")
    make_cycle(phase="ideas", slug="second-ideas")
    html = client.get(reverse("proposals:create")).content.decode()
    assert "?cycle=first-ideas" in html and "?cycle=second-ideas" in html


def test_given_a_reviewer_then_nav_and_staff_page_lead_to_the_review_queue(
    reviewer_client, review_cycle
):
    html = reviewer_client.get(reverse("staff_home")).content.decode()
    assert reverse("proposals:review_queue") in html
    assert reverse("proposals:list") in html  # the navigation link


def test_given_a_hidden_proposal_then_it_gathers_no_supports(client, ideas_cycle, neighbour):
    proposal = make_proposal(cycle=ideas_cycle, is_hidden=True, hidden_reason="Spam.")
    client.force_login(neighbour)
    response = client.post(reverse("proposals:support", args=[proposal.pk]), {"action": "add"})
    assert response.status_code == 403
    assert not Support.objects.exists()


def test_the_projects_page_filters_by_cycle_district_and_stage_and_shows_the_latest_update(
    client, django_assert_max_num_queries
):
    from datetime import date

    from pbudget.models import District
    from proposals import services
    from proposals.models import DeliveryStatus
    from tests.factories import make_cycle, make_user
    from tests.proposals.factories import make_proposal

    old = make_cycle(phase="implementation", slug="old-cycle", name="Old cycle")
    new = make_cycle(phase="implementation", slug="new-cycle", name="New cycle")
    riverside = District.objects.create(name="Riverside", slug="riverside")
    admin = make_user("admin@example.org", roles=["administrator"])
    trees = make_proposal(cycle=old, title="Trees", status=ProposalStatus.SELECTED)
    make_proposal(cycle=new, title="Benches", status=ProposalStatus.SELECTED, district=riverside)
    make_proposal(cycle=new, title="Lamps", status=ProposalStatus.NOT_SELECTED)
    services.project_update_post(
        proposal=trees, author=admin, text="Planting day set for February.",
        on=date(2027, 2, 1), delivery_status=DeliveryStatus.IN_PROGRESS, progress=25,
    )  # fmt: skip
    url = reverse("proposals:project_list")

    everything = client.get(url).content.decode()
    assert "Trees" in everything and "Benches" in everything and "Lamps" not in everything
    assert "Planting day set for February." in everything
    assert 'value="25"' in everything  # the progress bar
    for query, shown, hidden in [
        ({"cycle": "old-cycle"}, "Trees", "Benches"),
        ({"district": "riverside"}, "Benches", "Trees"),
        ({"status": DeliveryStatus.IN_PROGRESS}, "Trees", "Benches"),
    ]:
        with django_assert_max_num_queries(8):
            html = client.get(url, query).content.decode()
        assert f">{shown}</a>" in html and f">{hidden}</a>" not in html, query
    nothing = client.get(url, {"cycle": "old-cycle", "district": "riverside"}).content.decode()
    assert "No funded project matches these filters." in nothing


def test_given_a_draft_without_a_category_when_submitted_then_the_form_marks_the_category(
    client, ideas_cycle, author
):
    client.force_login(author)
    url = reverse("proposals:create") + "?cycle=ideas-cycle"
    client.post(url, _post_data(category="", action="draft"))
    draft = Proposal.objects.get()
    response = client.post(reverse("proposals:submit", args=[draft.pk]), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?check=submit")
    assert "complete the marked fields and submit it" in html
    category = html.split('<label for="id_category">')[0].rsplit("<div", 1)[1]
    assert "has-error" in category
    assert 'aria-invalid="true"' in html.split('id="id_category"')[0].rsplit("<select", 1)[1]
    assert 'value="Benches on Hill Road"' in html  # what was saved is kept
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.DRAFT
