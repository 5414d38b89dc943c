"""Staff screens: the hotline (search, screen pop, customer view, new ticket), ticket queues and
a ticket's page; plus the public confirmation page a customer reaches from the resolved message.
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.access import access_log_request
from o2o_site.api import DomainError
from o2o_site.roles import Role, role_required

from . import selectors, services
from .api.filters import TicketFilter
from .forms import (
    AssignForm,
    CommentForm,
    ConfirmForm,
    FollowupForm,
    NewCustomerForm,
    SearchForm,
    TicketFilterForm,
    TicketForm,
    TransitionForm,
)
from .models import CallLog, Ticket, TicketEvent

SUPPORT = (Role.AGENT, Role.MANAGER)


def _form_errors(form, exc: DomainError) -> None:
    """Puts a service's field errors on the form so nothing the user typed is lost."""
    for name, errors in (exc.fields or {}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


def _one_exact_phone(candidates) -> bool:
    return len(candidates) == 1 and candidates[0].matched in ("phone", "ticket", "order", "voucher")


@role_required(*SUPPORT)
def hotline(request):
    form = SearchForm(request.GET or None)
    candidates = []
    searched = form.is_valid() and bool(form.cleaned_data["q"].strip())
    if searched:
        candidates = selectors.hotline_lookup(form.cleaned_data["q"])
        access_log_request(
            request, "lookup", query=form.cleaned_data["q"], result_ids=[c.customer.pk for c in candidates]
        )
        if _one_exact_phone(candidates):
            return _open_customer(request, candidates[0].customer.pk)
    template = "support/_results.html" if request.htmx else "support/hotline.html"
    return render(
        request,
        template,
        {
            "title": _("Tổng đài"),
            "form": form,
            "candidates": candidates,
            "searched": searched,
            "q": form.data.get("q", ""),
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


@role_required(*SUPPORT)
def hotline_pop(request):
    """Polled every 2 s by the hotline screen: the calls ringing for this agent."""
    calls = selectors.calls_for_screen_pop(agent=request.user)
    return render(request, "support/_pop.html", {"calls": calls})


@require_POST
@role_required(*SUPPORT)
def call_answer(request, pk):
    call = services.call_update(call=selectors.call_get(pk), status=CallLog.Status.ANSWERED, agent=request.user)
    if call.customer_id:
        return _open_customer(request, call.customer_id, call.pk)
    url = reverse("support:new-customer") + f"?phone={call.caller}&call={call.pk}"
    return redirect(url)


@role_required(*SUPPORT)
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
            {"ov": overview, "kinds": kinds, "channels": channels, **_timeline_filters()},
        )
    access_log_request(request, "profile", customer=overview.customer)
    initial = {
        "order_ref": overview.latest_order.number if overview.latest_order else "",
        "call": request.GET.get("call"),
    }
    return render(
        request,
        "support/customer.html",
        {
            "title": overview.customer.full_name or _("Khách hàng"),
            "ov": overview,
            "ticket_form": TicketForm(initial=initial),
            "search_form": SearchForm(),
            "kinds": kinds,
            "channels": channels,
            **_timeline_filters(),
        },
    )


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


@require_POST
@role_required(*SUPPORT)
def ticket_create(request, pk):
    overview = selectors.customer_overview(pk)
    form = TicketForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        call = selectors.call_get(data["call"]) if data.get("call") else None
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
    return render(
        request,
        "support/customer.html",
        {
            "title": overview.customer.full_name,
            "ov": overview,
            "ticket_form": form,
            "search_form": SearchForm(),
            **_timeline_filters(),
        },
        status=400,
    )


@role_required(*SUPPORT)
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
            if data.get("call"):
                services.call_attach_customer(call=selectors.call_get(data["call"]), customer=result.customer)
            if not result.created:
                messages.info(request, _("Số điện thoại/email này đã có hồ sơ: mở hồ sơ hiện có."))
            return _open_customer(request, result.customer.pk, data.get("call"))
    return render(request, "support/new_customer.html", {"title": _("Khách hàng mới"), "form": form})


@role_required(*SUPPORT)
def tickets(request):
    filters = TicketFilterForm(request.GET or None)
    scope = request.GET.get("scope") or "mine"
    qs = selectors.ticket_list(user=request.user, scope=scope)
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


@role_required(*SUPPORT)
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


@require_POST
@role_required(*SUPPORT)
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
        return HttpResponse(status=404)
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


@role_required(Role.MANAGER)
def satisfaction_report(request):
    return render(
        request,
        "support/satisfaction.html",
        {"title": _("Mức hài lòng theo bộ phận"), "rows": selectors.satisfaction_by_department()},
    )
