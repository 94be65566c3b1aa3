"""Pages of the ballots app: verification, the ballot, receipts, census, booths, turnout."""

from __future__ import annotations

import base64
import hashlib
import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from ballots import census, selectors, services
from ballots.forms import (
    BoothForm,
    CensusUploadForm,
    ConflictResolveForm,
    PaperDistrictForm,
    ResidencyForm,
    parse_ballot,
)
from ballots.hashing import receipt_hash
from ballots.models import (
    Ballot,
    Booth,
    CensusConflict,
    CensusEntry,
    CensusImport,
    Channel,
    ConflictStatus,
)
from ballots.predicates import is_voting_open
from pbudget import registry
from pbudget.mfa import MFA_OK, mfa_redirect, mfa_status, staff_page
from pbudget.models import Cycle, Phase, VotingMethod

MARK_SALT = "ballots.booth-mark"
MARK_MAX_AGE = 15 * 60
RECEIPT_COOKIE = "pb_receipt"
RECEIPT_MAX_AGE = 15 * 60


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def _published_cycle(request, slug: str) -> Cycle:
    return _visible(request, get_object_or_404(Cycle, slug=slug))


def _visible(request, cycle: Cycle | None) -> Cycle:
    """The cycle, unless it is missing or unpublished (then only cycle managers see it)."""
    if cycle is None:
        raise Http404
    if not cycle.is_published and not request.user.has_perm("pbudget.manage_cycles"):
        raise Http404
    return cycle


def _detail_url(project) -> str:
    try:
        return project.get_absolute_url()
    except NoReverseMatch:  # the proposals pages are not installed
        return ""


def _ballot_context(cycle: Cycle, sections, values: dict[int, int]) -> dict:
    """The sections with each project's current value, link and extras, and the totals."""
    projects = [p for section in sections for p in section.projects]
    extras = registry.proposal_extras(projects, "ballot")
    shown = []
    for section in sections:
        totals = services.section_totals(cycle, section, values)
        shown.append(
            {
                "district": section.district,
                "budget": section.budget,
                "totals": totals,
                "left": section.budget - totals["cost"],
                "over": totals["cost"] > section.budget,
                "over_by": totals["cost"] - section.budget,
                "items": [
                    {
                        "project": project,
                        "value": values.get(project.pk, 0),
                        "url": _detail_url(project),
                    }
                    for project in section.projects
                ],
            }
        )
    return {
        "sections": shown,
        "extras": extras,
        "method": cycle.voting_method,
        "rank_choices": range(1, cycle.rank_count + 1),
        "is_knapsack": cycle.voting_method == VotingMethod.KNAPSACK,
        "is_cumulative": cycle.voting_method == VotingMethod.CUMULATIVE,
        "is_ranked": cycle.voting_method == VotingMethod.RANKED,
        "is_approval": cycle.voting_method == VotingMethod.APPROVAL,
    }


# --- residents ------------------------------------------------------------------------


def vote_home(request):
    """Cycles open for voting, and where the visitor stands in each."""
    entry = selectors.census_entry_of(request.user)
    cycles = []
    for cycle in selectors.voting_cycles():
        cycles.append({"cycle": cycle, "roll": services.voter_status(entry, cycle)})
    return render(request, "ballots/vote_home.html", {"cycles": cycles, "entry": entry})


@login_required
def verify(request):
    """Online residency verification against the census."""
    if not request.user.has_perm("ballots.verify_residency"):
        raise PermissionDenied
    entry = selectors.census_entry_of(request.user)
    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = ""
    locked_until = services.verification_locked_until(request.user)
    form = ResidencyForm(request.POST or None)
    status = 200
    if request.method == "POST" and entry is None and form.is_valid():
        try:
            entry = services.residency_verify(
                user=request.user,
                document_number=form.cleaned_data["document_number"],
                birth_date=form.cleaned_data["birth_date"],
                postal_code=form.cleaned_data["postal_code"],
            )
        except ValidationError as error:
            for message in _messages_of(error):
                form.add_error(None, message)
            locked_until = services.verification_locked_until(request.user)
            status = 400
        else:
            messages.success(
                request,
                _("You are verified as a resident of %(district)s.")
                % {"district": entry.district.name},
            )
            return redirect(next_url or "ballots:vote_home")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "ballots/verify.html",
        {"form": form, "entry": entry, "locked_until": locked_until, "next": next_url},
        status=status,
    )


