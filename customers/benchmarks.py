"""Hot paths of the customers app: resolve (every incoming order), search (every hotline call), timeline.

`python manage.py bench customers. --scale 1` builds `20,000 × scale` customers once (bulk), then
measures each operation.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from o2o_site.bench import measure, register
from o2o_site.text import fold

_STATE: dict = {}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"]
MIDDLES = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu"]
GIVENS = ["An", "Bình", "Cường", "Dung", "Đạt", "Hà", "Hải", "Lan", "Mai", "Nam", "Phúc", "Trang", "Vy"]


def _dataset(ctx) -> dict:
    """Customers with a phone each, some emails, and a timeline for a few of them (built once per run)."""
    size = ctx.n(20_000, minimum=200)
    if _STATE.get("size") == size:
        return _STATE
    from customers.models import Activity, ContactPoint, Customer

    rng = random.Random(7)
    names = [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)} {i}" for i in range(size)]
    customers = Customer.objects.bulk_create(
        [Customer(full_name=n, search_name=fold(n), source="bench") for n in names], batch_size=2000
    )
    if customers[0].pk is None:
        customers = list(Customer.objects.filter(source="bench").order_by("pk"))
    phones = [f"+849{i:08d}" for i in range(size)]
    ContactPoint.objects.bulk_create(
        [
            ContactPoint(customer=c, kind="phone", value=p, raw=p, search_value=p.lstrip("+")[::-1])
            for c, p in zip(customers, phones, strict=True)
        ],
        batch_size=2000,
    )
    now = timezone.now()
    heavy = customers[: max(10, size // 100)]
    Activity.objects.bulk_create(
        [
            Activity(customer=c, kind="order", occurred_at=now - timedelta(hours=j), summary="bench", amount=100_000)
            for c in heavy
            for j in range(200)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer, customers_contactpoint, customers_activity")
    _STATE.update(size=size, customers=customers, phones=phones, names=names, heavy=heavy)
    return _STATE


@register("customers.resolve_existing_phone")
def resolve_existing_phone(ctx):
    from customers.services import customer_resolve

    data = _dataset(ctx)
    phones, n = data["phones"], data["size"]
    # written the way marketplaces send them: national format with spaces
    return measure(
        lambda i: customer_resolve(phone="0" + phones[(i * 7919) % n][3:], source="bench"),
        iterations=ctx.iterations,
        customers=n,
    )


@register("customers.resolve_new_customer")
def resolve_new_customer(ctx):
    from customers.services import customer_resolve

    data = _dataset(ctx)
    base = 30_000_000 + data["size"]
    return measure(
        lambda i: customer_resolve(full_name="Khách mới", phone=f"03{(base + i) % 100_000_000:08d}", source="bench"),
        iterations=ctx.iterations,
        warmup=0,
        customers=data["size"],
    )


@register("customers.search_by_phone")
def search_by_phone(ctx):
    from customers.selectors import customer_search

    data = _dataset(ctx)
    phones, n = data["phones"], data["size"]
    return measure(lambda i: customer_search(phones[(i * 31) % n]), iterations=ctx.iterations, customers=n)


@register("customers.search_by_last_digits")
def search_by_last_digits(ctx):
    from customers.selectors import customer_search

    data = _dataset(ctx)
    phones, n = data["phones"], data["size"]
    return measure(lambda i: customer_search(phones[(i * 31) % n][-6:]), iterations=ctx.iterations, customers=n)


@register("customers.search_by_folded_name")
def search_by_folded_name(ctx):
    from customers.selectors import customer_search

    data = _dataset(ctx)
    names, n = data["names"], data["size"]
    return measure(lambda i: customer_search(fold(names[(i * 13) % n]).upper()), iterations=ctx.iterations, customers=n)


@register("customers.timeline_newest_25")
def timeline_newest(ctx):
    from customers.selectors import customer_timeline

    data = _dataset(ctx)
    heavy = data["heavy"]
    return measure(
        lambda i: customer_timeline(heavy[i % len(heavy)], page_size=25),
        iterations=ctx.iterations,
        activities_per_customer=200,
        total_activities=200 * len(heavy),
    )
