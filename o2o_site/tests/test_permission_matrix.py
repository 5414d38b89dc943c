"""The permission matrix: every URL pattern × every identity, its expected answer written once.

The table is `o2o_site/tests/permission_matrix.py`. This test walks the URL conf, so a new
endpoint or screen without an entry there fails here until someone writes down who may reach it.
An answer is "allow" (anything but 401/403/a redirect to a login page; 5xx fails too) or "deny"
(401/403, or for anonymous a redirect to the login page). Object-level cells use objects of
store A, so a cashier of store B is refused what a cashier of store A may do.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from o2o_site.roles import Role

from .permission_matrix import CTI_PENDING, IDENTITIES, MATRIX, OPTIONAL, admin_expectation, expand

pytestmark = pytest.mark.django_db

LOGIN_PATHS = ("/login/", "/admin/login/")


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)
            yield name, prefix + str(pattern.pattern)


def url_names() -> list[tuple[str, str]]:
    return list(dict.fromkeys(_walk(get_resolver().url_patterns)))


def _is_admin(name: str) -> bool:
    # Named admin URLs, and the admin's unnamed redirects (`admin/<app>/<model>/<id>/`, catch-all).
    return name.startswith(("admin:", "admin/"))


def test_every_url_pattern_has_an_entry_in_the_matrix():
    missing = [f"{name}  ({route})" for name, route in url_names() if not _is_admin(name) and name not in MATRIX]
    stale = sorted(set(MATRIX) - OPTIONAL - {name for name, _route in url_names()})
    assert not missing, "URL patterns without an entry in o2o_site/tests/permission_matrix.py:\n" + "\n".join(missing)
    assert not stale, f"entries for URL names that no longer exist: {stale}"
    unknown = [name for name, _route in url_names() if _is_admin(name) and admin_expectation(name) is None]
    assert not unknown, f"admin URLs the matrix has no rule for: {unknown}"


# --- the world the requests run against ---------------------------------------------------------


@pytest.fixture
def world(make_user, django_user_model):
    from channels.models import SalesChannel, Store
    from channels.services import store_sale_create
    from customers.services import customer_resolve, points_adjust, segment_upsert
    from promotions import services as promotions
    from promotions.pricing import Basket
    from support import services as support

    pos, _ = SalesChannel.objects.get_or_create(
        code="pos", defaults={"name": "Tại quầy", "kind": SalesChannel.Kind.STORE, "is_online": False}
    )
    SalesChannel.objects.get_or_create(code="shopee", defaults={"name": "Shopee", "kind": SalesChannel.Kind.SHOPEE})
    store_a = Store.objects.create(code="q1", name="Cửa hàng Quận 1", sales_channel=pos)
    store_b = Store.objects.create(code="q3", name="Cửa hàng Quận 3", sales_channel=pos)
    users = {
        "manager": make_user(Role.MANAGER, username="m-manager", is_staff=True),
        "marketing": make_user(Role.MARKETING, username="m-marketing", is_staff=True),
        "inventory": make_user(Role.INVENTORY, username="m-inventory", is_staff=True),
        "agent": make_user(Role.AGENT, username="m-agent"),
        "consultant": make_user(Role.CONSULTANT, username="m-consultant"),
        "cashier_a": make_user(Role.CASHIER, username="m-cashier-a", stores=[store_a]),
        "cashier_b": make_user(Role.CASHIER, username="m-cashier-b", stores=[store_b]),
    }
    # The CTI is not an account: it holds a CTI token, which may post calls and call status only.
    from support.cti import cti_token_create

    _cti_token, cti_key = cti_token_create(name="Tổng đài thử")
    customer = customer_resolve(full_name="Nguyễn Văn An", phone="0912345678", source="test").customer
    duplicate = customer_resolve(full_name="Nguyễn Văn An", phone="0912345679", source="test").customer
    points_adjust(customer=customer, points=100, reason="thưởng")
    order = store_sale_create(store=store_a, cashier=users["cashier_a"], customer=customer, lines=[], total=500_000)
    today = timezone.localdate()
    campaign = promotions.campaign_create(
        name="Tết", utm_campaign="tet", journey_stage="conversion", starts_on=today, ends_on=today
    )
    voucher = promotions.voucher_create(
        discount_type="fixed",
        discount_value=10_000,
        valid_from=timezone.now() - dt.timedelta(days=1),
        valid_to=timezone.now() + dt.timedelta(days=10),
        customer=customer,
    )
    redemption = promotions.voucher_redeem(
        code=voucher.code,
        cashier=users["cashier_a"],
        basket=Basket(given_total=500_000),
        store=store_a,
        customer=customer,
    )
    plan = promotions.budget_plan_create(
        name="Q1",
        starts_on=today,
        ends_on=today,
        total_budget=1_000_000,
        shares={"awareness": 0, "acquisition": 0, "conversion": 100, "retention": 0, "expansion": 0},
    )
    segment = segment_upsert(code="test-seg", name="Thử")
    department = support.department_create(code="warranty", name="Bảo hành", members=[users["agent"]])
    category = support.category_create(code="broken", name="Lỗi", department=department)
    ticket = support.ticket_create(customer=customer, category=category, subject="Hỏng", created_by=users["agent"])
    call, _ = support.call_ring(call_id="call-1", caller="0912345678")
    return {
        "users": users,
        "cti_key": cti_key,
        "kwargs": {
            "pk:customer": customer.pk,
            "pk:duplicate": duplicate.pk,
            "pk:merge": 999_999,
            "pk:redemption": redemption.pk,
            "pk:voucher": voucher.pk,
            "pk:campaign": campaign.pk,
            "pk:promotion": 999_999,
            "pk:batch": 999_999,
            "pk:plan": plan.pk,
            "pk:ticket": ticket.pk,
            "pk:call": call.pk,
            "pk:product": 999_999,
            "call_id": call.call_id,
            "number": order.number,
            "code:store": store_a.code,
            "code:channel": "shopee",
            "code:voucher": voucher.code,
            "segment_id": segment.pk,
            "campaign_id": 999_999,
            "token": "no-such-token",
            "action": "comment",
            "path": "nothing.txt",
            "id:none": 999_999,
            "kind": "batch",
            "slug": "no-such-form",
            "key": "no-such-step",
        },
    }


def _url(name: str, entry, kwargs: dict) -> str:
    values = {param: kwargs[source] for param, source in entry.kwargs.items()}
    if "/" in name or name.startswith("^"):  # an unnamed pattern, keyed by its route
        return "/" + name.replace("^", "").replace("(?P<path>.*)$", values.get("path", ""))
    return reverse(name, kwargs=values)


def _answer(response, identity: str) -> str:
    status = response.status_code
    if status >= 500:
        return f"error {status}"
    if status in (401, 403):
        return "deny"
    if status in (301, 302) and response["Location"].split("?")[0].endswith(LOGIN_PATHS):
        return "deny"
    return "allow"


def _client(world, identity: str) -> Client:
    if identity == "cti":
        return Client(HTTP_AUTHORIZATION=f"Token {world['cti_key']}")
    client = Client()
    if identity != "anon":
        client.force_login(world["users"][identity])
    return client


@pytest.mark.parametrize("identity", IDENTITIES)
def test_each_identity_gets_the_answer_the_matrix_expects(world, identity, settings):
    settings.AXES_ENABLED = False  # the matrix logs in thousands of times; the throttle has its own tests
    failures = []
    client = _client(world, identity)
    for name, _route in url_names():
        if _is_admin(name):
            continue
        entry = MATRIX[name]
        for method, allowed in entry.methods.items():
            if (name, method, identity) in CTI_PENDING:
                continue
            if name in ("logout", "login", "api-auth-token"):
                client = _client(world, identity)  # these end or replace the session: a fresh one
            url = _url(name, entry, world["kwargs"])
            call = getattr(client, method.lower())
            response = call(url, data="{}", content_type="application/json") if method != "GET" else call(url)
            expected = "allow" if identity in expand(allowed) else "deny"
            got = _answer(response, identity)
            if name in ("logout", "login", "api-auth-token"):
                client = _client(world, identity)
            if got != expected:
                failures.append(
                    f"{method} {url} [{name}] as {identity}: expected {expected}, got {got} ({response.status_code})"
                )
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_each_identity_reaches_in_the_admin_only_what_its_role_may_see(world, identity, settings):
    settings.AXES_ENABLED = False
    failures = []
    checked = [("admin:index", {})]
    for model in admin.site._registry:
        checked.append((f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist", {}))
    for name, kwargs in checked:
        client = _client(world, identity)
        response = client.get(reverse(name, kwargs=kwargs))
        expected = "allow" if identity in expand(admin_expectation(name)) else "deny"
        got = _answer(response, identity)
        if got != expected:
            failures.append(f"GET {name} as {identity}: expected {expected}, got {got} ({response.status_code})")
    assert not failures, "\n".join(failures)
