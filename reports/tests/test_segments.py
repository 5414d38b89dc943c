"""Each built-in segment against a hand-made history, edges exactly at the thresholds."""

import datetime as dt

import pytest

from customers import services as customer_services
from customers.models import Segment, SegmentMembership
from customers.selectors import segment_members
from reports import services

from . import factories as f

pytestmark = pytest.mark.django_db


def members(code: str) -> set[int]:
    return set(segment_members(Segment.objects.get(code=code)).values_list("pk", flat=True))


def recompute(now, code=None):
    return services.segments_recompute(at=now, codes=[code] if code else None)


def test_first_time_buyers_hold_exactly_one_purchase(now):
    # given
    _none, one, two = f.customer(), f.customer(), f.customer()
    f.purchase(one, amount=100_000, when=f.at(3, now=now))
    f.purchase(two, amount=100_000, when=f.at(30, now=now))
    f.purchase(two, amount=100_000, when=f.at(3, now=now))
    # when
    recompute(now)
    # then
    assert members("first_time_buyers") == {one.pk}


def test_loyal_needs_min_orders_in_the_window_and_a_recent_one(now):
    # given: 4 purchases in the year, the last 10 days ago (exactly the threshold)
    at_threshold, below, lapsed = f.customer(), f.customer(), f.customer()
    for days in (300, 200, 100, 10):
        f.purchase(at_threshold, amount=200_000, when=f.at(days, now=now))
    for days in (200, 100, 10):
        f.purchase(below, amount=200_000, when=f.at(days, now=now))
    for days in (300, 250, 200, 120):  # four, but none in the last 90 days
        f.purchase(lapsed, amount=200_000, when=f.at(days, now=now))
    # when
    recompute(now)
    # then
    assert members("loyal") == {at_threshold.pk}


def test_promotion_lovers_need_half_of_their_orders_with_a_promotion(now):
    # given
    half, third, single = f.customer(), f.customer(), f.customer()
    f.order(half, total=300_000, discount=30_000, when=f.at(20, now=now))
    f.order(half, total=300_000, when=f.at(10, now=now))
    f.order(third, total=300_000, discount=30_000, when=f.at(30, now=now))
    f.order(third, total=300_000, when=f.at(20, now=now))
    f.order(third, total=300_000, when=f.at(10, now=now))
    f.order(single, total=300_000, discount=30_000, when=f.at(10, now=now))  # below min_orders=2
    # when
    recompute(now)
    # then: 1 of 2 = 50% exactly is in; 1 of 3 is out; one order is too few
    assert members("promotion_lovers") == {half.pk}


def test_promotion_lovers_count_voucher_redemptions_on_their_orders(now):
    # given: two orders without a discount line, one paid with a voucher at the counter
    lover = f.customer()
    first = f.order(lover, total=300_000, when=f.at(20, now=now))
    f.order(lover, total=300_000, when=f.at(10, now=now))
    f.redemption(lover, when=f.at(20, now=now), order_ref=first.number)
    # when
    recompute(now)
    # then
    assert members("promotion_lovers") == {lover.pk}


def test_new_arrival_lovers_buy_within_30_days_of_launch(now):
    # given
    launch = (now - dt.timedelta(days=100)).date()
    new_sku = f.sku(launch_date=launch)
    old_sku = f.sku(launch_date=None)
    on_edge, late = f.customer(), f.customer()
    # day 0 and day 30 after launch (edge) → two early orders
    f.order(on_edge, total=100_000, when=dt.datetime.combine(launch, dt.time(10), now.tzinfo), lines=[(new_sku, 1)])
    f.order(
        on_edge,
        total=100_000,
        when=dt.datetime.combine(launch + dt.timedelta(days=30), dt.time(10), now.tzinfo),
        lines=[(new_sku, 1)],
    )
    # day 31 → not early; an undated product never counts
    f.order(late, total=100_000, when=dt.datetime.combine(launch, dt.time(10), now.tzinfo), lines=[(new_sku, 1)])
    f.order(
        late,
        total=100_000,
        when=dt.datetime.combine(launch + dt.timedelta(days=31), dt.time(10), now.tzinfo),
        lines=[(new_sku, 1), (old_sku, 1)],
    )
    # when
    recompute(now)
    # then
    assert members("new_arrival_lovers") == {on_edge.pk}


