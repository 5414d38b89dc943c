"""Staff screens of the customers app: the list/search screen and the customer page. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o_site.api import DomainError, NotFound
from o2o_site.roles import Role, has_role, role_required

from . import selectors, services
from .forms import ConsentForm, CustomerSearchForm
from .models import Activity

STAFF = (Role.MANAGER, Role.MARKETING, Role.AGENT)


@role_required(*STAFF)
def customer_list(request):
    form = CustomerSearchForm(request.GET or None, segments=selectors.segments_active())
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.customers_with_contacts(selectors.customer_search_queryset(**filters))
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "title": _("Khách hàng")}
    template = "customers/_results.html" if request.htmx and not request.htmx.boosted else "customers/list.html"
    return render(request, template, context)


@role_required(*STAFF)
def customer_detail(request, pk: int):
    customer = _or_404(selectors.customer_profile, pk)
    if customer.pk != pk:
        return redirect("customers:detail", pk=customer.pk)
    kinds = [k for k in request.GET.getlist("kind") if k in Activity.Kind.values]
    timeline = selectors.customer_timeline(customer, kinds=kinds, page=request.GET.get("page") or 1)
    context = {"customer": customer, "timeline": timeline, "kinds": Activity.Kind.choices, "selected_kinds": kinds}
    if request.htmx and request.GET.get("part") == "timeline":
        return render(request, "customers/_timeline.html", context)
    context.update(
        title=str(customer),
        consent_form=ConsentForm(),
        consent_texts=selectors.consent_texts_current().values(),
        can_edit_consent=has_role(request.user, Role.MANAGER, Role.AGENT),
        points=selectors.points_ledger(customer)[:10],
        recent_messages=selectors.customer_messages(customer),
    )
    return render(request, "customers/detail.html", context)


@require_POST
@role_required(Role.MANAGER, Role.AGENT)
def customer_consent(request, pk: int):
    customer = _or_404(selectors.customer_get, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            text = selectors.consent_texts_current().get(form.cleaned_data["purpose"])
            services.consent_record(customer=customer, user=request.user, text=text, **form.cleaned_data)
            messages.success(request, _("Đã ghi nhận quyết định của khách hàng."))
        except DomainError as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
            messages.error(request, f"{exc.message} {details}".strip())
    else:
        messages.error(request, _("Thông tin đồng ý chưa hợp lệ."))
    return redirect("customers:detail", pk=customer.pk)


def _or_404(selector, pk):
    try:
        return selector(pk)
    except NotFound:
        raise Http404(_("Không tìm thấy khách hàng."))
