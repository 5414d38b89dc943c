"""The rules of the built-in segments: each builds its member set as ONE queryset of customer ids.

A rule is `fn(*, thresholds, now, scope) -> QuerySet` (`values("pk")` of customers) that the
database evaluates as a single statement — subqueries and annotations over the customers'
purchase figures and activities, channels' orders and SKU launch dates, promotions'
redemptions and support's confirmed tickets. No Python loop over customers: the nightly
recompute hands the queryset to `customers.services.segment_sync_members`, which turns it into
one UPDATE and one INSERT … SELECT. `scope` (customer ids) restricts a rule to a few customers
for the refresh that follows an order, a redemption or an activity.

Thresholds: each rule's defaults live here; an admin overrides any of them in the segment's
`thresholds` JSON (customers' Segment row). Unknown keys are ignored, bad values fall back to
the default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from channels.models import Order, OrderLine
from customers.models import Activity, Customer, Purchase
from promotions.models import Redemption
from support.conf import care_segment_code
from support.models import Ticket

from .dbfunctions import EpochSeconds

LIVE_ORDER = ~Q(status__in=[Order.Status.CANCELLED, Order.Status.RETURNED])


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    description: str
    defaults: dict
    members: Callable[..., QuerySet]
    tags: tuple[str, ...] = field(default_factory=tuple)


def live_customers(scope: Iterable[int] | None = None) -> QuerySet[Customer]:
    qs = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if scope is not None:
        qs = qs.filter(pk__in=list(scope))
    return qs


def _int(thresholds: dict, key: str, default: int) -> int:
    try:
        value = int(thresholds.get(key, default))
    except (TypeError, ValueError):
        return default
    return value if value >= 0 else default


def merged_thresholds(rule: Rule, overrides: dict | None) -> dict:
    """Defaults overlaid with the admin's valid overrides (integers ≥ 0 for integer defaults)."""
    out = dict(rule.defaults)
    for key, default in rule.defaults.items():
        if overrides and key in overrides:
            if isinstance(default, int):
                out[key] = _int(overrides, key, default)
            elif isinstance(default, type(overrides[key])):
                out[key] = overrides[key]
    return out


def _ids(qs: QuerySet) -> QuerySet:
    return qs.values("pk")