def test_points_collectors_from_the_threshold(now):
    # given
    exactly, below = f.customer(), f.customer()
    customer_services.points_adjust(customer=exactly, points=500, reason="test")
    customer_services.points_adjust(customer=below, points=499, reason="test")
    # when
    recompute(now)
    # then
    assert members("points_collectors") == {exactly.pk}


def test_order_value_tiers_split_at_the_thresholds(now):
    # given: average order values on and just below each edge
    high = f.customer()
    f.purchase(high, amount=2_000_000, when=f.at(5, now=now))
    just_below_high = f.customer()
    f.purchase(just_below_high, amount=1_999_999, when=f.at(5, now=now))
    mid = f.customer()
    f.purchase(mid, amount=400_000, when=f.at(9, now=now))
    f.purchase(mid, amount=600_000, when=f.at(5, now=now))  # average exactly 500.000
    low = f.customer()
    f.purchase(low, amount=499_999, when=f.at(5, now=now))
    # when
    recompute(now)
    # then
    assert members("order_value_high") == {high.pk}
    assert members("order_value_mid") == {just_below_high.pk, mid.pk}
    assert members("order_value_low") == {low.pk}


def test_frequency_tiers_count_orders_in_the_last_year(now):
    # given
    counts = {"six": 6, "five": 5, "three": 3, "two": 2}
    people = {name: f.customer() for name in counts}
    for name, n in counts.items():
        for i in range(n):
            f.purchase(people[name], amount=100_000, when=f.at(10 + i * 30, now=now))
    old = f.customer()
    f.purchase(old, amount=100_000, when=f.at(400, now=now))  # outside the year: no tier
    # when
    recompute(now)
    # then
    assert members("frequency_high") == {people["six"].pk}
    assert members("frequency_mid") == {people["five"].pk, people["three"].pk}
    assert members("frequency_low") == {people["two"].pk}


def test_browsed_not_bought_in_the_last_30_days(now):
    # given
    browsing, carted, too_old, bought_after = f.customer(), f.customer(), f.customer(), f.customer()
    f.activity(browsing, "product_view", when=f.at(29, hours=23, now=now))
    f.activity(carted, "cart_add", when=f.at(1, now=now))
    f.activity(too_old, "product_view", when=f.at(30, hours=1, now=now))
    f.activity(bought_after, "cart_add", when=f.at(5, now=now))
    f.purchase(bought_after, amount=100_000, when=f.at(4, now=now))
    # when
    recompute(now)
    # then
    assert members("browsed_not_bought") == {browsing.pk, carted.pk}


def test_churn_risk_over_180_days_or_three_times_their_own_interval(now):
    # given
    gone, recent_single = f.customer(), f.customer()
    f.purchase(gone, amount=100_000, when=f.at(181, now=now))
    f.purchase(recent_single, amount=100_000, when=f.at(179, now=now))
    # a buyer every 10 days: 3 × 10 = 30 days of silence is their limit
    regular_late, regular_ok = f.customer(), f.customer()
    for days in (51, 41, 31):
        f.purchase(regular_late, amount=100_000, when=f.at(days, now=now))
    for days in (49, 39, 29):
        f.purchase(regular_ok, amount=100_000, when=f.at(days, now=now))
    # when
    recompute(now)
    # then
    assert members("churn_risk") == {gone.pk, regular_late.pk}


def test_prospects_never_bought(now):
    # given
    lead, buyer = f.customer(), f.customer()
    f.activity(lead, "lead", when=f.at(2, now=now))
    f.purchase(buyer, amount=100_000, when=f.at(2, now=now))
    # when
    recompute(now)
    # then
    assert lead.pk in members("prospects")
    assert buyer.pk not in members("prospects")


def test_care_holds_customers_who_confirmed_a_case(now):
    # given
    cared, old_case, _other = f.customer(), f.customer(), f.customer()
    f.confirmed_ticket(cared, when=f.at(10, now=now))
    f.confirmed_ticket(old_case, when=f.at(400, now=now))
    # when
    recompute(now)
    # then: nobody support put there is dropped by default
    assert members("care") == {cared.pk, old_case.pk}
    # and an admin may age them out
    services.segment_thresholds_update(segment=Segment.objects.get(code="care"), thresholds={"days": 180})
    recompute(now)
    assert members("care") == {cared.pk}


def test_the_recompute_keeps_whom_support_added_to_care(now):
    # given: support confirms a ticket and adds the customer to the care audience its own way
    from support.services import _care_audience_join

    cust = f.customer()
    ticket = f.confirmed_ticket(cust, when=f.at(1, now=now))
    _care_audience_join(cust, ticket)
    # when
    recompute(now)
    # then
    assert cust.pk in members("care")


