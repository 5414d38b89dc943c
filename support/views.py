"""Staff screens: the hotline (search, screen pop, customer view, new ticket), ticket queues and
a ticket's page; plus the public confirmation page a customer reaches from the resolved message.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from customers.access import access_log_request
from o2o_site.api import DomainError, NotFound
from o2o_site.roles import Role, role_required

from . import selectors, services
from .api.filters import TicketFilter
from .forms import (
    AssignForm,
    CallNotesForm,
    CommentForm,
    ConfirmForm,
    FollowupForm,
    NewCustomerForm,
    SearchForm,
    TicketFilterForm,
    TicketForm,
    TransitionForm,
)
from .models import Ticket, TicketEvent

SUPPORT = (Role.AGENT, Role.MANAGER)


def screen(*roles, post_only: bool = False):
    """A staff screen: the role check, then a missing object (a stale link, an erased customer)
    is the project's Vietnamese 404 page, and a GET on a form's target is a 405 page that says
    what to do instead of an empty body."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if post_only and request.method != "POST":
                response = render(
                    request, "support/method_not_allowed.html", {"title": _("Không dùng được")}, status=405
                )
                response["Allow"] = "POST"
                return response
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return role_required(*roles)(wrapper)

    return decorator


def _form_errors(form, exc: DomainError) -> None:
    """Puts a service's field errors on the form so nothing the user typed is lost."""
    for name, errors in (exc.fields or {}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _one_exact_phone(candidates) -> bool:
    return len(candidates) == 1 and candidates[0].matched in ("phone", "ticket", "order", "voucher")


@screen(*SUPPORT)
def hotline(request):
    form = SearchForm(request.GET or None)
    result = selectors.HotlineResult()
    searched = form.is_valid() and bool(form.cleaned_data["q"].strip())
    if searched:
        result = selectors.hotline_search(form.cleaned_data["q"])
        access_log_request(
            request, "lookup", query=form.cleaned_data["q"], result_ids=[c.customer.pk for c in result.candidates]
        )
        if _one_exact_phone(result.candidates) and not result.more:
            return _open_customer(request, result.candidates[0].customer.pk)
    template = "support/_results.html" if request.htmx else "support/hotline.html"
    return render(
        request,
        template,
        {
            "title": _("Tổng đài"),
            "form": form,
            "result": result,
            "candidates": result.candidates,
            "searched": searched,
            "q": form.data.get("q", "") if form.is_bound and not form.errors else "",
        },
    )


def _open_customer(request, customer_id, call_id=None):
    url = reverse("support:customer", args=[customer_id])
    if call_id:
        url += f"?call={call_id}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@screen(*SUPPORT)
def hotline_pop(request):
    """Polled every 2 s by the hotline screen: the calls ringing for this agent, with what the
    agent needs in the first seconds (open tickets, last order, segments, a usable voucher)."""
    calls = selectors.calls_for_screen_pop(agent=request.user)
    return render(request, "support/_pop.html", {"calls": calls, "notes_form": CallNotesForm()})


@screen(*SUPPORT, post_only=True)
def call_answer(request, pk):
    call = selectors.call_get(pk)
    try:
        call = services.call_answer(call=call, agent=request.user)
    except (services.CallTaken, services.CallOver) as exc:
        return render(request, "support/call_taken.html", {"title": _("Cuộc gọi"), "message": exc.message}, status=409)
    notes = CallNotesForm(request.POST)
    if notes.is_valid() and notes.cleaned_data["notes"]:
        services.call_notes_save(call=call, agent=request.user, notes=notes.cleaned_data["notes"])
    if call.customer_id:
        return _open_customer(request, call.customer_id, call.pk)
    url = reverse("support:new-customer") + f"?phone={call.caller}&call={call.pk}"
    return redirect(url)


@screen(*SUPPORT, post_only=True)
def call_notes(request, pk):
    call = selectors.call_get(pk)
    form = CallNotesForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(" ".join(form.errors.get("notes", [])) or _("Ghi chú chưa hợp lệ."))
        services.call_notes_save(call=call, agent=request.user, notes=form.cleaned_data["notes"])
    except DomainError as exc:
        if request.htmx:
            return render(request, "support/_call_saved.html", {"error": exc.message}, status=400)
        messages.error(request, exc.message)
    else:
        if request.htmx:
            return render(request, "support/_call_saved.html", {"saved": True})
        messages.success(request, _("Đã lưu ghi chú cuộc gọi."))
    return _back_to_call(call)


@screen(*SUPPORT, post_only=True)
def call_end(request, pk):
    call = selectors.call_get(pk)
    try:
        services.call_end(call=call, agent=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã kết thúc cuộc gọi."))
    return _back_to_call(call)


def _back_to_call(call):
    if call.customer_id:
        return redirect(reverse("support:customer", args=[call.customer_id]) + f"?call={call.pk}")
    return redirect("support:hotline")


@screen(*SUPPORT)
def customer(request, pk):
    page = _int(request.GET.get("page"), 1)
    kinds = [k for k in request.GET.getlist("kind") if k]
    channels = [c for c in request.GET.getlist("channel") if c]
    overview = selectors.customer_overview(
        pk, page=page, kinds=kinds, channels=channels, timeline_count=False, voucher_stores=False
    )
    if request.htmx and request.htmx.target == "timeline":
        return render(
            request,
            "support/_timeline.html",
            {
                "ov": overview,
                "kinds": kinds,
                "channels": channels,
                "labels": selectors.code_labels(),
                **_timeline_filters(),
            },
        )
    access_log_request(request, "profile", customer=overview.customer)
    active_call = selectors.call_in_progress(
        agent=request.user, customer=overview.customer, call_id=request.GET.get("call")
    )
    initial = {
        "order_ref": overview.latest_order.number if overview.latest_order else "",
        "call": active_call.pk if active_call else None,
    }
    return _customer_page(request, overview, TicketForm(initial=initial), active_call, kinds=kinds, channels=channels)


def _customer_page(request, overview, ticket_form, active_call, *, kinds=(), channels=(), status: int = 200):
    return render(
        request,
        "support/customer.html",
        {
            "title": overview.customer.full_name or _("Khách hàng"),
            "ov": overview,
            "ticket_form": ticket_form,
            "search_form": SearchForm(),
            "active_call": active_call,
            "notes_form": CallNotesForm(initial={"notes": active_call.notes if active_call else ""}),
            "labels": selectors.code_labels(),
            "kinds": kinds,
            "channels": channels,
            **_timeline_filters(),
        },
        status=status,
    )


def _call_or_none(call_id):
    """The call a form names; a stale id (the call row gone) is dropped, not a failure of the form."""
    if not call_id:
        return None
    try:
        return selectors.call_get(call_id)
    except NotFound:
        return None


def _timeline_filters() -> dict:
    from channels.models import SalesChannel
    from customers.models import Activity

    # Plain strings: the template engine probes lazy labels many times per option otherwise.
    kinds = [(value, str(label)) for value, label in Activity.Kind.choices]
    return {
        "kind_choices": kinds,
        "kind_labels": dict(kinds),
        "channel_choices": [(value, str(label)) for value, label in SalesChannel.Kind.choices],
    }


def _int(value, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@screen(*SUPPORT, post_only=True)
def ticket_create(request, pk):
    overview = selectors.customer_overview(pk)
    form = TicketForm(request.POST)
    call = None
    if form.is_valid():
        data = form.cleaned_data
        call = _call_or_none(data.get("call"))
        try:
            ticket = services.ticket_create(
                customer=overview.customer,
                category=data["category"],
                subject=data["subject"],
                description=data["description"],
                channel=data["channel"],
                priority=data["priority"],
                order_ref=data["order_ref"],
                call=call,
                created_by=request.user,
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Đã tạo yêu cầu #%(number)s, chuyển cho bộ phận %(department)s.")
                % {"number": ticket.number, "department": ticket.department.name},
            )
            return redirect("support:customer", pk=overview.customer.pk)
    active_call = call or selectors.call_in_progress(agent=request.user, customer=overview.customer)
    return _customer_page(request, overview, form, active_call, status=400)


@screen(*SUPPORT)
def new_customer(request):
    from customers.services import customer_resolve

    form = NewCustomerForm(
        request.POST or None, initial={"phone": request.GET.get("phone", ""), "call": request.GET.get("call")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = customer_resolve(
                full_name=data["full_name"], phone=data["phone"], email=data["email"], source="hotline"
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            call = _call_or_none(data.get("call"))
            if call is not None:
                services.call_attach_customer(call=call, customer=result.customer)
            if not result.created:
                messages.info(request, _("Số điện thoại/email này đã có hồ sơ: mở hồ sơ hiện có."))
            return _open_customer(request, result.customer.pk, call.pk if call else None)
    return render(request, "support/new_customer.html", {"title": _("Khách hàng mới"), "form": form})


@screen(*SUPPORT)
def tickets(request):
    filters = TicketFilterForm(request.GET or None)
    scope = request.GET.get("scope") or "mine"
    if scope not in selectors.QUEUE_SCOPES:
        scope = "mine"
    qs = selectors.ticket_queue(user=request.user, scope=scope)
    filtered = TicketFilter(request.GET, queryset=qs)
    page = Paginator(filtered.qs, 25).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "support/tickets.html",
        {
            "title": _("Yêu cầu hỗ trợ"),
            "page": page,
            "filters": filters,
            "scope": scope,
            "counts": selectors.queue_counts(user=request.user),
            "departments": selectors.departments_active(),
            "querystring": params.urlencode(),
        },
    )


@screen(*SUPPORT)
def ticket_detail(request, pk):
    ticket = selectors.ticket_detail(pk)
    return render(request, "support/ticket.html", _ticket_context(ticket))


def _ticket_context(ticket, **forms) -> dict:
    return {
        "title": _("Yêu cầu #%(number)s") % {"number": ticket.number},
        "ticket": ticket,
        "next_statuses": [
            (s, Ticket.Status(s).label)
            for s in Ticket.Status.values
            if ticket.can_move_to(s) and s != Ticket.Status.CONFIRMED
        ],
        "can_confirm": ticket.status == Ticket.Status.RESOLVED,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(department=ticket.department, initial={"assignee": ticket.assignee_id}),
        "followup_form": forms.get("followup_form") or FollowupForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "transition_error": forms.get("transition_error"),
        "event_kinds": TicketEvent.Kind,
    }


@screen(*SUPPORT, post_only=True)
def ticket_action(request, pk, action):
    ticket = selectors.ticket_get(pk)
    forms_by_action = {
        "transition": TransitionForm,
        "comment": CommentForm,
        "assign": lambda data: AssignForm(data, department=ticket.department),
        "followup": FollowupForm,
        "confirm": ConfirmForm,
    }
    if action not in forms_by_action:
        raise Http404(_("Không có thao tác này."))
    form = forms_by_action[action](request.POST)
    if form.is_valid():
        try:
            done = _run_action(request, ticket, action, form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("support:ticket", pk=ticket.pk)
    context = _ticket_context(selectors.ticket_detail(pk), **{f"{action}_form": form})
    if action == "transition":
        context["transition_error"] = "; ".join(str(e) for errs in form.errors.values() for e in errs)
    return render(request, "support/ticket.html", context, status=400)


def _run_action(request, ticket, action: str, data: dict) -> str:
    user = request.user
    if action == "transition":
        services.ticket_transition(ticket=ticket, to_status=data["status"], actor=user, note=data["note"])
        return _("Đã chuyển trạng thái sang “%(status)s”.") % {"status": Ticket.Status(data["status"]).label}
    if action == "comment":
        services.ticket_comment(ticket=ticket, author=user, body=data["body"], public=data["public"])
        return _("Đã thêm trả lời.") if data["public"] else _("Đã thêm ghi chú nội bộ.")
    if action == "assign":
        services.ticket_assign(ticket=ticket, assignee=data["assignee"], actor=user)
        return _("Đã phân công.")
    if action == "followup":
        services.call_log_followup(
            ticket=ticket, agent=user, outcome=data["outcome"], notes=data["notes"], satisfaction=data["satisfaction"]
        )
        return _("Đã ghi cuộc gọi chăm sóc.")
    outcome = services.ticket_confirm_with_outcome(
        ticket=ticket, actor=user, satisfaction=data["satisfaction"], note=data["note"]
    )
    return _confirm_message(outcome)


def _confirm_message(outcome) -> str:
    text = _("Khách hàng đã xác nhận.")
    if outcome.voucher_code:
        text += " " + _("Đã gửi voucher %(code)s qua SMS.") % {"code": outcome.voucher_code}
    elif outcome.reason:
        text += " " + outcome.reason
    return text


def confirm(request, token):
    """Public page behind the signed link in the "resolved" message: the customer confirms.

    GET only shows the question (link previewers must not confirm on the customer's behalf).
    """
    try:
        ticket = services.ticket_from_confirm_token(token)
    except DomainError as exc:
        return render(request, "support/confirm.html", {"error": exc.message}, status=404)
    form = ConfirmForm(request.POST or None)
    done = ticket.status == Ticket.Status.CONFIRMED
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_confirm(ticket=ticket, satisfaction=form.cleaned_data["satisfaction"], via="link")
            done = True
        except DomainError as exc:
            error = exc.message
    return render(request, "support/confirm.html", {"ticket": ticket, "form": form, "done": done, "error": error})


@screen(Role.MANAGER)
def satisfaction_report(request):
    return render(
        request,
        "support/satisfaction.html",
        {"title": _("Mức hài lòng theo bộ phận"), "rows": selectors.satisfaction_by_department()},
    )
