"""In Chromium: residents discuss, one reports, a moderator hides; common ground votes."""

import pytest

from deliberation import services
from deliberation.models import Comment, StatementVote
from pbudget import roles
from tests.deliberation.factories import make_activity, make_topic
from tests.factories import make_cycle, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONSENSUS = "Every child should reach a park in ten minutes."


def test_comment_reply_flag_hide_and_tombstone(page, sign_in_as, axe_check, live_server):
    cycle = make_cycle(phase="ideas", slug="green")
    topic = make_topic(cycle, title="More trees or more benches?")
    ana = make_user("ana@example.org")
    ben = make_user("ben@example.org")
    moderator = make_user("mo@example.org", roles=[roles.MODERATOR])

    # Ana comments, then replies to her own comment.
    sign_in_as(page, ana)
    page.goto(f"/discussion/topic/{topic.pk}/")
    axe_check(page)
    page.get_by_label("Your comment").fill("Trees first: **shade** matters in July.")
    page.get_by_role("button", name="Post comment").click()
    assert page.locator(".comment-body strong").inner_text() == "shade"
    page.get_by_text("Reply", exact=True).click()
    page.get_by_label("Your reply").fill("And benches under them later.")
    page.get_by_role("button", name="Post reply").click()
    assert (
        page.locator(".comment-replies").get_by_text("And benches under them later.").is_visible()
    )
    axe_check(page)
    first = Comment.objects.get(parent__isnull=True)

    # Ben reports the first comment.
    page.context.clear_cookies()
    sign_in_as(page, ben)
    page.goto(f"/discussion/topic/{topic.pk}/")
    page.locator(f"#comment-{first.pk} > article").get_by_role("link", name="Report").click()
    axe_check(page)
    page.get_by_label("Offensive or abusive").check()
    page.get_by_label("Details").fill("Not nice to people who like benches.")
    page.get_by_role("button", name="Send report").click()
    assert page.get_by_text("Moderators will look at your report").is_visible()

    # The moderator hides it with a public reason; the tombstone shows it.
    page.context.clear_cookies()
    sign_in_as(page, moderator)
    page.goto("/moderation/")
    axe_check(page)
    page.get_by_role("link", name="Comment: Trees first").click()
    assert page.get_by_text("Not nice to people who like benches.").is_visible()
    axe_check(page)
    page.get_by_label("Hide it, showing the reason in its place").check()
    page.get_by_label("Reason", exact=True).fill("Please argue about ideas, not people.")
    page.get_by_role("button", name="Apply").click()
    page.goto(f"/discussion/topic/{topic.pk}/")
    tombstone = page.locator(f"#comment-{first.pk} > article .tombstone")
    assert tombstone.inner_text() == (
        "Hidden by a moderator: Please argue about ideas, not people."
    )
    assert page.get_by_text("And benches under them later.").is_visible()
    page.goto("/moderation/log/")
    assert page.get_by_text("Please argue about ideas, not people.").is_visible()
    axe_check(page)


def test_resident_votes_and_the_report_shows_the_consensus(page, sign_in_as, axe_check):
    cycle = make_cycle(phase="ideas", slug="green")
    activity = make_activity(
        cycle, statements=["Close the road on Sundays.", "Turn parking into parks.", CONSENSUS]
    )
    first, second, common = activity.statements.order_by("pk")
    for i in range(10):
        voter = make_user(f"voter{i}@example.org")
        side = 1 if i < 5 else -1
        for statement, choice in ((first, side), (second, side), (common, 1)):
            StatementVote.objects.create(statement=statement, user=voter, choice=choice)
    resident = make_user("resident@example.org")

    sign_in_as(page, resident)
    page.goto(f"/common-ground/{activity.pk}/")
    axe_check(page)
    for statement, label in ((first, "Agree"), (second, "Disagree"), (common, "Agree")):
        row = page.locator(f"#statement-{statement.pk}")
        row.get_by_role("button", name=label, exact=True).click()
        page.locator(f"#statement-{statement.pk} button[aria-pressed='true']").wait_for()
    assert StatementVote.objects.filter(user=resident).count() == 3
    page.get_by_label("Your statement").fill("Parks need drinking fountains.")
    page.get_by_role("button", name="Add statement").click()
    assert page.get_by_text("Parks need drinking fountains.").is_visible()

    # Votes schedule the analysis (run at once in tests); the report shows the result.
    services.commonground_analyse(activity_id=activity.pk)
    page.goto(f"/common-ground/{activity.pk}/report/")
    consensus = page.locator("section", has=page.locator("#consensus-heading"))
    assert consensus.get_by_text(CONSENSUS).is_visible()
    assert page.get_by_text("Last computed at").is_visible()
    assert page.locator("svg.cg-scatter circle").count() == 11
    axe_check(page)


def test_a_proposal_page_loads_its_discussion_in_place(page, axe_check, live_server):
    """htmx fills the discussion into the proposal page; axe-core finds nothing wrong."""
    from deliberation.services import comment_create, proposal_topic
    from pbudget.models import District
    from proposals.models import Proposal, ProposalStatus

    cycle = make_cycle(phase="ideas", slug="talk")
    proposal = Proposal.objects.create(
        cycle=cycle,
        district=District.objects.get(slug="old-town"),
        author=make_user("author@example.org"),
        title="Shade trees",
        summary="Trees along the river walk.",
        description="Plant trees.",
        status=ProposalStatus.SUBMITTED,
    )
    comment_create(
        author=make_user("ana@example.org"),
        topic=proposal_topic(proposal=proposal),
        body="Which trees, and who waters them?",
        rate_limit=False,
    )
    page.goto(f"/proposals/{proposal.pk}/")
    assert page.get_by_role("heading", name="Discussion (1 comment)").is_visible()
    page.get_by_text("Which trees, and who waters them?").wait_for()
    axe_check(page)
