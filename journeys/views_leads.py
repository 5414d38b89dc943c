"""The consultant's screens (phone-sized): my leads, one lead with the customer's whole history,
the suggested script, one-tap call/Zalo and the outcome form; the store's expected visits; and
the leads report for Manager/Marketing. Thin: services write, selectors read."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channels.selectors import stores_for_user
from customers.selectors import customer_primary_phone, customer_timeline
from o2o_site.api import DomainError
from o2o_site.roles import Role, has_role, role_required

from . import selectors, services
from .forms import LeadOutcomeForm, LeadReportForm
from .models import Lead

LEAD_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.MARKETING)


@role_required(*LEAD_ROLES)
def lead_queue(request):
    mine = request.GET.get("mine") == "1"
    leads = list(selectors.leads_for_user(request.user, mine_only=mine)[:100])
    now = timezone.now()
    return render(
        request,
        "journeys/leads.html",
        {"title": _("Khách tiềm năng"), "leads": leads, "mine": mine, "now": now, "shown_max": 100},
    )


@role_required(*LEAD_ROLES)
def lead_detail(request, lead_id: int):
    lead = selectors.lead_get_for_user(request.user, lead_id)
    if lead is None:
        raise Http404(_("Không tìm thấy khách tiềm năng."))
    form = LeadOutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_record_outcome(lead=lead, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            for field, problems in (exc.fields or {}).items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            if not exc.fields:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Đã ghi kết quả liên hệ."))
            return redirect("journeys:lead", lead_id=lead.pk)
    return render(
        request,
        "journeys/lead.html",
        {
            "title": lead.customer.full_name or _("Khách tiềm năng"),
            "lead": lead,
            "form": form,
            "script": selectors.lead_script_for(lead),
            "timeline": customer_timeline(lead.customer, page_size=20, with_count=False),
            "events": lead.events.select_related("consultant").order_by("-at")[:20],
            "phone": customer_primary_phone(lead.customer),
            "is_open": lead.status in Lead.OPEN,
            "can_take": has_role(request.user, Role.CONSULTANT),
        },
    )


@role_required(Role.CONSULTANT, Role.CASHIER, Role.MANAGER)
def store_visits(request):
    stores = stores_for_user(request.user)
    visits = selectors.store_expected_visits([s.pk for s in stores])
    return render(
        request, "journeys/visits.html", {"title": _("Khách hẹn ghé cửa hàng"), "visits": visits, "stores": stores}
    )


@role_required(Role.MANAGER, Role.MARKETING)
def leads_report(request):
    today = timezone.localdate()
    form = LeadReportForm(request.GET or None, initial={"start": today - dt.timedelta(days=29), "end": today})
    start, end, by = today - dt.timedelta(days=29), today, "consultant"
    if form.is_valid():
        start, end, by = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["by"] or "consultant"
    tz = timezone.get_current_timezone()
    rows = selectors.leads_report(
        start=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        by=by,
    )
    return render(
        request,
        "journeys/leads_report.html",
        {"title": _("Báo cáo khách tiềm năng"), "rows": rows, "form": form, "by": by},
    )


@require_POST
@role_required(Role.CONSULTANT, Role.MANAGER)
def lead_take(request, lead_id: int):
    """A consultant takes an unassigned lead of their store from the store queue."""
    lead = selectors.lead_get_for_user(request.user, lead_id)
    if lead is None:
        raise Http404(_("Không tìm thấy khách tiềm năng."))
    try:
        services.lead_take(lead=lead, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("journeys:lead", lead_id=lead.pk)
