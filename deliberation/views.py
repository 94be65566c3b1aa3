"""Pages of deliberation: forums, discussions, flags, moderation, common ground."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deliberation import selectors, services
from deliberation.forms import (
    CommentEditForm,
    CommentForm,
    CommonGroundForm,
    FlagForm,
    LiftForm,
    ModerationForm,
    StatementForm,
    TopicForm,
)
from deliberation.models import (
    Comment,
    CommonGround,
    Flag,
    ModerationLog,
    Statement,
    StatementVote,
    Suspension,
    Topic,
    TopicKind,
    VoteChoice,
)
from pbudget.mfa import staff_page
from pbudget.models import Cycle
from proposals.models import Proposal

ORDER_LABELS = [
    ("newest", gettext_lazy("Newest")),
    ("oldest", gettext_lazy("Oldest")),
    ("helpful", gettext_lazy("Most helpful")),
]


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _why_not_post(request) -> str:
    """Tell a signed-in user why they cannot post (for the place of the form)."""
    from pbudget.predicates import is_verified_email

    user = request.user
    if not user.is_authenticated:
        return ""
    if not is_verified_email(user):
        return _("Confirm your e-mail address to take part in the discussion.")
    suspension = selectors.active_suspension(user)
    if suspension is not None:
        return _("Your account is suspended: you can read and vote, but not post or report.")
    return _("This discussion is closed for new comments.")


# Forum --------------------------------------------------------------------------------


def forum_index(request):
    """Every published cycle's forum, with its common ground activity if there is one."""
    cycles = list(Cycle.objects.published())
    counts = dict(
        Topic.objects.filter(kind=TopicKind.FORUM, cycle__in=cycles)
        .values_list("cycle_id")
        .annotate(n=Count("pk"))
    )
    activities = {
        a.cycle_id: a for a in CommonGround.objects.filter(cycle__in=cycles, proposal__isnull=True)
    }
    rows = [(cycle, counts.get(cycle.pk, 0), activities.get(cycle.pk)) for cycle in cycles]
    return render(request, "deliberation/forum_index.html", {"rows": rows})


def forum_cycle(request, slug: str):
    cycle = get_object_or_404(Cycle.objects.published(), slug=slug)
    topics = Topic.objects.forum(cycle).select_related("author")
    activity = CommonGround.objects.filter(cycle=cycle, proposal__isnull=True).first()
    return render(
        request,
        "deliberation/forum_cycle.html",
        {
            "cycle": cycle,
            "topics": topics,
            "activity": activity,
            "can_add_topic": request.user.has_perm("deliberation.add_topic", cycle),
            "why_not": _why_not_post(request),
        },
    )


