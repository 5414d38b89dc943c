"""Staff screens of the channels app (thin: parse, call a service or selector, render)."""

from __future__ import annotations

import contextlib
import csv
import io

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from o2o_site.api import DomainError
from o2o_site.client_ip import client_ip
from o2o_site.heartbeats import background_late
from o2o_site.roles import Role, role_required
from o2o_site.safe_cache import CacheDown, cache_call

from . import selectors, services
from .adapters.feed import FEED_COLUMNS
from .conf import channel_credentials
from .forms import CheckInConfirmForm, CheckInForm, GoalsForm, OrderFilterForm
from .models import Order, SalesChannel, Store

SYNC_ROLES = (Role.MANAGER, Role.INVENTORY)


@role_required(*SYNC_ROLES)
def sync_status(request):
    channel = None
    if request.GET.get("channel"):
        channel = SalesChannel.objects.filter(code=request.GET["channel"]).first()
    failures = Paginator(selectors.sync_failures(channel=channel), 25).get_page(request.GET.get("page"))
    context = {
        "title": _("Trạng thái đồng bộ"),
        "summary": selectors.sync_status_summary(),
        "failures": failures,
        "channel": channel,
        "background_late": background_late(),
        "retrying": Paginator(selectors.sync_retrying(channel=channel), 25).get_page(1),
    }
    template = "channels/_sync_body.html" if request.htmx else "channels/sync_status.html"
    return render(request, template, context)


@require_POST
@role_required(*SYNC_ROLES)
def sync_retry(request, code: str):
    channel = get_object_or_404(SalesChannel, code=code)
    ids = [int(i) for i in request.POST.getlist("listing") if i.isdigit()] or None
    count = services.listings_retry(channel=channel, listing_ids=ids)
    messages.success(
        request,
        _("Đã đưa %(n)s tin đăng của %(channel)s vào hàng đợi đồng bộ lại.") % {"n": count, "channel": channel.name},
    )
    return redirect(f"{reverse('channels:sync-status')}?channel={channel.code}")


@role_required(*SYNC_ROLES)
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        if data["channel"]:
            filters["channel"] = data["channel"]
        if data["status"]:
            filters["status"] = data["status"]
        if data["store"]:
            filters["store"] = data["store"]
        if data["held"]:
            filters["is_held"] = True
        if data["q"]:
            found = selectors.order_find(data["q"])
            filters["pk"] = found.pk if found else 0
    page = Paginator(selectors.order_list(filters=filters), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "channels/order_list.html",
        {"title": _("Đơn hàng"), "form": form, "page": page, "query": query.urlencode()},
    )


# An order's next status as the button that moves it there: what the person does, not the state.
ORDER_ACTIONS = {
    Order.Status.CONFIRMED: gettext_lazy("Xác nhận đơn"),
    Order.Status.PACKED: gettext_lazy("Ghi nhận đã đóng gói"),
    Order.Status.SHIPPED: gettext_lazy("Giao cho vận chuyển"),
    Order.Status.DELIVERED: gettext_lazy("Ghi nhận đã giao"),
    Order.Status.CANCELLED: gettext_lazy("Huỷ đơn"),
    Order.Status.RETURNED: gettext_lazy("Ghi nhận trả hàng"),
}


