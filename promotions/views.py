"""Staff screens of the promotions app: the cashier's counter, the public voucher page, overview.

Thin: parse the form, call one service or selector, render. htmx requests get the fragment,
plain form posts (no JavaScript) get the whole page, so the counter works either way.
"""

from __future__ import annotations

import uuid

import segno
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from o2o_site.api import DomainError
from o2o_site.client_ip import client_ip
from o2o_site.money import amount_messages
from o2o_site.roles import Role, role_required

from . import conf, selectors, services
from .errors import RateLimited
from .forms import BatchForm, CounterForm, form_errors_text

SESSION_STORE = "promotions.cashier_store"


def _ip(request) -> str | None:
    return client_ip(request)


def _counter_context(request) -> dict:
    """The cashier's store: their only one, or the one they picked (kept in the session)."""
    from channels.selectors import stores_for_user

    stores = stores_for_user(request.user)
    wanted = request.GET.get("store") or request.session.get(SESSION_STORE)
    store = next((s for s in stores if s.code == wanted), None)
    if store is None and len(stores) == 1:
        store = stores[0]
    if store is not None:
        request.session[SESSION_STORE] = store.code
    return {"stores": stores, "store": store}


def _render_counter(request, context: dict, fragment: str, status: int = 200):
    template = fragment if request.htmx else "promotions/cashier.html"
    if not request.htmx and context.get("store") is not None:
        context.setdefault("running", selectors.promotions_running_now(store=context["store"]))
        context.setdefault("recent", selectors.redemptions_for_store_today(store=context["store"]))
    context.setdefault("form", CounterForm(initial={"idempotency_key": uuid.uuid4().hex}))
    context.setdefault("amount_messages", amount_messages())
    context.setdefault("void_window", conf.void_window_minutes())
    context["fragment"] = fragment
    return render(request, template, context, status=status)


@never_cache
@role_required(Role.CASHIER)
def cashier(request):
    context = _counter_context(request)
    return _render_counter(request, context, "promotions/_counter_result.html")


@role_required(Role.CASHIER)
@require_POST
def cashier_check(request):
    context = _counter_context(request)
    form = CounterForm(request.POST)
    context["form"] = form
    if context["store"] is None:
        return redirect("promotions:cashier")
    if form.is_valid():
        try:
            context.update(_checked(request, form, context["store"]))
        except RateLimited as exc:
            context.update(error=exc.message, retry_after=int(exc.extra.get("retry_after") or 60))
        except DomainError as exc:
            context["error"] = exc.message
    if form.errors:
        context["error"] = form_errors_text(form)
    return _render_counter(request, context, "promotions/_counter_result.html")


def _checked(request, form: CounterForm, store) -> dict:
    """The code alone (scanned first), or the basket priced with the code."""
    customer = services.customer_resolve_id(form.cleaned_data.get("customer"))
    code = form.cleaned_data["code"]
    if form.code_only:
        check = services.counter_code_check(
            store=store, user=request.user, code=code, customer=customer, ip=_ip(request)
        )
        return {"code_check": check, "customer": customer, "refusal": check.refusal}
    basket = form.basket()
    priced = services.counter_quote(
        store=store, user=request.user, basket=basket, code=code, customer=customer, ip=_ip(request)
    )
    return {
        "priced": priced,
        "customer": customer,
        "refusal": priced.refused[0] if priced.refused else None,
        "upsell": selectors.upsell_for_basket(basket),
        "confirm_key": uuid.uuid4().hex,
    }


@role_required(Role.CASHIER)
@require_POST
def cashier_confirm(request):
    context = _counter_context(request)
    form = CounterForm(request.POST)
    context["form"] = form
    if context["store"] is None:
        return redirect("promotions:cashier")
    if form.is_valid():
        try:
            redemption, order, priced = services.cashier_checkout(
                store=context["store"],
                cashier=request.user,
                basket=form.basket(),
                code=form.cleaned_data["code"],
                customer=services.customer_resolve_id(form.cleaned_data.get("customer")),
                idempotency_key=form.cleaned_data.get("idempotency_key") or "",
                ip=_ip(request),
            )
            context.update(redemption=redemption, order=order, priced=priced)
            return _render_counter(request, context, "promotions/_counter_receipt.html")
        except RateLimited as exc:
            context.update(error=exc.message, retry_after=int(exc.extra.get("retry_after") or 60))
        except DomainError as exc:
            context["error"] = exc.message
    if form.errors:
        context["error"] = form_errors_text(form)
    return _render_counter(request, context, "promotions/_counter_result.html")


@role_required(Role.CASHIER)
@require_POST
def cashier_void(request, pk: int):
    context = _counter_context(request)
    try:
        redemption = services.redemption_void(
            redemption_id=pk, actor=request.user, reason=request.POST.get("reason", "")[:300]
        )
        context["voided"] = redemption
    except DomainError as exc:
        context["error"] = exc.message
    return _render_counter(request, context, "promotions/_counter_result.html")