def _may_cast(user, cycle: Cycle, entry: CensusEntry) -> bool:
    """``ballots.cast_ballot`` for a user whose census entry is already in hand.

    The rule is ``is_verified_email & is_verified_resident & is_voting_open``; the caller
    has read the entry with ``selectors.cycle_and_entry_for_ballot``, which also tells
    whether the e-mail is confirmed, so neither check costs a query here.
    tests/ballots/test_casting_performance.py checks this agrees with the rule.
    """
    return is_voting_open(user, cycle) and entry.email_verified


def _closed(request, context: dict, entry, cycle: Cycle, **extra):
    """The ballot is not for this person now (phase, e-mail, age or a paper vote): 403."""
    context = {**context, "roll": services.voter_status(entry, cycle), **extra}
    return render(request, "ballots/ballot_closed.html", context, status=403)


def _receipt_cookie_path(cycle: Cycle) -> str:
    return reverse("ballots:receipt", kwargs={"slug": cycle.slug})


@never_cache
def ballot(request, slug: str):
    """The ballot of the signed-in resident's district in ``cycle``; POST casts it.

    Casting (POST with any action but "check") is the hot path of a vote: it reads the
    user, then the cycle with the census entry and the e-mail check (one query); the ballot
    sections are kept in memory while voting is open (they are frozen then); then
    ``ballot_cast`` writes everything in one database call.
    """
    cycle, entry = selectors.cycle_and_entry_for_ballot(slug, request.user)
    cycle = _visible(request, cycle)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if entry is None:
        messages.info(request, _("Verify your residency first; then you can vote."))
        return redirect(f"{reverse('ballots:verify')}?next={request.path}")
    context = {"cycle": cycle, "entry": entry, "phase": cycle.phase}
    if not _may_cast(request.user, cycle, entry):
        # Verified, but voting is not open (or the e-mail is not confirmed).
        return _closed(request, context, entry, cycle)
    if not services.is_old_enough(entry, cycle):
        return _closed(request, context, entry, cycle, too_young=True)
    casting = request.method == "POST" and request.POST.get("action") != "check"
    roll = None
    if not casting:
        roll = services.voter_status(entry, cycle)
        if roll is not None and roll.channel == Channel.PAPER:
            return _closed(request, context, entry, cycle)
    if casting:
        sections = selectors.ballot_sections_for_casting(cycle, entry.district)
    else:
        sections = selectors.ballot_sections(cycle, entry.district)
    values: dict[int, int] = {}
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        values, errors = parse_ballot(cycle, sections, request.POST)
        if not errors and not casting:
            try:
                services.ballot_validate(cycle=cycle, sections=sections, values=values)
            except ValidationError as error:
                errors = _messages_of(error)
                status = 400
            else:
                messages.info(request, _("Your choices follow the rules. Cast the ballot to vote."))
        elif not errors:
            try:
                result = services.ballot_cast(
                    user=request.user, cycle=cycle, values=values, entry=entry, sections=sections
                )
            except ValidationError as error:
                if getattr(error, "code", None) == "voted_on_paper":
                    return _closed(request, context, entry, cycle)
                errors = _messages_of(error)
            else:
                return _receipt_redirect(request, cycle, result)
        if errors:
            status = 400
    if casting:
        roll = services.voter_status(entry, cycle)
        if roll is not None and roll.channel == Channel.PAPER:
            return _closed(request, context, entry, cycle)
    context["roll"] = roll
    context.update(_ballot_context(cycle, sections, values))
    context["errors"] = errors
    return render(request, "ballots/ballot.html", context, status=status)


def _cookie_box() -> SecretBox:
    """The secret-key box the receipt cookie is encrypted with (a key from SECRET_KEY)."""
    digest = hashlib.sha256(b"pbudget receipt cookie:" + settings.SECRET_KEY.encode()).digest()
    return SecretBox(digest)