@role_required(*SYNC_ROLES)
def order_detail(request, number: str):
    order = selectors.order_find(number)
    if order is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "release":
                services.order_release_hold(order=order)
                messages.success(request, _("Đã nhận lại đơn hàng."))
            else:
                services.order_status_change(order=order, status=request.POST.get("status", ""), by=request.user)
                messages.success(request, _("Đã cập nhật trạng thái đơn hàng."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("channels:order-detail", number=order.number)
    allowed = [(s, ORDER_ACTIONS.get(s, Order.Status(s).label)) for s in services.order_next_statuses(order)]
    return render(
        request, "channels/order_detail.html", {"title": order.number, "order": order, "next_statuses": allowed}
    )


@role_required(Role.MANAGER, Role.MARKETING)
def goals(request):
    raw_year = request.GET.get("year", "")
    year = int(raw_year) if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100 else timezone.localdate().year
    channels, default = selectors.goals_channels(year=year)
    code = request.POST.get("channel") or request.GET.get("channel") or (default.code if default else "")
    channel = next((c for c in channels if c.code == code), None)
    form = GoalsForm(request.POST or None, initial={"channel": channel, "year": year})
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            services.goals_set_for_year(
                channel=data["channel"],
                year=data["year"],
                revenue=data["revenue"],
                orders=data["orders"],
                new_customers=data["new_customers"],
                monthly_rise_percent=data["monthly_rise_percent"],
                start_month=data["start_month"],
            )
            messages.success(request, _("Đã đặt mục tiêu cho cả năm."))
            return redirect(f"{reverse('channels:goals')}?channel={data['channel'].code}&year={data['year']}")
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
    rows = selectors.goals_vs_actual(channel=channel, year=year) if channel else []
    return render(
        request,
        "channels/goals.html",
        {
            "title": _("Mục tiêu kênh"),
            "channels": channels,
            "channel": channel,
            "year": year,
            "rows": rows,
            "form": form,
        },
    )


# --- public store page (QR) ----------------------------------------------------------------------

CHECKIN_LIMIT_PER_HOUR = 30


def _public_store(code: str) -> Store:
    store = Store.objects.filter(code=code, is_active=True, is_warehouse=False).first()
    if store is None:
        raise Http404
    return store


def _put_errors(form, exc: DomainError) -> None:
    """The service's reason on top, and each field's beside it (a hidden field's on top too)."""
    form.add_error(None, exc.message)
    for field, errors in exc.fields.items():
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        for error in errors:
            form.add_error(field if visible else None, error)


def store_checkin(request, code: str):
    """The page a store's QR code opens: the visitor leaves a phone number and we record a visit;
    the phone joins a customer profile only once they type back the code we text them."""
    store = _public_store(code)
    utm = {k: v[:200] for k, v in request.GET.items() if k.startswith("utm_") and v}
    campaign = request.GET.get("campaign", "")
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"channels:checkin:{client_ip(request) or ''}"
        try:
            hits = cache_call("get_or_set", key, 0, 3600)
        except CacheDown:  # the visit matters more than the limit while the cache is down (logged)
            hits = 0
        if hits >= CHECKIN_LIMIT_PER_HOUR:
            form.add_error(None, _("Bạn đã gửi quá nhiều lần, vui lòng thử lại sau."))
        else:
            # Down, or the key expired since: the visit is recorded anyway.
            with contextlib.suppress(CacheDown, ValueError):
                cache_call("incr", key)
            try:
                _checkin, challenge = services.checkin_start(
                    store=store,
                    phone=form.cleaned_data["phone"],
                    full_name=form.cleaned_data["full_name"],
                    campaign_id=int(campaign) if campaign.isdigit() else None,
                    utm=utm,
                )
                confirm = CheckInConfirmForm(initial={"challenge": challenge.public_id})
                return render(request, "channels/checkin_confirm.html", {"store": store, "form": confirm})
            except DomainError as exc:
                _put_errors(form, exc)
    return render(request, "channels/checkin.html", {"title": store.name, "store": store, "form": form})


@require_POST
def store_checkin_confirm(request, code: str):
    """The visitor types the code sent to their phone: the visit joins their profile."""
    store = _public_store(code)
    form = CheckInConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.checkin_confirm(challenge=form.cleaned_data["challenge"], code=form.cleaned_data["code"])
            return render(request, "channels/checkin_done.html", {"title": store.name, "store": store})
        except DomainError as exc:
            _put_errors(form, exc)
    return render(request, "channels/checkin_confirm.html", {"store": store, "form": form}, status=400)


@role_required(Role.MANAGER, Role.INVENTORY, Role.MARKETING)
def store_qr(request, code: str):
    """A printable page with the store's QR code (SVG, made here, no external service)."""
    import segno

    store = get_object_or_404(Store, code=code)
    url = settings.SITE_URL + reverse("channels:store-checkin", args=[store.code])
    if request.GET.get("utm_campaign"):
        url += "?utm_source=qr&utm_medium=offline&utm_campaign=" + request.GET["utm_campaign"][:100]
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return render(
        request,
        "channels/store_qr.html",
        {"title": store.name, "store": store, "url": url, "svg": buffer.getvalue().decode()},
    )


# --- catalogue feed (Facebook / Instagram / Google fetch it) --------------------------------------


def channel_feed(request, code: str):
    """The catalogue file a platform fetches; the fetch is its acknowledgement (`feed_served`)."""
    channel = get_object_or_404(SalesChannel, code=code, is_active=True)
    token = channel_credentials(channel).get("feed_token", "")
    if not token or not constant_time_compare(token, request.GET.get("token", "")):
        raise Http404
    listings = selectors.feed_listings(channel=channel)
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(FEED_COLUMNS)
    rows, refused = selectors.feed_rows(listings)
    writer.writerows(rows)
    services.feed_served(channel=channel, served=listings, refused=refused)
    return HttpResponse(out.getvalue(), content_type="text/tab-separated-values; charset=utf-8")


# --- click & collect: the store's task list and the customer's pickup pass ------------------------

PICKUP_ROLES = (Role.MANAGER, Role.CASHIER, Role.INVENTORY)


@role_required(*PICKUP_ROLES)
def pickups(request):
    """`/channels/pickups/?store=`: to pick → ready → collected, and the counter's code box."""
    stores = selectors.stores_for_user(request.user)
    store = next((s for s in stores if s.code == (request.POST.get("store") or request.GET.get("store"))), None)
    store = store or (stores[0] if stores else None)
    collected = None
    if request.method == "POST" and store is not None:
        try:
            if request.POST.get("action") == "ready":
                order = selectors.order_find(request.POST.get("order", ""))
                if order is None or order.store_id != store.pk:
                    raise Http404
                services.pickup_mark_ready(order=order, by=request.user)
                messages.success(request, _("Đã báo khách: đơn %(number)s sẵn sàng.") % {"number": order.number})
            else:
                collected = services.pickup_collect(store=store, code=request.POST.get("code", ""), by=request.user)
                messages.success(request, _("Đơn %(number)s đã giao cho khách.") % {"number": collected.number})
        except DomainError as exc:
            messages.error(request, exc.message)
        if collected is None:
            return redirect(f"{reverse('channels:pickups')}?store={store.code}")
    context = {
        "title": _("Đơn nhận tại cửa hàng"),
        "stores": stores,
        "store": store,
        "tasks": selectors.pickup_tasks(store=store) if store else None,
        "collected": collected,
    }
    return render(request, "channels/pickups.html", context)


def pickup_pass(request, token: str):
    """The customer's pickup pass (the link in the notice): the code, its QR, the store."""
    import segno

    order = selectors.pickup_order_by_pass(token)
    if order is None or not order.pickup_code:
        raise Http404
    buffer = io.BytesIO()
    segno.make(order.pickup_code, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return render(
        request,
        "channels/pickup_pass.html",
        {"title": _("Mã nhận hàng"), "order": order, "svg": buffer.getvalue().decode()},
    )


def product_page(request, code: str):
    """The public product page feeds link to (when the product has no website page of its own)."""
    found = selectors.product_page(code)
    if found is None:
        raise Http404
    return render(request, "channels/product_page.html", {"title": found["product"].name, **found})
