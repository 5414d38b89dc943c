"""Test helpers: state goes in through the other apps' services where they exist
(customer_resolve, record_purchase, record_activity, points_adjust, campaign_create…);
rows with no service yet (orders with lines, redemptions, tickets) are made here directly."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from customers import services as customer_services

_seq = itertools.count(1)


def at(days: float = 0, hours: float = 0, *, now: dt.datetime) -> dt.datetime:
    """`now` minus the given days/hours."""
    return now - dt.timedelta(days=days, hours=hours)


def customer(name: str = "", phone: str = "", email: str = ""):
    n = next(_seq)
    phone = phone or f"09{n:08d}"
    return customer_services.customer_resolve(full_name=name or f"Khách {n}", phone=phone, email=email).customer


def purchase(cust, *, amount: int, when: dt.datetime, channel: str = "website", ref: str = "", store_code: str = ""):
    ref = ref or f"P{next(_seq)}"
    customer_services.record_purchase(
        customer=cust, amount=amount, channel=channel, occurred_at=when, order_ref=ref, store_code=store_code
    )
    return ref


def activity(cust, kind: str, *, when: dt.datetime, **extra):
    return customer_services.record_activity(customer=cust, kind=kind, occurred_at=when, **extra)


def sales_channel(code: str = "website", kind: str = "website"):
    from channels.models import SalesChannel

    return SalesChannel.objects.get_or_create(
        code=code, defaults={"name": code.title(), "kind": kind, "is_online": kind != "store"}
    )[0]


def store(code: str = "q1"):
    from channels.models import SalesChannel, Store

    channel = sales_channel(f"store-{code}", SalesChannel.Kind.STORE)
    return Store.objects.get_or_create(
        code=code, defaults={"name": f"Cửa hàng {code.upper()}", "sales_channel": channel}
    )[0]


def order(
    cust,
    *,
    total: int,
    when: dt.datetime,
    channel=None,
    store=None,
    discount: int = 0,
    status: str = "delivered",
    lines=(),
    record: bool = True,
):
    """An order in channels (and, by default, its purchase figures in customers, as ingest does)."""
    from channels.models import Order, OrderLine

    n = next(_seq)
    if channel is None:
        channel = store.sales_channel if store is not None else sales_channel()
    o = Order.objects.create(
        number=f"O{n:06d}",
        channel=channel,
        store=store,
        customer=cust,
        status=status,
        fulfilment=Order.Fulfilment.IN_STORE if store is not None else Order.Fulfilment.SHIP,
        subtotal=total + discount,
        discount_total=discount,
        total=total,
        placed_at=when,
    )
    for sku, quantity in lines:
        OrderLine.objects.create(
            order=o,
            sku=sku,
            sku_code=sku.code,
            quantity=quantity,
            unit_price=sku.base_price,
            line_total=sku.base_price * quantity,
        )
    if record and cust is not None:
        purchase(
            cust, amount=total, when=when, channel=channel.code, ref=o.number, store_code=store.code if store else ""
        )
    return o


def sku(*, launch_date: dt.date | None, price: int = 100_000):
    from channels.models import SKU, Product

    n = next(_seq)
    product = Product.objects.create(name=f"Sản phẩm {n}", launch_date=launch_date)
    return SKU.objects.create(product=product, code=f"SKU{n}", base_price=price)


def campaign(name: str = "", *, utm_campaign: str = "", stage: str = "acquisition", channel=None, budget: int = 0):
    from promotions.models import Campaign

    n = next(_seq)
    today = timezone.localdate()
    return Campaign.objects.create(
        name=name or f"Chiến dịch {n}",
        utm_source="facebook",
        utm_medium="cpc",
        utm_campaign=utm_campaign or f"camp-{n}",
        journey_stage=stage,
        budget=budget,
        channel=channel,
        starts_on=today - dt.timedelta(days=365),
        ends_on=today + dt.timedelta(days=365),
    )


def redemption(cust, *, when: dt.datetime, store=None, campaign=None, order_ref: str = "", cashier=None):
    from django.contrib.auth import get_user_model

    from promotions.models import Redemption, Voucher

    n = next(_seq)
    cashier = cashier or get_user_model().objects.get_or_create(username="redeem-cashier")[0]
    voucher = Voucher.objects.create(
        code=f"V{n:06d}",
        kind=Voucher.Kind.SHARED,
        campaign=campaign,
        discount_type=Voucher.DiscountType.FIXED,
        discount_value=50_000,
        usage_limit=1000,
        valid_from=when - dt.timedelta(days=1),
        valid_to=when + dt.timedelta(days=30),
    )
    return Redemption.objects.create(
        voucher=voucher,
        store=store,
        cashier=cashier,
        customer=cust,
        campaign=campaign,
        order_ref=order_ref,
        basket={},
        basket_total=500_000,
        discount=50_000,
        total=450_000,
        redeemed_at=when,
    )


def confirmed_ticket(cust, *, when: dt.datetime):
    from support.models import Category, Department, Ticket

    dept = Department.objects.get_or_create(code="cskh", defaults={"name": "CSKH"})[0]
    cat = Category.objects.get_or_create(code="khieu-nai", defaults={"name": "Khiếu nại", "department": dept})[0]
    return Ticket.objects.create(
        customer=cust,
        subject="Hỏng hàng",
        category=cat,
        department=dept,
        status=Ticket.Status.CONFIRMED,
        due_at=when,
        resolved_at=when,
        confirmed_at=when,
    )
