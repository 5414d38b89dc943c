"""Test data builders. Lower apps' rows (stores, SKUs, customers) go through their services
where those exist; promotions' own rows always go through promotions' services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from promotions import services

_seq = itertools.count(1)


def make_store(code: str | None = None, **fields):
    from channels.models import Store

    n = next(_seq)
    return Store.objects.create(code=code or f"st-{n}", name=fields.pop("name", f"Cửa hàng {n}"), **fields)


def make_channel(code: str = "website", kind: str = "website"):
    from channels.models import SalesChannel

    channel, _ = SalesChannel.objects.get_or_create(
        code=code, defaults={"name": code.title(), "kind": kind, "is_online": kind != "store"}
    )
    return channel


def make_sku(code: str | None = None, price: int = 100_000, name: str = "Sản phẩm", category: str = ""):
    from channels.models import SKU, Product

    n = next(_seq)
    product = Product.objects.create(name=f"{name} {n}", category=category)
    return SKU.objects.create(product=product, code=code or f"SKU-{n}", barcode=f"893{n:010d}", base_price=price)


def make_customer(name: str = "Nguyễn Văn An", phone: str | None = None):
    from customers.services import customer_resolve

    n = next(_seq)
    return customer_resolve(full_name=name, phone=phone or f"09{n % 100_000_000:08d}", source="test").customer


def make_voucher(**terms):
    now = timezone.now()
    defaults = {
        "discount_type": "fixed",
        "discount_value": 50_000,
        "valid_from": now - dt.timedelta(days=1),
        "valid_to": now + dt.timedelta(days=30),
    }
    defaults.update(terms)
    return services.voucher_create(**defaults)


def make_promotion(**fields):
    now = timezone.now()
    defaults = {
        "name": "Khuyến mãi",
        "kind": "percent_bill",
        "percent": 10,
        "valid_from": now - dt.timedelta(days=1),
        "valid_to": now + dt.timedelta(days=30),
    }
    defaults.update(fields)
    return services.promotion_create(**defaults)
