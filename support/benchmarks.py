"""Hot paths of the hotline: the customer view for a caller with a long history, and the search.

`python manage.py bench support. --scale 0.1` builds `1,000,000 × scale` customers (one phone
each, folded names) plus one caller with a long history on every channel, then measures:
- `support.hotline_customer_view`: the whole server-side view (GET /hotline/customers/<id>/ via
  the test client: session, roles, every selector, template render), next to the raw SQL of a
  phone lookup with the first timeline page, and the ratio between them;
- `support.search_by_phone` / `support.search_by_folded_name`: the hotline search box.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from o2o_site.bench import measure, register
from o2o_site.text import fold

_STATE: dict = {}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLES = ["Văn", "Thị", "Đức", "Ngọc", "Minh", "Thu", "Hoàng", "Thanh"]
GIVENS = ["An", "Bình", "Cường", "Dung", "Đạt", "Hà", "Hải", "Lan", "Mai", "Nam", "Phúc", "Trang", "Vy", "Khoa"]
CALLER_PHONE = "+84912345678"


def _dataset(ctx) -> dict:
    size = ctx.n(1_000_000, minimum=500)
    if _STATE.get("size") == size:
        return _STATE
    from customers.models import Activity, ContactPoint, Customer

    rng = random.Random(11)
    batch = 5000
    phones = []
    names = []
    for start in range(0, size, batch):
        chunk = [
            f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)} {i}"
            for i in range(start, min(size, start + batch))
        ]
        created = Customer.objects.bulk_create(
            [Customer(full_name=n, search_name=fold(n), source="bench") for n in chunk]
        )
        if created[0].pk is None:
            created = list(Customer.objects.filter(source="bench").order_by("-pk")[: len(chunk)])[::-1]
        chunk_phones = [f"+8497{i:07d}" for i in range(start, start + len(chunk))]
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(customer=c, kind="phone", value=p, raw=p, search_value=p.lstrip("+")[::-1])
                for c, p in zip(created, chunk_phones, strict=True)
            ]
        )
        phones.extend(chunk_phones)
        names.extend(chunk)
    caller = _long_history_caller(ctx)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Customer._meta.db_table}, {ContactPoint._meta.db_table}, {Activity._meta.db_table}"
            )
    _STATE.update(size=size, phones=phones, names=names, caller=caller)
    return _STATE


def _long_history_caller(ctx):
    """Nguyễn Văn An: orders on every channel, check-ins, messages, tickets, vouchers — years of them."""
    from django.contrib.auth import get_user_model

    from channels.models import SalesChannel, Store
    from channels.services import store_sale_create
    from customers.models import Activity
    from customers.services import customer_resolve, record_purchase
    from o2o_site.roles import Role, user_add_role
    from promotions.services import voucher_issue
    from support import services

    customer = customer_resolve(full_name="Nguyễn Văn An", phone=CALLER_PHONE, source="bench").customer
    channels = ["website", "app", "facebook", "zalo", "shopee", "lazada", "tiki", "tiktok_shop", "store"]
    kinds = ["order", "checkin", "redemption", "message", "call", "web_visit", "product_view"]
    history = ctx.n(20_000, minimum=2000)
    now = timezone.now()
    Activity.objects.bulk_create(
        [
            Activity(
                customer=customer,
                kind=kinds[i % len(kinds)],
                channel=channels[i % len(channels)],
                summary=f"bench {i}",
                amount=100_000 + i,
                occurred_at=now - timedelta(hours=i),
            )
            for i in range(history)
        ],
        batch_size=5000,
    )
    for i in range(200):
        record_purchase(
            customer=customer,
            amount=150_000 + i,
            channel=channels[i % len(channels)],
            occurred_at=now - timedelta(days=i),
            order_ref=f"bench-{i}",
        )
    pos, _ = SalesChannel.objects.get_or_create(
        code="pos", defaults={"name": "POS", "kind": "store", "is_online": False}
    )
    store, _ = Store.objects.get_or_create(code="bench-hn", defaults={"name": "Cửa hàng bench", "sales_channel": pos})
    user_model = get_user_model()
    cashier, _ = user_model.objects.get_or_create(username="bench-cashier")
    user_add_role(cashier, Role.MANAGER)
    for i in range(40):
        store_sale_create(
            store=store, cashier=cashier, customer=customer, lines=[], total=200_000 + i, reference=f"b{i}"
        )
    department = services.department_create(code="bench", name="Bench")
    category = services.category_create(code="bench", name="Bench", department=department)
    for i in range(40):
        services.ticket_create(customer=customer, category=category, subject=f"Yêu cầu {i}")
    for _ in range(10):
        voucher_issue(customer=customer, discount_type="fixed", discount_value=20_000)
    agent, _ = user_model.objects.get_or_create(username="bench-agent")
    user_add_role(agent, Role.AGENT)
    return customer


def _raw_phone_lookup_with_history(phone: str) -> list:
    """The floor: one statement finding the caller by phone and their first 25 timeline rows."""
    from customers.models import Activity, ContactPoint, Customer

    sql = (
        f"SELECT c.id, c.full_name, a.kind, a.channel, a.summary, a.occurred_at "
        f"FROM {ContactPoint._meta.db_table} cp JOIN {Customer._meta.db_table} c ON c.id = cp.customer_id "
        f"LEFT JOIN LATERAL (SELECT * FROM {Activity._meta.db_table} x WHERE x.customer_id = c.id "
        f"ORDER BY x.occurred_at DESC, x.id DESC LIMIT 25) a ON TRUE "
        f"WHERE cp.kind = 'phone' AND cp.value = %s AND NOT cp.is_blocked"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [phone])
        return cursor.fetchall()


@register("support.hotline_customer_view")
def hotline_customer_view(ctx):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from support.selectors import hotline_lookup

    if connection.vendor != "postgresql":
        return {"skipped": "LATERAL join baseline needs PostgreSQL"}
    data = _dataset(ctx)
    caller = data["caller"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-agent"))
    url = f"/hotline/customers/{caller.pk}/"

    def view(_i):
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    raw = measure(lambda _i: _raw_phone_lookup_with_history(CALLER_PHONE), iterations=ctx.iterations)
    result = measure(view, iterations=ctx.iterations, customers=data["size"])
    lookup_then_view = measure(
        lambda i: (hotline_lookup("0912 345 678"), view(i)),
        iterations=ctx.iterations,
    )
    result.update(
        raw_sql_p50_ms=raw["p50_ms"],
        raw_sql_p95_ms=raw["p95_ms"],
        ratio_p95_view_to_raw_sql=round(result["p95_ms"] / raw["p95_ms"], 1) if raw["p95_ms"] else None,
        lookup_then_view_p95_ms=lookup_then_view["p95_ms"],
        lookup_then_view_queries_per_op=lookup_then_view["queries_per_op"],
        history_rows=ctx.n(20_000, minimum=2000),
    )
    return result


@register("support.search_by_phone")
def search_by_phone(ctx):
    from support.selectors import hotline_lookup

    data = _dataset(ctx)
    phones, n = data["phones"], data["size"]
    formats = [
        lambda p: "0" + p[3:6] + " " + p[6:9] + " " + p[9:],  # 0979 000 123
        lambda p: p,  # +84979000123
        lambda p: p[1:],  # 84979000123
        lambda p: "+84 " + p[3:],
    ]
    return measure(
        lambda i: hotline_lookup(formats[i % 4](phones[(i * 7919) % n])), iterations=ctx.iterations, customers=n
    )


@register("support.search_by_folded_name")
def search_by_folded_name(ctx):
    from support.selectors import hotline_lookup

    data = _dataset(ctx)
    names, n = data["names"], data["size"]
    unique = measure(lambda i: hotline_lookup(fold(names[(i * 104729) % n])), iterations=ctx.iterations, customers=n)
    common = measure(lambda _i: hotline_lookup("nguyen van an"), iterations=max(20, ctx.iterations // 5))
    unique.update(common_name_p95_ms=common["p95_ms"], common_name_queries_per_op=common["queries_per_op"])
    return unique


@register("support.screen_pop")
def screen_pop(ctx):
    """GET /hotline/pop/ (polled every 2 s) with the long-history caller ringing: the pop must
    show their open tickets, last order, segments and a voucher well inside the 2 s poll."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from support.models import CallLog
    from support.services import call_ring

    data = _dataset(ctx)
    CallLog.objects.filter(call_id__startswith="bench-pop-").delete()
    call, _created = call_ring(call_id="bench-pop-1", caller="0912 345 678", agent="bench-agent")
    assert call.customer_id == data["caller"].pk
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-agent"))

    def pop(_i):
        response = client.get("/hotline/pop/")
        assert response.status_code == 200 and b"screen-pop" in response.content

    result = measure(pop, iterations=ctx.iterations, customers=data["size"])
    result.update(budget_ms=2000, within_budget=result["p95_ms"] < 2000)
    return result
