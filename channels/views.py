"""Staff screens of the channels app (thin: parse, call a service or selector, render)."""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
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
from o2o_site.roles import Role, role_required

from . import selectors, services
from .conf import channel_credentials
from .forms import CheckInForm, GoalsForm, OrderFilterForm
from .models import CheckIn, Listing, Order, SalesChannel, Store

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
    allowed = [
        (s, ORDER_ACTIONS.get(s, Order.Status(s).label))
        for s in sorted(services.TRANSITIONS[order.status], key=Order.Status.values.index)
    ]
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


def store_checkin(request, code: str):
    """The page a store's QR code opens: the customer leaves a phone number, we record a visit."""
    store = Store.objects.filter(code=code, is_active=True, is_warehouse=False).first()
    if store is None:
        raise Http404
    utm = {k: v[:200] for k, v in request.GET.items() if k.startswith("utm_") and v}
    campaign = request.GET.get("campaign", "")
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"channels:checkin:{request.META.get('REMOTE_ADDR', '')}"
        hits = cache.get_or_set(key, 0, 3600)
        if hits >= CHECKIN_LIMIT_PER_HOUR:
            form.add_error(None, _("Bạn đã gửi quá nhiều lần, vui lòng thử lại sau."))
        else:
            cache.incr(key)
            try:
                services.checkin_record(
                    store=store,
                    method=CheckIn.Method.QR,
                    phone=form.cleaned_data["phone"],
                    full_name=form.cleaned_data["full_name"],
                    campaign_id=int(campaign) if campaign.isdigit() else None,
                    utm=utm,
                )
                return render(request, "channels/checkin_done.html", {"title": store.name, "store": store})
            except DomainError as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
    return render(request, "channels/checkin.html", {"title": store.name, "store": store, "form": form})


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
    channel = get_object_or_404(SalesChannel, code=code, is_active=True)
    token = channel_credentials(channel).get("feed_token", "")
    if not token or not constant_time_compare(token, request.GET.get("token", "")):
        raise Http404
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["id", "title", "description", "availability", "condition", "price", "brand", "gtin", "link"])
    rows = (
        Listing.objects.filter(channel=channel, is_active=True)
        .select_related("sku", "sku__product")
        .order_by("sku__code")
    )
    for listing in rows.iterator(chunk_size=2000):
        sku = listing.sku
        writer.writerow(
            [
                sku.code,
                sku.product.name,
                sku.product.description[:5000],
                "in stock" if listing.published_quantity > 0 else "out of stock",
                "new",
                f"{listing.price} VND",
                sku.product.brand,
                sku.barcode,
                f"{settings.SITE_URL}/p/{sku.code}",
            ]
        )
    return HttpResponse(out.getvalue(), content_type="text/tab-separated-values; charset=utf-8")
