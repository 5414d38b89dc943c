"""The O2O chain: attribution window edges, last vs first touch, totals against a hand-made
history, the offline conversions export and the query count of the report."""

import datetime as dt
import hashlib

import pytest

from channels import services as channel_services
from reports import selectors
from reports.forms import DateRange

from . import factories as f

pytestmark = pytest.mark.django_db


def day_range(now, days=30):
    return DateRange(start=(now - dt.timedelta(days=days - 1)).date(), end=now.date())


def checkin(cust, store, when, **extra):
    return channel_services.checkin_record(store=store, method="qr", customer=cust, occurred_at=when, **extra)


def click(cust, campaign, when, **extra):
    return f.activity(cust, "ad_click", when=when, campaign_id=campaign.pk, **extra)


def row_for(report, campaign):
    return next(r for r in report.campaigns if r["campaign_id"] == (campaign.pk if campaign else None))


def test_a_visit_6_days_23_hours_after_the_click_is_credited(now):
    # given
    camp, store, cust = f.campaign(), f.store(), f.customer()
    click(cust, camp, now - dt.timedelta(days=6, hours=23))
    checkin(cust, store, now)
    # when
    report = selectors.o2o_report(date_range=day_range(now))
    # then
    assert row_for(report, camp)["visits"] == 1


def test_a_visit_7_days_1_hour_after_the_click_is_not_credited(now):
    # given
    camp, store, cust = f.campaign(), f.store(), f.customer()
    click(cust, camp, now - dt.timedelta(days=7, hours=1))
    checkin(cust, store, now)
    # when
    report = selectors.o2o_report(date_range=day_range(now))
    # then
    assert row_for(report, camp)["visits"] == 0
    assert row_for(report, None)["visits"] == 1  # shown as "not attributed"


def test_a_click_after_the_visit_never_takes_credit(now):
    camp, store, cust = f.campaign(), f.store(), f.customer()
    checkin(cust, store, now - dt.timedelta(hours=2))
    click(cust, camp, now - dt.timedelta(hours=1))
    report = selectors.o2o_report(date_range=day_range(now))
    assert row_for(report, camp)["visits"] == 0


def test_last_touch_and_first_touch_credit_different_campaigns(now):
    # given: two campaigns touch the customer before the purchase
    first, last = f.campaign("Đầu"), f.campaign("Cuối")
    store, cust = f.store(), f.customer()
    click(cust, first, now - dt.timedelta(days=5))
    f.activity(cust, "web_visit", when=now - dt.timedelta(days=1), utm={"utm_campaign": last.utm_campaign})
    f.order(cust, total=1_000_000, when=now, store=store)
    # when
    by_last = selectors.o2o_report(date_range=day_range(now), model="last")
    by_first = selectors.o2o_report(date_range=day_range(now), model="first")
    # then
    assert row_for(by_last, last)["purchases"] == 1 and row_for(by_last, last)["revenue"] == 1_000_000
    assert not any(r["campaign_id"] == first.pk and r["purchases"] for r in by_last.campaigns)
    assert row_for(by_first, first)["purchases"] == 1
    assert not any(r["campaign_id"] == last.pk and r["purchases"] for r in by_first.campaigns)


def test_a_wider_window_reaches_an_older_touch(now):
    camp, store, cust = f.campaign(), f.store(), f.customer()
    click(cust, camp, now - dt.timedelta(days=10))
    checkin(cust, store, now)
    assert row_for(selectors.o2o_report(date_range=day_range(now), window_days=14), camp)["visits"] == 1