@login_required
def topic_create(request, slug: str):
    cycle = get_object_or_404(Cycle.objects.published(), slug=slug)
    if not request.user.has_perm("deliberation.add_topic", cycle):
        raise PermissionDenied(_why_not_post(request))
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(
                author=request.user,
                cycle=cycle,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your topic is open for discussion."))
            return redirect(topic)
    return render(
        request,
        "deliberation/topic_form.html",
        {"form": form, "cycle": cycle},
        status=400 if request.method == "POST" else 200,
    )


def _discussion_context(request, topic: Topic, form=None) -> dict:
    order = request.GET.get("order", "newest")
    if order not in selectors.ORDERS:
        order = "newest"
    parent = None
    if form is not None and form.is_bound:
        parent_pk = form.data.get("parent")
        if parent_pk and str(parent_pk).isdigit():
            parent = Comment.objects.filter(pk=int(parent_pk), topic=topic).first()
    return {
        "topic": topic,
        "nodes": selectors.comment_tree(topic, order=order, user=request.user),
        "order": order,
        "orders": ORDER_LABELS,
        "form": form or CommentForm(),
        "reply_to": parent,
        "can_comment": request.user.has_perm("deliberation.add_comment", topic),
        "can_flag": request.user.has_perm("deliberation.add_flag"),
        "why_not": _why_not_post(request),
        "comment_action": (
            reverse("deliberation:comment_create", kwargs={"pk": topic.pk})
            if topic.pk
            else reverse("deliberation:proposal_comment_create", kwargs={"pk": topic.proposal_id})
        ),
    }


def topic_detail(request, pk: int):
    topic = get_object_or_404(
        Topic.objects.select_related("cycle", "author"), pk=pk, cycle__is_published=True
    )
    if topic.kind == TopicKind.PROPOSAL:
        return redirect(topic)
    return render(request, "deliberation/topic_detail.html", _discussion_context(request, topic))


def _public_proposal(pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.public().select_related("cycle"), pk=pk, cycle__is_published=True
    )


def proposal_discussion(request, pk: int):
    """The discussion of one proposal, on its own page."""
    proposal = _public_proposal(pk)
    topic = selectors.proposal_topic(proposal)
    context = _discussion_context(request, topic)
    context.update(
        proposal=proposal,
        proposal_url=selectors.proposal_url(proposal),
        activity=CommonGround.objects.filter(proposal=proposal).first(),
    )
    return render(request, "deliberation/proposal_discussion.html", context)


def proposal_discussion_fragment(request, pk: int):
    """The same discussion as an HTML fragment, for htmx to load into the proposal page."""
    proposal = _public_proposal(pk)
    topic = selectors.proposal_topic(proposal)
    return render(request, "deliberation/_discussion.html", _discussion_context(request, topic))


# Comments -----------------------------------------------------------------------------


@require_POST
@login_required
def proposal_comment_create(request, pk: int):
    """The first comment on a proposal: its discussion topic is made now, not when read."""
    proposal = _public_proposal(pk)
    topic = selectors.proposal_topic(proposal)
    if topic.pk is None:
        if not request.user.has_perm("deliberation.add_comment", topic):
            raise PermissionDenied(_why_not_post(request))
        topic = services.proposal_topic(proposal=proposal)
        topic.proposal = proposal
    return _comment_create(request, topic)


@require_POST
@login_required
def comment_create(request, pk: int):
    topic = get_object_or_404(
        Topic.objects.select_related("cycle", "proposal"), pk=pk, cycle__is_published=True
    )
    return _comment_create(request, topic)


def _comment_create(request, topic: Topic):
    if not request.user.has_perm("deliberation.add_comment", topic):
        raise PermissionDenied(_why_not_post(request))
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], topic=topic)
        try:
            comment = services.comment_create(
                author=request.user, topic=topic, body=form.cleaned_data["body"], parent=parent
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your comment is posted."))
            return redirect(comment.get_absolute_url())
    context = _discussion_context(request, topic, form=form)
    template = "deliberation/topic_detail.html"
    if topic.kind == TopicKind.PROPOSAL:
        template = "deliberation/proposal_discussion.html"
        context.update(proposal=topic.proposal, proposal_url=selectors.proposal_url(topic.proposal))
    return render(request, template, context, status=400)


def _own_comment(request, pk: int, perm: str) -> Comment:
    comment = get_object_or_404(
        Comment.objects.select_related("topic", "topic__proposal"),
        pk=pk,
        topic__cycle__is_published=True,
    )
    if not request.user.has_perm(perm, comment):
        raise PermissionDenied
    return comment


@login_required
def comment_edit(request, pk: int):
    comment = _own_comment(request, pk, "deliberation.change_comment")
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(
                comment=comment, user=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your comment is changed."))
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "deliberation/comment_edit.html",
        {"form": form, "comment": comment},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def comment_delete(request, pk: int):
    comment = _own_comment(request, pk, "deliberation.delete_comment")
    if request.method == "POST":
        services.comment_delete(comment=comment, user=request.user)
        messages.success(request, _("Your comment is deleted."))
        return redirect(comment.get_absolute_url())
    return render(request, "deliberation/comment_delete.html", {"comment": comment})


@require_POST
@login_required
def comment_helpful(request, pk: int):
    """Mark a comment helpful (or take it back with ``undo``)."""
    comment = get_object_or_404(Comment, pk=pk, topic__cycle__is_published=True)
    if not request.user.has_perm("deliberation.react_comment", comment):
        raise PermissionDenied
    if request.POST.get("undo"):
        services.reaction_remove(comment=comment, user=request.user)
    else:
        services.reaction_add(comment=comment, user=request.user)
    comment.refresh_from_db(fields=["helpful_count"])
    if request.htmx:
        mine = comment.reactions.filter(user=request.user).exists()
        return render(
            request,
            "deliberation/_helpful.html",
            {"comment": comment, "helpful_by_me": mine, "user": request.user},
        )
    return redirect(comment.get_absolute_url())


# Flags --------------------------------------------------------------------------------


def _flaggable(kind: str, pk: int):
    """An item the public can see (404 for drafts, unknown kinds and unpublished cycles)."""
    item = selectors.get_item(kind, pk)
    if item is None:
        raise Http404
    if kind == "proposal":
        item = _public_proposal(pk)
    elif (
        (kind == "comment" and (item.is_deleted or not item.topic.cycle.is_published))
        or (kind == "statement" and not item.activity.cycle.is_published)
        or (kind == "topic" and not item.cycle.is_published)
    ):
        raise Http404
    return item


@login_required
def flag_create(request, kind: str, pk: int):
    item = _flaggable(kind, pk)
    if not request.user.has_perm("deliberation.add_flag", item):
        raise PermissionDenied(_why_not_post(request))
    back = selectors.item_url(item) or reverse("deliberation:forum_index")
    already = Flag.objects.filter(reporter=request.user, **{kind: item}).exists()
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.flag_create(
                reporter=request.user,
                item=item,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Thank you. Moderators will look at your report."))
            return redirect(back)
    return render(
        request,
        "deliberation/flag_form.html",
        {
            "form": form,
            "item": item,
            "kind": kind,
            "label": selectors.item_label(item),
            "back": back,
            "already": already,
        },
        status=400 if request.method == "POST" else 200,
    )


# Moderation (staff) -------------------------------------------------------------------


@staff_page("deliberation.moderate")
def moderation_queue(request):
    entries = selectors.moderation_queue()
    for entry in entries:
        entry.url = reverse(
            "deliberation:moderation_item", kwargs={"kind": entry.kind, "pk": entry.item.pk}
        )
        entry.label = selectors.item_label(entry.item)
    return render(request, "deliberation/moderation_queue.html", {"entries": entries})


@staff_page("deliberation.moderate")
def moderation_item(request, kind: str, pk: int):
    """One item with its flags and context, and the moderator's actions."""
    item = selectors.get_item(kind, pk)
    if item is None:
        raise Http404
    form = ModerationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        author = getattr(item, "author", None)
        try:
            if action == "hide":
                services.moderation_hide(moderator=request.user, item=item, reason=reason)
            elif action == "restore":
                services.moderation_restore(moderator=request.user, item=item, reason=reason)
            elif action == "dismiss":
                services.moderation_dismiss(moderator=request.user, item=item, reason=reason)
            elif action == "warn":
                services.moderation_warn(moderator=request.user, item=item, reason=reason)
            elif action == "suspend":
                if author is None:
                    raise ValidationError(_("This content has no author to suspend."))
                services.user_suspend(
                    moderator=request.user,
                    user=author,
                    days=form.cleaned_data["days"],
                    reason=reason,
                    item=item,
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Done: the action is in the moderation log."))
            return redirect("deliberation:moderation_queue")
    flags = Flag.objects.filter(**{kind: item}).select_related("reporter").order_by("-created_at")
    context = {
        "item": item,
        "kind": kind,
        "label": selectors.item_label(item),
        "url": selectors.item_url(item),
        "flags": flags,
        "form": form,
        "author": getattr(item, "author", None),
        "log": ModerationLog.objects.filter(item_kind=kind, item_pk=item.pk).select_related(
            "moderator"
        ),
    }
    if kind == "comment":
        context["parent"] = item.parent
        context["topic"] = item.topic
    author = context["author"]
    if author is not None:
        context["author_suspension"] = selectors.active_suspension(author)
        context["author_history"] = ModerationLog.objects.filter(subject=author).count()
    return render(
        request,
        "deliberation/moderation_item.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@staff_page("deliberation.view_moderationlog")
def moderation_log(request):
    entries = ModerationLog.objects.select_related("moderator", "subject")[:500]
    return render(request, "deliberation/moderation_log.html", {"entries": entries})


@staff_page("deliberation.moderate")
def suspension_list(request):
    suspensions = Suspension.objects.active().select_related("user", "created_by")
    return render(
        request,
        "deliberation/suspension_list.html",
        {"suspensions": suspensions, "form": LiftForm()},
    )


@staff_page("deliberation.moderate")
def suspension_lift(request, pk: int):
    suspension = get_object_or_404(Suspension.objects.select_related("user"), pk=pk)
    form = LiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suspension_lift(
                moderator=request.user, suspension=suspension, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The suspension is lifted."))
            return redirect("deliberation:suspension_list")
    return render(
        request,
        "deliberation/suspension_lift.html",
        {"form": form, "suspension": suspension},
        status=400 if request.method == "POST" else 200,
    )


# Common ground ------------------------------------------------------------------------


def commonground_list(request):
    activities = CommonGround.objects.public().select_related("cycle", "proposal")
    return render(request, "deliberation/commonground_list.html", {"activities": activities})


def _public_activity(pk: int) -> CommonGround:
    return get_object_or_404(
        CommonGround.objects.public().select_related("cycle", "proposal"), pk=pk
    )


def _activity_page(request, activity: CommonGround, form=None, status: int = 200):
    statements = selectors.statements_for_voter(activity, request.user)
    return render(
        request,
        "deliberation/commonground_detail.html",
        {
            "activity": activity,
            "statements": statements,
            "voted": sum(1 for _s, vote in statements if vote is not None),
            "form": form or StatementForm(),
            "can_add_statement": request.user.has_perm("deliberation.add_statement", activity),
            "can_vote": request.user.has_perm("deliberation.vote_statement", activity),
            "can_flag": request.user.has_perm("deliberation.add_flag"),
            "why_not": _why_not_post(request),
            "choices": VoteChoice.choices,
        },
        status=status,
    )


def commonground_detail(request, pk: int):
    """Vote on the statements, and add one."""
    return _activity_page(request, _public_activity(pk))


@require_POST
@login_required
def statement_create(request, pk: int):
    activity = _public_activity(pk)
    if not request.user.has_perm("deliberation.add_statement", activity):
        raise PermissionDenied(_why_not_post(request))
    form = StatementForm(request.POST)
    if form.is_valid():
        try:
            services.statement_create(
                author=request.user, activity=activity, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your statement is added: others can now vote on it."))
            return redirect(activity)
    return _activity_page(request, activity, form=form, status=400)


@require_POST
@login_required
def statement_vote(request, pk: int):
    statement = get_object_or_404(
        Statement.objects.select_related("activity", "activity__cycle"),
        pk=pk,
        activity__cycle__is_published=True,
    )
    if not request.user.has_perm("deliberation.vote_statement", statement.activity):
        raise PermissionDenied
    try:
        choice = int(request.POST.get("choice", ""))
        vote = services.statement_vote(user=request.user, statement=statement, choice=choice)
    except (ValueError, ValidationError) as error:
        message = error.messages[0] if isinstance(error, ValidationError) else _("Choose a vote.")
        if request.htmx:
            return HttpResponse(message, status=400)
        messages.error(request, message)
        return redirect(statement.get_absolute_url())
    if request.htmx:
        return render(
            request,
            "deliberation/_statement.html",
            {
                "statement": statement,
                "vote": vote.choice,
                "can_vote": True,
                "can_flag": request.user.has_perm("deliberation.add_flag"),
                "choices": VoteChoice.choices,
            },
        )
    messages.success(request, _("Your vote is saved. You can change it at any time."))
    return redirect(statement.get_absolute_url())


def commonground_report(request, pk: int):
    """The latest analysis: consensus, divisive statements, groups, and a map of voters."""
    activity = _public_activity(pk)
    report = activity.report or {}
    statements = {s.pk: s for s in activity.statements.filter(is_hidden=False)}
    stats = {row["pk"]: row for row in report.get("statement_stats", [])}

    def rows(pks):
        return [(statements[pk], stats.get(pk)) for pk in pks if pk in statements]

    groups = [
        {
            **group,
            "traits": [
                (statements[t["pk"]], t) for t in group["characteristic"] if t["pk"] in statements
            ],
        }
        for group in report.get("groups", [])
    ]
    points = [
        {"x": 20 + x * 360, "y": 20 + (1 - y) * 260, "group": g}
        for x, y, g in report.get("points", [])
    ]
    return render(
        request,
        "deliberation/commonground_report.html",
        {
            "activity": activity,
            "report": report,
            "consensus": rows(report.get("consensus", [])),
            "divisive": rows(report.get("divisive", [])),
            "groups": groups,
            "points": points,
            "my_votes": StatementVote.objects.filter(
                user=request.user, statement__activity=activity
            ).count()
            if request.user.is_authenticated
            else 0,
        },
    )


@staff_page("deliberation.add_commonground")
def commonground_create(request):
    form = CommonGroundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.commonground_open(
                creator=request.user,
                cycle=form.cleaned_data["cycle"],
                proposal=form.cleaned_data["proposal"],
                title=form.cleaned_data["title"],
                question=form.cleaned_data["question"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The common ground activity is open."))
            return redirect(activity)
    return render(
        request,
        "deliberation/commonground_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )
