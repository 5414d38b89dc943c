"""The pricing engine: combination rules, time slots in Vietnam time, and its invariants."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.models import Promotion
from promotions.pricing import Basket, BasketLine, basket_from_payload, basket_price
from promotions.selectors import promotions_running_now

from .factories import make_promotion, make_sku, make_store, make_voucher

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def _lines(*pairs):
    return Basket(
        lines=tuple(
            BasketLine(sku=sku.code, quantity=q, unit_price=sku.base_price, sku_id=sku.pk, name="x") for sku, q in pairs
        )
    )


# --- time slots ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("utc_clock", "applies"),
    [
        (dt.time(4, 59, 59), False),  # 11:59:59 in Hà Nội / TP.HCM
        (dt.time(5, 0, 0), True),  # 12:00:00
        (dt.time(5, 59, 59), True),  # 12:59:59
        (dt.time(6, 0, 0), False),  # 13:00:00
    ],
)
def test_lunchtime_slot_is_read_on_vietnam_clock_while_the_server_is_in_utc(store_a, utc_clock, applies, monkeypatch):
    # given: the machine's clock and time zone are UTC; 10% off the bill from 12:00 to 13:00 Vietnam time
    import time

    from freezegun import freeze_time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    make_promotion(
        name="Giờ vàng",
        kind="percent_bill",
        percent=10,
        time_from=dt.time(12, 0),
        time_to=dt.time(13, 0),
        valid_from=dt.datetime(2026, 1, 1, tzinfo=UTC),
        valid_to=dt.datetime(2027, 1, 1, tzinfo=UTC),
    )
    at = dt.datetime.combine(dt.date(2026, 12, 1), utc_clock, tzinfo=UTC)
    # when: priced "now" (the server's clock) and at an explicit instant
    try:
        with freeze_time(at):
            now_priced = basket_price(Basket(given_total=1_000_000), store=store_a)
            running = promotions_running_now(store=store_a)
    finally:
        monkeypatch.undo()
        time.tzset()
    priced = basket_price(Basket(given_total=1_000_000), store=store_a, at=at)
    # then
    assert (priced.total == 900_000) is applies
    assert (now_priced.total == 900_000) is applies
    assert (len(running) == 1) is applies


def test_a_voucher_with_a_time_slot_is_refused_outside_it(store_a):
    voucher = make_voucher(
        time_from=dt.time(12, 0),
        time_to=dt.time(13, 0),
        valid_from=dt.datetime(2026, 1, 1, tzinfo=UTC),
        valid_to=dt.datetime(2027, 1, 1, tzinfo=UTC),
    )
    at = dt.datetime(2026, 12, 1, 4, 59, 59, tzinfo=UTC)
    priced = basket_price(Basket(given_total=500_000), store=store_a, at=at, codes=[voucher.code])
    assert priced.refusal(voucher.code).error_code == "outside_time_slot"
    assert "12:00" in priced.refusal(voucher.code).message
    at = dt.datetime(2026, 12, 1, 5, 0, 0, tzinfo=UTC)
    assert basket_price(Basket(given_total=500_000), store=store_a, at=at, codes=[voucher.code]).refused == []


def test_weekdays_limit_a_promotion_to_those_days(store_a):
    # 2026-12-05 is a Saturday (weekday 5) in Vietnam from 17:00 UTC on the 4th.
    make_promotion(kind="fixed_bill", amount=20_000, weekdays=[5, 6], percent=None)
    friday_late_utc = dt.datetime(2026, 12, 4, 16, 59, tzinfo=UTC)
    saturday_vn = dt.datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    with_friday = basket_price(Basket(given_total=100_000), store=store_a, at=friday_late_utc)
    with_saturday = basket_price(Basket(given_total=100_000), store=store_a, at=saturday_vn)
    assert with_friday.total == 100_000
    assert with_saturday.total == 80_000


# --- combination rules --------------------------------------------------------------------


def test_combinable_promotions_apply_in_priority_order_each_on_what_is_left(store_a):
    # given: 10% off the bill (priority 1), then 100,000 off from 1,000,000 (priority 2)
    make_promotion(name="10%", kind="percent_bill", percent=10, priority=1)
    make_promotion(name="Ngưỡng", kind="threshold", threshold=1_000_000, amount=100_000, percent=None, priority=2)
    # when
    priced = basket_price(Basket(given_total=1_100_000), store=store_a)
    # then: 1,100,000 - 110,000 = 990,000 < 1,000,000 → the threshold no longer applies
    assert [a.label for a in priced.promotions] == ["10%"]
    assert priced.total == 990_000
    assert any("10.000 ₫" in hint for hint in priced.hints)


def test_the_threshold_applies_first_when_it_has_the_higher_priority(store_a):
    make_promotion(name="10%", kind="percent_bill", percent=10, priority=2)
    make_promotion(name="Ngưỡng", kind="threshold", threshold=1_000_000, amount=100_000, percent=None, priority=1)
    priced = basket_price(Basket(given_total=1_100_000), store=store_a)
    # 1,100,000 - 100,000 = 1,000,000; then 10% = 100,000 → 900,000
    assert [a.label for a in priced.promotions] == ["Ngưỡng", "10%"]
    assert priced.total == 900_000


def test_an_exclusive_promotion_wins_only_when_it_beats_the_combined_ones(store_a):
    make_promotion(name="5%", kind="percent_bill", percent=5, priority=1)
    make_promotion(name="Giảm 20k", kind="fixed_bill", amount=20_000, percent=None, priority=2)
    make_promotion(name="Độc quyền 30k", kind="fixed_bill", amount=30_000, percent=None, combination="exclusive")
    small = basket_price(Basket(given_total=200_000), store=store_a)  # combined: 10,000 + 20,000 = 30,000 (tie)
    big = basket_price(Basket(given_total=1_000_000), store=store_a)  # combined: 50,000 + 20,000 = 70,000
    assert [a.label for a in small.promotions] == ["5%", "Giảm 20k"]  # a tie goes to the combinable set
    assert [a.label for a in big.promotions] == ["5%", "Giảm 20k"]
    make_promotion(name="Độc quyền 15%", kind="percent_bill", percent=15, combination="exclusive")
    best = basket_price(Basket(given_total=1_000_000), store=store_a)
    assert [a.label for a in best.promotions] == ["Độc quyền 15%"]
    assert best.total == 850_000


def test_a_voucher_percentage_is_taken_after_promotions_and_min_spend_uses_that_price(store_a):
    make_promotion(name="10%", kind="percent_bill", percent=10)
    voucher = make_voucher(discount_type="percent", discount_value=20, min_basket=950_000)
    # 1,000,000 → 900,000 after the promotion: under the 950,000 minimum
    refused = basket_price(Basket(given_total=1_000_000), store=store_a, codes=[voucher.code])
    assert refused.refusal(voucher.code).error_code == "min_spend_not_met"
    assert "50.000 ₫" in refused.refusal(voucher.code).message
    ok = basket_price(Basket(given_total=2_000_000), store=store_a, codes=[voucher.code])
    # 2,000,000 - 200,000 = 1,800,000; 20% of that = 360,000
    assert ok.voucher_adjustment(voucher.code).amount == 360_000
    assert ok.total == 1_440_000


def test_at_most_one_voucher_unless_every_one_says_combinable(store_a):
    first = make_voucher(discount_value=10_000)
    second = make_voucher(discount_value=20_000)
    priced = basket_price(Basket(given_total=500_000), store=store_a, codes=[first.code, second.code])
    assert [a.label for a in priced.vouchers] == [first.code]
    assert priced.refusal(second.code).error_code == "not_combinable"
    third = make_voucher(discount_value=10_000, combinable=True)
    fourth = make_voucher(discount_value=20_000, combinable=True)
    both = basket_price(Basket(given_total=500_000), store=store_a, codes=[third.code, fourth.code])
    assert both.total == 470_000


def test_percent_voucher_cap_limits_its_discount(store_a):
    voucher = make_voucher(discount_type="percent", discount_value=50, max_discount=100_000)
    priced = basket_price(Basket(given_total=1_000_000), store=store_a, codes=[voucher.code])
    assert priced.voucher_adjustment(voucher.code).amount == 100_000
    assert "tối đa" in priced.voucher_adjustment(voucher.code).reason


def test_basket_cap_limits_the_total_discount(store_a, settings):
    settings.PROMOTIONS_BASKET_DISCOUNT_CAP_PERCENT = 20
    make_promotion(name="15%", kind="percent_bill", percent=15)
    voucher = make_voucher(discount_value=100_000)
    priced = basket_price(Basket(given_total=1_000_000), store=store_a, codes=[voucher.code])
    assert priced.discount == 200_000
    assert priced.total == 800_000


def test_buy_two_get_one_gives_the_cheapest_unit_and_hints_the_next_one(store_a):
    cheap, dear = make_sku(price=100_000), make_sku(price=300_000)
    make_promotion(
        name="Mua 2 tặng 1", kind="bundle", buy_quantity=2, free_quantity=1, percent=None, skus=[cheap, dear]
    )
    priced = basket_price(_lines((dear, 2), (cheap, 1)), store=store_a)
    assert priced.discount == 100_000
    assert priced.line_discounts == [0, 100_000]
    nearly = basket_price(_lines((dear, 2)), store=store_a)
    assert nearly.discount == 0
    assert any("Thêm 1 sản phẩm" in hint for hint in nearly.hints)


def test_pay_three_take_four(store_a):
    sku = make_sku(price=50_000)
    make_promotion(name="Mua 3 tặng 1", kind="bundle", buy_quantity=3, free_quantity=1, percent=None, skus=[sku])
    assert basket_price(_lines((sku, 8)), store=store_a).total == 300_000


def test_trade_in_credit_needs_a_trade_in_and_the_new_item(store_a):
    phone = make_sku(price=10_000_000)
    make_promotion(name="Thu cũ", kind="trade_in", amount=1_000_000, percent=None, skus=[phone])
    basket = _lines((phone, 1))
    assert basket_price(basket, store=store_a).total == 10_000_000
    with_trade_in = Basket(lines=basket.lines, trade_in=True)
    assert basket_price(with_trade_in, store=store_a).total == 9_000_000


def test_promotions_scoped_to_a_store_skip_the_others(store_a, store_b):
    make_promotion(name="Chỉ Q1", kind="fixed_bill", amount=10_000, percent=None, stores=[store_a])
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 90_000
    assert basket_price(Basket(given_total=100_000), store=store_b).total == 100_000


def test_basket_from_payload_names_the_bad_field(db):
    from promotions.errors import InvalidBasket

    sku = make_sku(price=120_000)
    basket = basket_from_payload({"lines": [{"sku": sku.barcode, "quantity": 2}]})
    assert basket.subtotal == 240_000
    with pytest.raises(InvalidBasket) as caught:
        basket_from_payload({"lines": [{"sku": "NOPE", "quantity": 1}, {"sku": sku.code, "quantity": -1}]})
    assert set(caught.value.fields) == {"basket.lines.0.sku", "basket.lines.1.quantity"}
    with pytest.raises(InvalidBasket):
        basket_from_payload({"total": 10.5})


# --- invariants (hypothesis) ----------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=50_000_000)


@pytest.fixture
def engine_world(db):
    store = make_store("hyp")
    skus = [make_sku(price=p) for p in (15_000, 99_000, 250_000)]
    make_promotion(name="10% giờ trưa", kind="percent_bill", percent=10, priority=1)
    make_promotion(name="Ngưỡng", kind="threshold", threshold=1_000_000, amount=100_000, percent=None, priority=2)
    make_promotion(name="2+1", kind="bundle", buy_quantity=2, free_quantity=1, percent=None, priority=3, skus=skus)
    make_promotion(name="Món", kind="fixed_items", amount=20_000, percent=None, skus=[skus[0]], priority=4)
    make_promotion(name="Độc quyền", kind="percent_bill", percent=25, combination="exclusive", max_discount=300_000)
    vouchers = [
        make_voucher(discount_type="percent", discount_value=30, max_discount=150_000),
        make_voucher(discount_type="fixed", discount_value=500_000),
    ]
    promotions = list(Promotion.objects.prefetch_related("skus", "stores", "channels").order_by("priority", "pk"))
    return store, skus, promotions, vouchers


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quantities=st.lists(st.integers(min_value=0, max_value=7), min_size=3, max_size=3),
    prices=st.lists(st.one_of(st.none(), amounts), min_size=3, max_size=3),
    total=st.one_of(st.none(), amounts),
    voucher_pick=st.integers(min_value=0, max_value=3),
)
def test_engine_invariants(engine_world, quantities, prices, total, voucher_pick):
    store, skus, promotions, vouchers = engine_world
    lines = tuple(
        BasketLine(sku=sku.code, quantity=q, unit_price=sku.base_price if p is None else p, sku_id=sku.pk)
        for sku, q, p in zip(skus, quantities, prices, strict=True)
        if q
    )
    basket = Basket(lines=lines) if lines or total is None else Basket(given_total=total)
    codes = {0: [], 1: [vouchers[0].code], 2: [vouchers[1].code], 3: [v.code for v in vouchers]}[voucher_pick]
    at = dt.datetime(2026, 12, 1, 5, 30, tzinfo=UTC)

    first = basket_price(basket, store=store, at=at, codes=codes, promotions=promotions)
    again = basket_price(basket, store=store, at=at, codes=codes, promotions=promotions)

    # the total is never negative and never above the subtotal; every amount is a whole, non-negative VND
    assert 0 <= first.total <= first.subtotal
    for adjustment in [*first.promotions, *first.vouchers]:
        assert isinstance(adjustment.amount, int) and adjustment.amount >= 0
        assert adjustment.reason
    assert first.total == first.subtotal - first.discount
    # line discounts never exceed the line
    for line, discount in zip(basket.lines, first.line_discounts, strict=True):
        assert 0 <= discount <= line.subtotal
    # at most one voucher (none of these says combinable)
    assert len(first.vouchers) <= 1
    # the same input always gives the same output
    assert first.as_dict() == again.as_dict()


def test_a_segment_promotion_applies_only_to_its_members(store_a, customer):
    from django.utils import timezone

    from customers.models import Segment, SegmentMembership

    segment = Segment.objects.create(code="loyal", name="Khách trung thành")
    make_promotion(name="Khách thân thiết", kind="fixed_bill", amount=30_000, percent=None, segment_codes=["loyal"])
    assert basket_price(Basket(given_total=100_000), store=store_a, customer=customer).total == 100_000
    SegmentMembership.objects.create(segment=segment, customer=customer, joined_at=timezone.now())
    assert basket_price(Basket(given_total=100_000), store=store_a, customer=customer).total == 70_000
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 100_000


def test_budget_plan_against_actual_spend_by_stage(db):
    from promotions.selectors import budget_plan_vs_actual
    from promotions.services import budget_plan_create, campaign_create, campaign_spend_add

    plan = budget_plan_create(
        name="T12", starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31), total_budget=100_000_000
    )
    campaign = campaign_create(
        name="FB",
        utm_campaign="fb",
        journey_stage="awareness",
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 31),
    )
    campaign_spend_add(campaign=campaign, amount=12_000_000, spent_on=dt.date(2026, 12, 5))
    campaign_spend_add(campaign=campaign, amount=5_000_000, spent_on=dt.date(2027, 1, 2))  # outside the plan
    rows = {r["stage"]: r for r in budget_plan_vs_actual(plan)}
    assert rows["awareness"]["planned"] == 40_000_000 and rows["awareness"]["actual"] == 12_000_000
    assert rows["expansion"]["planned"] == 5_000_000 and rows["expansion"]["actual"] == 0
    from o2o_site.api import DomainError

    with pytest.raises(DomainError):
        budget_plan_create(
            name="x",
            starts_on=dt.date(2026, 12, 1),
            ends_on=dt.date(2026, 12, 31),
            total_budget=1,
            shares={"awareness": 50},
        )


def test_the_engine_sees_a_changed_or_deleted_promotion_at_once(store_a):
    from promotions.services import promotion_update

    promotion = make_promotion(name="10%", kind="percent_bill", percent=10)
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 90_000
    promotion_update(promotion=promotion, percent=20)
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 80_000
    promotion_update(promotion=promotion, stores=[make_store("khac")])
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 100_000
    promotion.delete()
    make_promotion(name="5%", kind="percent_bill", percent=5)
    assert basket_price(Basket(given_total=100_000), store=store_a).total == 95_000