@role_required(Role.CASHIER)
@require_GET
def cashier_customer(request):
    """The customer whose exact phone or member code (card/QR) was typed, masked, with the
    vouchers they can use here and now. Never a partial match, never a list of strangers."""
    from .counter import counter_customer_lookup

    context = _counter_context(request)
    typed = (request.GET.get("phone") or "").strip()[:40]
    found = []
    if typed and context["store"] is not None:
        is_member_code = typed.upper().startswith("KH")
        try:
            found = counter_customer_lookup(
                store=context["store"],
                cashier=request.user,
                phone="" if is_member_code else typed,
                member_code=typed if is_member_code else "",
                ip=_ip(request),
            )
        except DomainError as exc:
            context["error"] = exc.message
    context.update(phone=typed, found=found)
    return render(request, "promotions/_customer_vouchers.html", context)


# --- the customer's link --------------------------------------------------------------------


def _public_voucher(request, code: str, *, usable_only: bool = False):
    try:
        services.lookup_guard(user=None, ip=_ip(request))
    except RateLimited:
        raise Http404
    voucher = selectors.voucher_find_by_code(code)
    if voucher is None or (usable_only and voucher.status != voucher.Status.ACTIVE):
        services.lookup_failed(user=None, ip=_ip(request))
        raise Http404
    return voucher


@require_GET
def voucher_public(request, code: str):
    """The short link in the SMS: the code, its QR for the cashier's scanner, and its terms; a
    used, voided, expired or not-yet-valid voucher says so (and shows no QR to scan)."""
    voucher = _public_voucher(request, code)
    state = selectors.voucher_public_state(voucher)
    link = services.voucher_short_link(voucher)
    qr = segno.make(link, error="m").svg_inline(scale=6, dark="#13233f") if state["state"] == "usable" else ""
    context = {"voucher": voucher, "qr": qr, "link": link, "state": state}
    return render(request, "promotions/voucher_public.html", context)


@require_GET
def voucher_qr(request, code: str):
    voucher = _public_voucher(request, code, usable_only=True)
    qr = segno.make(services.voucher_short_link(voucher), error="m")
    response = HttpResponse(qr.svg_inline(scale=8), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- back office ----------------------------------------------------------------------------


@role_required(Role.MANAGER, Role.MARKETING)
@require_GET
def overview(request):
    """Campaigns, vouchers (filtered, paginated), promotions running now, the budget plan."""
    from .filters import VoucherScreenFilter

    vouchers = VoucherScreenFilter(request.GET, queryset=selectors.voucher_list().order_by("-created_at", "-pk"))
    page = Paginator(vouchers.qs, 25).get_page(request.GET.get("page"))
    plan = selectors.budget_plan_current()
    context = {
        "filter": vouchers,
        "page": page,
        "campaigns": list(selectors.campaign_list().order_by("-starts_on", "pk")[:10]),
        "promotions": list(selectors.promotion_list().filter(is_active=True).order_by("priority", "pk")[:20]),
        "plan": plan,
        "plan_rows": selectors.budget_plan_vs_actual(plan) if plan else [],
        "title": _("Khuyến mãi"),
    }
    return render(request, "promotions/overview.html", context)


@role_required(Role.MANAGER, Role.MARKETING)
def batches(request):
    """Bulk issue to a segment or a list, and the progress of past batches (polled by htmx)."""
    from customers.models import Segment

    segments = list(Segment.objects.filter(is_active=True).order_by("name").values_list("code", "name"))
    campaigns = [
        (str(pk), name) for pk, name in selectors.campaign_list().order_by("-starts_on").values_list("pk", "name")
    ]
    form = BatchForm(request.POST or None, segments=segments, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.voucher_batch_create(
                template={
                    "discount_type": data["discount_type"],
                    "discount_value": data["discount_value"],
                    "max_discount": data.get("max_discount"),
                    "min_basket": data.get("min_basket") or 0,
                    "store_only": data.get("store_only", False),
                    "valid_days": data["valid_days"],
                },
                created_by=request.user,
                campaign=selectors.campaign_list().filter(pk=data["campaign"]).first() if data["campaign"] else None,
                segment_code=data.get("segment") or "",
                customer_ids=data.get("customer_ids") or [],
                message_channel=data.get("message_channel") or "",
                message_body=data.get("message_body") or "",
            )
            return redirect("promotions:batches")
        except DomainError as exc:
            form.add_error(None, exc.message)
    page = Paginator(selectors.batch_list().order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    template = "promotions/_batch_rows.html" if request.htmx and request.method == "GET" else "promotions/batches.html"
    return render(request, template, {"form": form, "page": page, "title": _("Phát hành voucher hàng loạt")})