def _receipt_cookie_value(payload: dict) -> str:
    """The payload encrypted and authenticated: opaque to anyone without the server key."""
    plain = json.dumps({**payload, "at": int(time.time())}).encode()
    return base64.urlsafe_b64encode(_cookie_box().encrypt(plain)).decode()


def _receipt_cookie_payload(value: str) -> dict:
    """The payload of a receipt cookie; empty if it is forged, damaged or too old."""
    try:
        data = json.loads(_cookie_box().decrypt(base64.urlsafe_b64decode(value.encode())))
    except (ValueError, CryptoError):
        return {}
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > RECEIPT_MAX_AGE:
        return {}
    return data


def _receipt_redirect(request, cycle: Cycle, result: services.CastResult):
    """Redirect to the receipt page, carrying the code in a short-lived encrypted cookie.

    The code travels only to the voter's browser and is never stored on the server: in
    the session it would sit next to the user id, and its hash is on the ballot. The
    cookie is encrypted, so not even the voter's own browser storage shows who it is for.
    """
    receipt_url = _receipt_cookie_path(cycle)
    response = HttpResponseRedirect(receipt_url)
    payload = {
        "user": request.user.pk,
        "cycle": cycle.pk,
        "code": result.receipt_code,
        "replaced": result.replaced,
    }
    response.set_cookie(
        RECEIPT_COOKIE,
        _receipt_cookie_value(payload),
        max_age=RECEIPT_MAX_AGE,
        path=receipt_url,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@login_required
def receipt(request, slug: str):
    """The receipt code of the ballot just cast: shown once, then the cookie is gone."""
    cycle = _published_cycle(request, slug)
    shown = None
    raw = request.COOKIES.get(RECEIPT_COOKIE)
    if raw:
        data = _receipt_cookie_payload(raw)
        if data.get("user") == request.user.pk and data.get("cycle") == cycle.pk:
            shown = {"code": data["code"], "replaced": data["replaced"]}
    response = render(request, "ballots/receipt.html", {"cycle": cycle, "receipt": shown})
    if raw is not None:
        response.delete_cookie(RECEIPT_COOKIE, path=_receipt_cookie_path(cycle), samesite="Lax")
    return response


def receipts(request, slug: str):
    """After the vote: the public list of receipt hashes, and a check for one code."""
    cycle = _published_cycle(request, slug)
    if not request.user.has_perm("ballots.view_receipts", cycle):
        return render(request, "ballots/receipts_not_yet.html", {"cycle": cycle}, status=403)
    checked = None
    code = (request.GET.get("code") or "").strip()
    if code:
        digest = receipt_hash(code)
        checked = {
            "code": code,
            "hash": digest,
            "found": Ballot.objects.filter(cycle=cycle, receipt_hash=digest).exists(),
        }
    page = Paginator(selectors.receipt_hashes(cycle), 500).get_page(request.GET.get("page"))
    return render(
        request, "ballots/receipts.html", {"cycle": cycle, "page": page, "checked": checked}
    )


def receipts_text(request, slug: str):
    """The receipt hashes as plain text, one a line."""
    cycle = _published_cycle(request, slug)
    if not request.user.has_perm("ballots.view_receipts", cycle):
        raise PermissionDenied
    hashes = selectors.receipt_hashes(cycle).iterator(chunk_size=5000)
    response = StreamingHttpResponse(
        (f"{digest}\n" for digest in hashes), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{cycle.slug}-receipts.txt"'
    return response


# --- turnout --------------------------------------------------------------------------


def _turnout_gate(request, cycle: Cycle | None):
    """Staff pass the second factor while the vote runs; after it, turnout is public."""
    if not request.user.has_perm("ballots.view_turnout", cycle):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    public = cycle is not None and cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION)
    if not public and mfa_status(request) != MFA_OK:
        return mfa_redirect(request)
    return None


def turnout_list(request):
    cycles = [
        cycle
        for cycle in Cycle.objects.published().order_by("-voting_opens")
        if cycle.phase in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION)
        and request.user.has_perm("ballots.view_turnout", cycle)
    ]
    return render(request, "ballots/turnout_list.html", {"cycles": cycles})