@pytest.fixture
def history(now):
    """A small hand-made month: two campaigns, two stores, three customers."""
    fb = f.sales_channel("facebook", "facebook")
    a, b = f.campaign("Facebook tháng 6", channel=fb), f.campaign("Zalo tháng 6")
    q1, q3 = f.store("q1"), f.store("q3")
    an, binh, chi = f.customer("An"), f.customer("Bình"), f.customer("Chi")
    day = lambda d, h=10: now - dt.timedelta(days=d, hours=h)  # noqa: E731
    # An: 2 clicks on A, lead, visits Q1, buys 1.500.000 at Q1 with an A voucher
    click(an, a, day(10))
    click(an, a, day(9))
    f.activity(an, "lead", when=day(9, 9), campaign_id=a.pk)
    checkin(an, q1, day(8))
    f.order(an, total=1_500_000, when=day(8, 9), store=q1)
    f.redemption(an, when=day(8, 9), store=q1, campaign=a)
    # Bình: 1 click on B, lead, visits Q3 twice, buys nothing
    click(binh, b, day(6))
    f.activity(binh, "lead", when=day(6, 9), campaign_id=b.pk)
    checkin(binh, q3, day(5))
    checkin(binh, q3, day(4))
    # Chi: no ad, visits Q1 and buys 700.000 (not attributed); an online order never counts
    checkin(chi, q1, day(3))
    f.order(chi, total=700_000, when=day(3, 9), store=q1)
    f.order(chi, total=999_000, when=day(2), channel=fb)
    # a cancelled store order never counts
    f.order(an, total=5_000_000, when=day(2), store=q1, status="cancelled", record=False)
    from promotions import services as promotion_services

    promotion_services.campaign_spend_add(campaign=a, amount=3_000_000, spent_on=day(12).date())
    promotion_services.campaign_spend_add(campaign=b, amount=1_000_000, spent_on=day(12).date())
    return {"a": a, "b": b, "q1": q1, "q3": q3}


def test_report_totals_equal_the_hand_computed_figures(now, history):
    # when
    report = selectors.o2o_report(date_range=day_range(now))
    # then
    a, b = row_for(report, history["a"]), row_for(report, history["b"])
    assert (a["clicks"], a["leads"], a["visits"], a["purchases"], a["revenue"]) == (2, 1, 1, 1, 1_500_000)
    assert (a["redemptions"], a["spend"], a["cost_per_visit"], a["revenue_per_visit"]) == (
        1,
        3_000_000,
        3_000_000,
        1_500_000,
    )
    assert (a["click_to_lead"], a["lead_to_visit"], a["visit_to_purchase"]) == (50.0, 100.0, 100.0)
    assert (b["clicks"], b["leads"], b["visits"], b["purchases"], b["revenue"]) == (1, 1, 2, 0, 0)
    assert b["cost_per_visit"] == 500_000
    none = row_for(report, None)
    assert (none["visits"], none["purchases"], none["revenue"]) == (1, 1, 700_000)
    t = report.totals
    assert (t["clicks"], t["leads"], t["visits"], t["purchases"], t["revenue"], t["spend"]) == (
        3,
        2,
        4,
        2,
        2_200_000,
        4_000_000,
    )
    stores = {r["store"].code: r for r in report.stores}
    assert (stores["q1"]["visits"], stores["q1"]["attributed_visits"], stores["q1"]["purchases"]) == (2, 1, 2)
    assert (stores["q1"]["revenue"], stores["q1"]["attributed_revenue"]) == (2_200_000, 1_500_000)
    assert (stores["q3"]["visits"], stores["q3"]["purchases"]) == (2, 0)
    channels = {r["channel"]: r for r in report.channels}
    assert channels["Facebook"]["visits"] == 1


def test_report_filters_by_store_and_campaign(now, history):
    by_store = selectors.o2o_report(date_range=day_range(now), store_id=history["q3"].pk)
    assert by_store.totals["visits"] == 2 and by_store.totals["purchases"] == 0
    by_campaign = selectors.o2o_report(date_range=day_range(now), campaign_id=history["a"].pk)
    assert by_campaign.totals["visits"] == 1 and by_campaign.totals["clicks"] == 2


def test_store_metrics_count_visitors_who_bought(now, history):
    rows = {r["store"].code: r for r in selectors.store_metrics(date_range=day_range(now))}
    assert (rows["q1"]["visits"], rows["q1"]["visitors"], rows["q1"]["visitors_who_bought"]) == (2, 2, 2)
    assert rows["q1"]["visit_to_purchase"] == 100.0
    assert (rows["q3"]["visits"], rows["q3"]["visitors"], rows["q3"]["visits_per_visitor"]) == (2, 1, 2.0)
    assert rows["q3"]["visit_to_purchase"] == 0.0