def _recent_purchase_customers(
    since: dt.datetime, *, at_least: int | None = None, below: int | None = None, scope=None
):
    """Customer ids by their count of live purchases since `since` — one grouped, uncorrelated
    subquery, so the database hashes it once instead of counting per customer."""
    qs = (
        Purchase.objects.filter(reversed_at__isnull=True, occurred_at__gte=since)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    if scope is not None:
        qs = qs.filter(customer_id__in=list(scope))
    if at_least is not None:
        qs = qs.filter(n__gte=at_least)
    if below is not None:
        qs = qs.filter(n__lt=below)
    return qs.values("customer_id")


# --- the rules ---------------------------------------------------------------------------------


def first_time_buyers(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """Exactly one purchase so far (and it was within `within_days`, 0 = any time)."""
    qs = live_customers(scope).filter(order_count=1)
    if thresholds["within_days"]:
        qs = qs.filter(first_purchase_at__gte=now - dt.timedelta(days=thresholds["within_days"]))
    return _ids(qs)


def loyal(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """At least `min_orders` purchases in the last `days` days, the last one within `active_days`."""
    since = now - dt.timedelta(days=thresholds["days"])
    qs = (
        live_customers(scope)
        .filter(order_count__gte=thresholds["min_orders"])
        .filter(last_purchase_at__gte=now - dt.timedelta(days=thresholds["active_days"]))
        .filter(pk__in=_recent_purchase_customers(since, at_least=thresholds["min_orders"], scope=scope))
    )
    return _ids(qs)


def promotion_lovers(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """At least `min_orders` live orders, and ≥ `min_share_percent`% of them used a voucher or a
    promotion (a discount on the order, or a voucher redemption tied to it; a redemption with no
    order reference counts as one promotion-using purchase)."""
    redeemed = Redemption.objects.filter(status=Redemption.Status.ACTIVE, customer_id=OuterRef("customer_id")).filter(
        Q(order_ref=OuterRef("number")) | Q(order_ref=OuterRef("external_id"), order_ref__gt="")
    )
    loose = (
        Redemption.objects.filter(status=Redemption.Status.ACTIVE, customer_id=OuterRef("customer_id"), order_ref="")
        .order_by()
        .values("customer_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    orders = Order.objects.filter(LIVE_ORDER, customer__isnull=False)
    if scope is not None:
        orders = orders.filter(customer_id__in=list(scope))
    stats = (
        orders.values("customer_id")
        .annotate(
            total=Count("pk"),
            promo=Count("pk", filter=Q(discount_total__gt=0) | Q(Exists(redeemed))),
            loose=Coalesce(Subquery(loose), 0, output_field=IntegerField()),
        )
        .order_by()
        .filter(total__gte=thresholds["min_orders"])
        # The share test without division or rounding: promo × 100 ≥ share × total.
        .alias(
            promo_x100=ExpressionWrapper((F("promo") + F("loose")) * 100, output_field=IntegerField()),
            total_x_share=ExpressionWrapper(F("total") * thresholds["min_share_percent"], output_field=IntegerField()),
        )
        .filter(promo_x100__gte=F("total_x_share"))
        .values("customer_id")
    )
    return _ids(live_customers(scope).filter(order_count__gte=1, pk__in=stats))


def new_arrival_lovers(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """At least `min_orders` live orders that contain a product bought within `days_after_launch`
    days of its launch date, within the last `lookback_days` days."""
    since = now - dt.timedelta(days=thresholds["lookback_days"])
    early_lines = (
        OrderLine.objects.filter(order__customer__isnull=False, order__placed_at__gte=since)
        .exclude(order__status__in=[Order.Status.CANCELLED, Order.Status.RETURNED])
        .filter(sku__product__launch_date__isnull=False)
        .annotate(
            placed_day=TruncDate("order__placed_at"),
            launch_limit=ExpressionWrapper(
                F("sku__product__launch_date") + Value(dt.timedelta(days=thresholds["days_after_launch"])),
                output_field=DateField(),
            ),
        )
        .filter(placed_day__gte=F("sku__product__launch_date"), placed_day__lte=F("launch_limit"))
    )
    if scope is not None:
        early_lines = early_lines.filter(order__customer_id__in=list(scope))
    buyers = (
        early_lines.values("order__customer_id")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
        .filter(n__gte=thresholds["min_orders"])
        .values("order__customer_id")
    )
    return _ids(live_customers(scope).filter(order_count__gte=1, pk__in=buyers))


def points_collectors(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """A points balance of at least `min_points`."""
    return _ids(live_customers(scope).filter(points_balance__gte=thresholds["min_points"]))


def _aov_tier(low: int | None, high: int | None):
    def rule(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
        # Average order value = lifetime value / orders, compared without division.
        qs = live_customers(scope).filter(order_count__gte=1)
        lo = thresholds.get(low) if low else None
        hi = thresholds.get(high) if high else None
        if lo is not None:
            qs = qs.filter(lifetime_value__gte=F("order_count") * lo)
        if hi is not None:
            qs = qs.filter(lifetime_value__lt=F("order_count") * hi)
        return _ids(qs)

    return rule


def _frequency_tier(low: str | None, high: str | None):
    def rule(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
        since = now - dt.timedelta(days=thresholds["days"])
        counted = _recent_purchase_customers(
            since, at_least=max(1, thresholds[low]) if low else 1, below=thresholds[high] if high else None, scope=scope
        )
        return _ids(live_customers(scope).filter(order_count__gte=1, pk__in=counted))

    return rule


def browsed_not_bought(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """Viewed a product or added to cart in the last `days` days, with no purchase since then."""
    since = now - dt.timedelta(days=thresholds["days"])
    browsed = Activity.objects.filter(
        customer_id=OuterRef("pk"),
        kind__in=[Activity.Kind.PRODUCT_VIEW, Activity.Kind.CART_ADD],
        occurred_at__gte=since,
        occurred_at__lte=now,
    )
    bought = Purchase.objects.filter(customer_id=OuterRef("pk"), reversed_at__isnull=True, occurred_at__gte=since)
    return _ids(live_customers(scope).filter(Exists(browsed)).exclude(Exists(bought)))


def churn_risk(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """Bought before, and no purchase for over `max_days` days, or for over `interval_factor` ×
    their own usual interval between purchases (needs at least two purchases), but at least
    `min_days` days."""
    now_s = now.timestamp()
    qs = (
        live_customers(scope)
        .filter(order_count__gte=1, last_purchase_at__isnull=False)
        .alias(
            since_last=Value(now_s) - EpochSeconds("last_purchase_at"),
            span=EpochSeconds("last_purchase_at") - EpochSeconds("first_purchase_at"),
        )
    )
    over_max = Q(last_purchase_at__lt=now - dt.timedelta(days=thresholds["max_days"]))
    # since_last > factor × span / (orders − 1)  ⇔  since_last × (orders − 1) > factor × span
    qs = qs.alias(
        lhs=ExpressionWrapper(F("since_last") * (F("order_count") - 1), output_field=FloatField()),
        rhs=ExpressionWrapper(F("span") * thresholds["interval_factor"], output_field=FloatField()),
    )
    over_own = Q(
        order_count__gte=2, last_purchase_at__lt=now - dt.timedelta(days=thresholds["min_days"]), lhs__gt=F("rhs")
    )
    return _ids(qs.filter(over_max | over_own))


def prospects(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """Leads who never bought: no purchase at all (and, with `active_days` > 0, some activity in
    that many days)."""
    qs = live_customers(scope).filter(order_count=0, first_purchase_at__isnull=True)
    if thresholds["active_days"]:
        recent = Activity.objects.filter(
            customer_id=OuterRef("pk"), occurred_at__gte=now - dt.timedelta(days=thresholds["active_days"])
        )
        qs = qs.filter(Exists(recent))
    return _ids(qs)


def care(*, thresholds: dict, now: dt.datetime, scope=None) -> QuerySet:
    """Customers who confirmed a support case solved (support's after-care audience: support
    adds them at once when they confirm; this rule is the same set, so a recompute never drops
    one). `days` > 0 lets an admin age them out after that many days; 0 (default) keeps them."""
    confirmed = Ticket.objects.filter(customer_id=OuterRef("pk"), confirmed_at__isnull=False)
    if thresholds["days"]:
        confirmed = confirmed.filter(confirmed_at__gte=now - dt.timedelta(days=thresholds["days"]))
    return _ids(live_customers(scope).filter(Exists(confirmed)))


RULES: list[Rule] = [
    Rule(
        "first_time_buyers", _("Khách mua lần đầu"), _("Mới mua đúng một đơn."), {"within_days": 0}, first_time_buyers
    ),
    Rule(
        "loyal",
        _("Khách hàng thân thiết"),
        _("Mua nhiều lần gần đây và vẫn đang mua."),
        {"min_orders": 4, "days": 365, "active_days": 90},
        loyal,
    ),
    Rule(
        "promotion_lovers",
        _("Khách săn khuyến mãi"),
        _("Phần lớn đơn hàng có dùng voucher hoặc khuyến mãi."),
        {"min_orders": 2, "min_share_percent": 50},
        promotion_lovers,
    ),
    Rule(
        "new_arrival_lovers",
        _("Khách yêu hàng mới"),
        _("Thường mua sản phẩm ngay sau khi ra mắt."),
        {"min_orders": 2, "days_after_launch": 30, "lookback_days": 365},
        new_arrival_lovers,
    ),
    Rule("points_collectors", _("Khách tích điểm"), _("Có nhiều điểm thưởng."), {"min_points": 500}, points_collectors),
    Rule(
        "order_value_high",
        _("Giá trị đơn cao"),
        _("Giá trị đơn trung bình từ ngưỡng cao trở lên."),
        {"high_min": 2_000_000},
        _aov_tier("high_min", None),
        ("order_value",),
    ),
    Rule(
        "order_value_mid",
        _("Giá trị đơn trung bình"),
        _("Giá trị đơn trung bình giữa hai ngưỡng."),
        {"mid_min": 500_000, "high_min": 2_000_000},
        _aov_tier("mid_min", "high_min"),
        ("order_value",),
    ),
    Rule(
        "order_value_low",
        _("Giá trị đơn thấp"),
        _("Giá trị đơn trung bình dưới ngưỡng giữa."),
        {"mid_min": 500_000},
        _aov_tier(None, "mid_min"),
        ("order_value",),
    ),
    Rule(
        "frequency_high",
        _("Mua thường xuyên"),
        _("Số đơn trong kỳ từ ngưỡng cao trở lên."),
        {"days": 365, "high_min": 6},
        _frequency_tier("high_min", None),
        ("frequency",),
    ),
    Rule(
        "frequency_mid",
        _("Mua thỉnh thoảng"),
        _("Số đơn trong kỳ giữa hai ngưỡng."),
        {"days": 365, "mid_min": 3, "high_min": 6},
        _frequency_tier("mid_min", "high_min"),
        ("frequency",),
    ),
    Rule(
        "frequency_low",
        _("Ít mua"),
        _("Có mua trong kỳ nhưng dưới ngưỡng giữa."),
        {"days": 365, "mid_min": 3},
        _frequency_tier(None, "mid_min"),
        ("frequency",),
    ),
    Rule(
        "browsed_not_bought",
        _("Xem hoặc thêm giỏ nhưng chưa mua"),
        _("Xem sản phẩm hoặc thêm vào giỏ trong kỳ mà chưa mua."),
        {"days": 30},
        browsed_not_bought,
    ),
    Rule(
        "churn_risk",
        _("Có nguy cơ rời bỏ"),
        _("Lâu không mua so với nhịp mua thường lệ, hoặc quá số ngày tối đa."),
        {"max_days": 180, "interval_factor": 3, "min_days": 30},
        churn_risk,
    ),
    Rule(
        "prospects",
        _("Khách tiềm năng"),
        _("Đã để lại thông tin nhưng chưa mua lần nào."),
        {"active_days": 0},
        prospects,
    ),
    Rule(
        care_segment_code(),
        _("Khách hàng được chăm sóc"),
        _("Khách hàng đã xác nhận yêu cầu hỗ trợ được giải quyết (do bộ phận CSKH quản lý)."),
        {"days": 0},
        care,
    ),
]

RULES_BY_CODE = {rule.code: rule for rule in RULES}
