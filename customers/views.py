"""Staff screens of the customers app: the list/search screen and the customer page. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from o2o_site.api import DomainError, NotFound
from o2o_site.roles import Role, has_role, role_required

from . import selectors, services
from .access import access_log_request
from .forms import AccessLogFilterForm, ConsentForm, ContactAddForm, CustomerSearchForm
from .models import Activity

STAFF = (Role.MANAGER, Role.MARKETING, Role.AGENT)


# Manager and Marketing list and filter the base; an agent finds a customer by searching
# (3+ characters, at most 20 answers, no further pages, no bulk listing).
LIST_ROLES = (Role.MANAGER, Role.MARKETING)
SEARCH_MIN_LENGTH = 3
SEARCH_CAP = 20


@role_required(*STAFF)
def customer_list(request):
    form = CustomerSearchForm(request.GET or None, segments=selectors.segments_active())
    filters = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.customers_with_contacts(selectors.customer_search_queryset(**filters))
    query_text = (filters.get("q") or "").strip()
    search_only = not has_role(request.user, *LIST_ROLES)
    if search_only:
        queryset = list(queryset[:SEARCH_CAP]) if len(query_text) >= SEARCH_MIN_LENGTH else []
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    if query_text:
        access_log_request(request, "lookup", query=query_text, result_ids=[c.pk for c in page.object_list])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "title": _("Khách hàng"),
        "search_only": search_only,
        "needs_query": search_only and len(query_text) < SEARCH_MIN_LENGTH,
    }
    template = "customers/_results.html" if request.htmx and not request.htmx.boosted else "customers/list.html"
    return render(request, template, context)


@role_required(*STAFF)
def customer_detail(request, pk: int):
    customer = _or_404(selectors.customer_profile, pk)
    if customer.pk != pk:
        return redirect("customers:detail", pk=customer.pk)
    if request.htmx and request.GET.get("part") == "timeline":
        return render(request, "customers/_timeline.html", _timeline_context(request, customer))
    access_log_request(request, "profile", customer=customer)
    return render(request, "customers/detail.html", _detail_context(request, customer))


@require_POST
@role_required(Role.MANAGER, Role.AGENT)
def customer_consent(request, pk: int):
    customer = _or_404(selectors.customer_get, pk)
    form = ConsentForm(request.POST)
    if form.is_valid() and form.cleaned_data["granted"] and not has_role(request.user, Role.MANAGER):
        # The agent on the phone records a withdrawal; a grant needs the evidence a manager holds.
        form.add_error("granted", _("Chỉ quản lý (có bằng chứng) được ghi nhận khách đồng ý."))
    if form.is_valid():
        try:
            text = selectors.consent_texts_current().get(form.cleaned_data["purpose"])
            services.consent_record(customer=customer, user=request.user, text=text, **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã ghi nhận quyết định của khách hàng."))
            return redirect("customers:detail", pk=customer.pk)
    # Re-render with what was typed (the evidence note is not lost) and the reasons.
    context = _detail_context(request, selectors.customer_profile(customer.pk), consent_form=form)
    return render(request, "customers/detail.html", context, status=400)


@require_POST
@role_required(Role.MANAGER, Role.AGENT)
def customer_contact_add(request, pk: int):
    customer = _or_404(selectors.customer_get, pk)
    form = ContactAddForm(request.POST)
    if form.is_valid():
        try:
            services.customer_add_contact(customer=customer, source="staff", **form.cleaned_data)
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Đã thêm thông tin liên hệ."))
            return redirect("customers:detail", pk=customer.pk)
    context = _detail_context(request, selectors.customer_profile(customer.pk), contact_form=form)
    return render(request, "customers/detail.html", context, status=400)


@role_required(Role.MANAGER)
def access_log(request):
    """Who looked at which customer, when, from which screen (the Manager's view of the log)."""
    form = AccessLogFilterForm(request.GET or None)
    filters = selectors.access_log_filters(form.cleaned_data) if form.is_valid() else {}
    page = Paginator(selectors.access_log_list(**filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "title": _("Nhật ký truy cập khách hàng")}
    return render(request, "customers/access_log.html", context)


def _timeline_context(request, customer) -> dict:
    kinds = [k for k in request.GET.getlist("kind") if k in Activity.Kind.values]
    timeline = selectors.customer_timeline(customer, kinds=kinds, page=request.GET.get("page") or 1)
    return {"customer": customer, "timeline": timeline, "kinds": Activity.Kind.choices, "selected_kinds": kinds}


def _detail_context(request, customer, *, consent_form=None, contact_form=None) -> dict:
    return {
        **_timeline_context(request, customer),
        "title": str(customer),
        "consent_form": consent_form or ConsentForm(),
        "contact_form": contact_form or ContactAddForm(),
        "consent_texts": selectors.consent_texts_current().values(),
        "can_edit": has_role(request.user, Role.MANAGER, Role.AGENT) and not customer.is_erased,
        "points": selectors.points_ledger(customer)[:10],
        "recent_messages": selectors.customer_messages(customer),
    }


def _form_errors(form, exc: DomainError) -> None:
    """Puts a service's refusal on the form: per field where it says which, else on the form."""
    placed = False
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _or_404(selector, pk):
    try:
        return selector(pk)
    except NotFound:
        raise Http404(_("Không tìm thấy khách hàng."))


@require_GET
def link_redirect(request, token: str):
    """`/l/<token>`: a tracked link in a message. Counts the click and forwards; an unknown or
    expired token gets a friendly page (404), never an error."""
    url = services.link_click(token=token)
    if url is None:
        return render(request, "customers/link_missing.html", {"title": _("Liên kết không còn dùng được")}, status=404)
    return redirect(url)