def test_the_report_query_count_does_not_grow_with_the_data(now, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        selectors.o2o_report(date_range=day_range(now))
    for _ in range(3):
        extra = f.customer()
        click(extra, history["a"], now - dt.timedelta(days=2))
        checkin(extra, history["q1"], now - dt.timedelta(days=1))
    with django_assert_max_num_queries(15):
        selectors.o2o_report(date_range=day_range(now))


def test_offline_conversions_export_purchases_after_an_ad_click(now):
    # given
    camp, store = f.campaign(), f.store()
    with_click_id = f.customer(phone="0912345678", email="An.Nguyen@Example.com ")
    click(
        with_click_id,
        camp,
        now - dt.timedelta(days=2),
        utm={"utm_campaign": camp.utm_campaign},
        data={"gclid": "G-123"},
    )
    o1 = f.order(with_click_id, total=1_250_000, when=now - dt.timedelta(days=1), store=store)
    no_click = f.customer()
    f.order(no_click, total=300_000, when=now - dt.timedelta(days=1), store=store)
    # when
    rows = selectors.offline_conversions(date_range=day_range(now))
    # then
    assert len(rows) == 1
    row = rows[0]
    assert row["click_id"] == "G-123" and row["value"] == 1_250_000 and row["currency"] == "VND"
    assert row["order_id"] == o1.number
    assert row["hashed_phone"] == hashlib.sha256(b"+84912345678").hexdigest()
    assert row["hashed_email"] == hashlib.sha256(b"an.nguyen@example.com").hexdigest()
    assert row["conversion_time"].endswith("+0700")


def test_the_offline_conversions_csv_downloads(client, manager, now):
    client.force_login(manager)
    response = client.get("/reports/o2o/offline-conversions.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert body.splitlines()[0].startswith("Google Click ID,Email,Phone Number,Conversion Name,Conversion Time")


def test_report_filters_by_the_campaigns_sales_channel(now, history):
    from channels.models import SalesChannel

    facebook = SalesChannel.objects.get(code="facebook")
    report = selectors.o2o_report(date_range=day_range(now), channel_id=facebook.pk)
    assert [r["campaign_id"] for r in report.campaigns] == [history["a"].pk]
    assert report.totals["visits"] == 1 and report.totals["spend"] == 3_000_000


def test_the_offline_conversions_csv_keeps_the_chosen_dates_with_other_filters(client, manager, now):
    camp, store = f.campaign(), f.store()
    buyer = f.customer()
    click(buyer, camp, now - dt.timedelta(days=40, hours=2), data={"gclid": "OLD"})
    f.order(buyer, total=100_000, when=now - dt.timedelta(days=40), store=store)
    client.force_login(manager)
    start, end = (now - dt.timedelta(days=41)).date(), (now - dt.timedelta(days=39)).date()
    response = client.get(
        f"/reports/o2o/offline-conversions.csv?start={start}&end={end}&campaign={camp.pk}&store={store.pk}"
    )
    assert "OLD" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_funnel_counts_each_step_among_those_who_passed_the_one_before(now, client, manager):
    # given 3 clickers; 1 became a lead; that lead and 1 other clicker visited; the lead bought.
    # (Counted as events: 2 visits for 1 lead, the "visits 200 % of leads" users met.)
    camp, store = f.campaign("Facebook tháng 6"), f.store()
    lead, walker, idle = f.customer("Nguyễn An"), f.customer("Trần Bình"), f.customer("Lê Chi")
    for cust in (lead, walker, idle):
        click(cust, camp, now - dt.timedelta(days=2))
    f.activity(lead, "lead", when=now - dt.timedelta(days=1, hours=12))
    checkin(lead, store, now - dt.timedelta(days=1))
    checkin(walker, store, now - dt.timedelta(days=1))
    f.order(lead, total=1_250_000, when=now - dt.timedelta(hours=20), store=store)
    # when
    report = selectors.o2o_report(date_range=day_range(now))
    # then the events are as they happened, but the funnel of customers only narrows
    assert (report.totals["leads"], report.totals["visits"]) == (1, 2)
    funnel = {step["key"]: step for step in report.funnel}
    assert [s["customers"] for s in report.funnel] == [3, 1, 1, 1]
    assert funnel["leads"]["of_previous"] == 33.3
    assert funnel["visits"]["of_previous"] == 100.0
    assert funnel["purchases"]["of_first"] == 33.3
    assert all(s["of_previous"] is None or s["of_previous"] <= 100 for s in report.funnel)
    # and the screen labels both rates
    client.force_login(manager)
    dates = day_range(now)
    page = client.get("/reports/o2o/", {"start": dates.start, "end": dates.end}).content.decode()
    assert "So với bước trước" in page and "So với bước đầu" in page
    assert "33,3%" in page
    table = page.split('id="o2o-funnel-table"')[1].split("</table>")[0]
    assert "200" not in table and "100,0%" in table