def turnout(request, slug: str):
    cycle = _published_cycle(request, slug)
    if cycle.phase not in (Phase.VOTING, Phase.RESULTS, Phase.IMPLEMENTATION):
        raise Http404
    gate = _turnout_gate(request, cycle)
    if gate is not None:
        return gate
    data = selectors.turnout(cycle)
    chart = selectors.turnout_chart(data["days"])
    return render(
        request, "ballots/turnout.html", {"cycle": cycle, "turnout": data, "chart": chart}
    )


# --- census (administrators) ----------------------------------------------------------


@staff_page("ballots.import_census")
def census_home(request):
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record = services.census_import_start(
            user=request.user, uploaded_file=form.cleaned_data["file"]
        )
        messages.success(request, _("The file is uploaded; the import has started."))
        return redirect("ballots:census_import", pk=record.pk)
    return render(
        request,
        "ballots/census_home.html",
        {
            "form": form,
            "imports": CensusImport.objects.select_related("created_by")[:20],
            "entries": CensusEntry.objects.count(),
            "claimed": CensusEntry.objects.filter(claimed_by__isnull=False).count(),
            "open_conflicts": CensusConflict.objects.filter(status=ConflictStatus.OPEN).count(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _import_progress(record: CensusImport) -> dict:
    done = (
        record.total_rows
        if record.status == "done"
        else cache.get(census.progress_key(record.pk), 0)
    )
    percent = int(done * 100 / record.total_rows) if record.total_rows else 0
    return {"record": record, "done": done, "percent": min(percent, 100)}


@staff_page("ballots.import_census")
def census_import(request, pk: int):
    record = get_object_or_404(CensusImport, pk=pk)
    return render(request, "ballots/census_import.html", _import_progress(record))


@staff_page("ballots.import_census")
def census_import_progress(request, pk: int):
    """The progress block alone, polled by htmx until the import finishes."""
    record = get_object_or_404(CensusImport, pk=pk)
    return render(request, "ballots/_census_progress.html", _import_progress(record))


@staff_page("ballots.resolve_conflict")
def conflict_list(request):
    conflicts = CensusConflict.objects.select_related(
        "entry__district", "entry__claimed_by", "claimant", "resolved_by"
    )
    open_conflicts = [c for c in conflicts if c.status == ConflictStatus.OPEN]
    closed = [c for c in conflicts if c.status != ConflictStatus.OPEN][:50]
    return render(
        request,
        "ballots/conflict_list.html",
        {"open_conflicts": open_conflicts, "closed": closed, "form": ConflictResolveForm()},
    )


@require_POST
@staff_page("ballots.resolve_conflict")
def conflict_resolve(request, pk: int):
    conflict = get_object_or_404(CensusConflict, pk=pk)
    form = ConflictResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision for the conflict."))
        return redirect("ballots:conflict_list")
    try:
        services.census_conflict_resolve(
            conflict=conflict,
            staff=request.user,
            reassign=form.cleaned_data["action"] == "reassign",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(_messages_of(error)))
    else:
        messages.success(request, _("The conflict is resolved."))
    return redirect("ballots:conflict_list")


# --- booths (booth officers) ----------------------------------------------------------


@staff_page("ballots.operate_booth")
def booth_list(request):
    can_manage = request.user.has_perm("ballots.manage_booths")
    form = BoothForm(request.POST or None) if can_manage else None
    if form is not None:
        form.fields["cycle"].queryset = Cycle.objects.filter(
            pk__in=[c.pk for c in Cycle.objects.all() if c.phase in (Phase.REVIEW, Phase.VOTING)]
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                booth = services.booth_create(
                    cycle=form.cleaned_data["cycle"],
                    name=form.cleaned_data["name"],
                    place=form.cleaned_data["place"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Booth “%(name)s” opened.") % {"name": booth.name})
                return redirect("ballots:booth_list")
    booths = Booth.objects.select_related("cycle").order_by("-cycle__voting_opens", "name")
    return render(
        request,
        "ballots/booth_list.html",
        {"booths": booths, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_page("ballots.operate_booth")
def booth_detail(request, pk: int):
    """Check a person against the census; see whether they voted; mark them."""
    booth = get_object_or_404(Booth.objects.select_related("cycle"), pk=pk)
    form = ResidencyForm(request.POST or None)
    found = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            entry = selectors.census_lookup(**form.cleaned_data)
            if entry is None:
                form.add_error(
                    None,
                    _("No census entry matches these details. Check them with the person."),
                )
            else:
                status = 200
                found = {
                    "entry": entry,
                    "roll": services.voter_status(entry, booth.cycle),
                    "old_enough": services.is_old_enough(entry, booth.cycle),
                    "token": signing.dumps({"entry": entry.pk, "booth": booth.pk}, salt=MARK_SALT),
                }
    return render(
        request,
        "ballots/booth_detail.html",
        {
            "booth": booth,
            "form": form,
            "found": found,
            "is_open": booth.cycle.phase == Phase.VOTING,
        },
        status=status,
    )


@require_POST
@staff_page("ballots.operate_booth")
def booth_mark(request, pk: int):
    booth = get_object_or_404(Booth.objects.select_related("cycle"), pk=pk)
    try:
        data = signing.loads(request.POST.get("token", ""), salt=MARK_SALT, max_age=MARK_MAX_AGE)
    except signing.BadSignature:
        messages.error(request, _("That check has expired; check the person again."))
        return redirect("ballots:booth_detail", pk=booth.pk)
    if data.get("booth") != booth.pk:
        raise PermissionDenied
    entry = get_object_or_404(CensusEntry, pk=data["entry"])
    try:
        services.voter_mark_paper(officer=request.user, booth=booth, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(_messages_of(error)))
        return redirect("ballots:booth_detail", pk=booth.pk)
    messages.success(
        request,
        _(
            "Marked as voted in person (%(district)s). Hand over the %(district)s ballot "
            "paper; the person folds it and puts it in the booth's box. Enter the box's "
            "ballots later, as a stack."
        )
        % {"district": entry.district.name},
    )
    return redirect("ballots:booth_detail", pk=booth.pk)


@never_cache
@staff_page("ballots.operate_booth")
def booth_ballot(request, pk: int):
    """Enter the paper ballots of the booth's box, one after another, for one district.

    Checked by the same rules as online ballots; never more ballots than people marked.
    The officer sees no receipt: paper ballots have none.
    """
    booth = get_object_or_404(Booth.objects.select_related("cycle"), pk=pk)
    cycle = booth.cycle
    district_form = PaperDistrictForm(request.GET or request.POST or None)
    context = {
        "booth": booth,
        "cycle": cycle,
        "district_form": district_form,
        **selectors.booth_reconciliation(booth),
    }
    if not district_form.is_bound or not district_form.is_valid():
        return render(request, "ballots/booth_ballot.html", context)
    district = district_form.cleaned_data["district"]
    sections = selectors.ballot_sections(cycle, district)
    values: dict[int, int] = {}
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        values, errors = parse_ballot(cycle, sections, request.POST)
        if not errors:
            try:
                counts = services.paper_ballot_enter(
                    officer=request.user, booth=booth, district=district, values=values
                )
            except ValidationError as error:
                errors = _messages_of(error)
            else:
                messages.success(
                    request,
                    _(
                        "Paper ballot entered: %(entered)d of %(marked)d people marked for "
                        "%(district)s at this booth."
                    )
                    % {
                        "entered": counts.entered,
                        "marked": counts.marked,
                        "district": district.name,
                    },
                )
                return redirect(
                    f"{reverse('ballots:booth_ballot', kwargs={'pk': booth.pk})}"
                    f"?district={district.pk}"
                )
        status = 400
    context.update(_ballot_context(cycle, sections, values))
    context.update(district=district, errors=errors)
    return render(request, "ballots/booth_ballot.html", context, status=status)


@staff_page("ballots.operate_booth")
def booth_reconciliation(request, pk: int):
    booth = get_object_or_404(Booth.objects.select_related("cycle"), pk=pk)
    return render(
        request,
        "ballots/booth_reconciliation.html",
        {"booth": booth, **selectors.booth_reconciliation(booth)},
    )