def test_thresholds_set_by_an_admin_override_the_defaults(now):
    # given
    c = f.customer()
    customer_services.points_adjust(customer=c, points=200, reason="test")
    recompute(now)
    assert c.pk not in members("points_collectors")
    # when
    services.segment_thresholds_update(
        segment=Segment.objects.get(code="points_collectors"), thresholds={"min_points": "200"}
    )
    recompute(now)
    # then
    assert c.pk in members("points_collectors")


def test_recompute_twice_gives_the_same_result(now):
    # given
    for i in range(6):
        c = f.customer()
        for d in range(i):
            f.purchase(c, amount=300_000 * (i + 1), when=f.at(20 + d * 25, now=now))
        f.activity(c, "product_view", when=f.at(3, now=now))
    first = recompute(now)
    snapshot = set(SegmentMembership.objects.values_list("segment_id", "customer_id", "joined_at", "left_at"))
    # when
    second = recompute(now + dt.timedelta(minutes=5))
    # then
    assert any(joined for joined, _left in first.values())
    assert all(counts == (0, 0) for counts in second.values())
    assert set(SegmentMembership.objects.values_list("segment_id", "customer_id", "joined_at", "left_at")) == snapshot


def test_an_order_moves_a_prospect_into_first_time_buyers_without_a_full_recompute(
    now, django_capture_on_commit_callbacks
):
    # given: a prospect, segments filled by the nightly run (each step commits, as requests do)
    with django_capture_on_commit_callbacks(execute=True):
        lead = f.customer()
        f.activity(lead, "lead", when=f.at(1, now=now))
        bystander = f.customer()
        f.activity(bystander, "lead", when=f.at(1, now=now))
    services.segments_recompute()
    assert lead.pk in members("prospects") and lead.pk not in members("first_time_buyers")
    # when: the order's purchase is recorded; the refresh task runs after commit
    with django_capture_on_commit_callbacks(execute=True):
        f.purchase(lead, amount=500_000, when=f.at(0, hours=1, now=now))
    # then
    assert lead.pk not in members("prospects")
    assert lead.pk in members("first_time_buyers")
    assert bystander.pk in members("prospects")  # other members' stays were not touched
    stay = SegmentMembership.objects.get(segment__code="prospects", customer=lead)
    assert stay.left_at is not None  # history kept


def test_per_customer_refresh_does_not_close_other_members(now):
    # given
    a, b = f.customer(), f.customer()
    f.purchase(a, amount=100_000, when=f.at(5, now=now))
    f.purchase(b, amount=100_000, when=f.at(5, now=now))
    recompute(now)
    # when
    services.segments_refresh_customers(customer_ids=[a.pk], at=now)
    # then
    assert members("first_time_buyers") == {a.pk, b.pk}


def test_only_activities_that_can_change_a_segment_queue_a_refresh(now, django_capture_on_commit_callbacks):
    cust = f.customer()
    with django_capture_on_commit_callbacks() as quiet:
        f.activity(cust, "message", when=now)
        f.activity(cust, "consent", when=now)
    with django_capture_on_commit_callbacks() as loud:
        f.activity(cust, "cart_add", when=now)
    assert len(quiet) == 0 and len(loud) == 1


def test_a_browse_moves_a_customer_into_browsed_not_bought_within_the_request(django_capture_on_commit_callbacks):
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        cust = f.customer()
    services.segments_recompute()
    with django_capture_on_commit_callbacks(execute=True):
        f.activity(cust, "product_view", when=timezone.now())
    assert cust.pk in members("browsed_not_bought")


def test_one_refresh_per_transaction_for_every_customer_it_touched(now, django_capture_on_commit_callbacks):
    from django.db import transaction

    a, b = f.customer(), f.customer()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        f.purchase(a, amount=100_000, when=now)
        f.activity(a, "order", when=now)
        f.activity(b, "cart_add", when=now)
    assert len(callbacks) == 1


def test_a_rolled_back_transaction_does_not_swallow_the_next_refresh(now, django_capture_on_commit_callbacks):
    from django.db import transaction

    a = f.customer()
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                f.activity(a, "cart_add", when=now)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        with transaction.atomic():
            f.activity(a, "product_view", when=now)
    assert len(callbacks) == 1
