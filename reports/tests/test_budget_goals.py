"""Budget plan against campaign spend; channel goals against actual figures."""

import datetime as dt

import pytest
from django.urls import reverse

from channels import services as channel_services
from promotions import services as promotion_services
from promotions.models import BudgetPlan
from reports import selectors

from . import factories as f

pytestmark = pytest.mark.django_db


def test_budget_splits_the_total_exactly_by_stage_against_spend():
    # given: 10.000.001 ₫ (does not divide evenly) with the default split
    plan = promotion_services.budget_plan_create(
        name="Quý 3", starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30), total_budget=10_000_001
    )
    awareness, retention = f.campaign(stage="awareness"), f.campaign(stage="retention")
    promotion_services.campaign_spend_add(campaign=awareness, amount=2_000_000, spent_on=dt.date(2026, 7, 5))
    promotion_services.campaign_spend_add(campaign=awareness, amount=1_000_000, spent_on=dt.date(2026, 9, 30))
    promotion_services.campaign_spend_add(campaign=retention, amount=1_500_000, spent_on=dt.date(2026, 8, 1))
    promotion_services.campaign_spend_add(campaign=retention, amount=9_999_999, spent_on=dt.date(2026, 10, 1))  # after
    # when
    report = selectors.budget_report(plan=plan)
    rows = {r["stage"]: r for r in report.rows}
    # then
    assert report.planned_total == 10_000_001
    assert [rows[s]["percent"] for s in ("awareness", "acquisition", "conversion", "retention", "expansion")] == [
        40,
        30,
        15,
        10,
        5,
    ]
    assert rows["awareness"]["planned"] in (4_000_000, 4_000_001)
    assert (rows["awareness"]["actual"], rows["retention"]["actual"]) == (3_000_000, 1_500_000)
    assert rows["retention"]["over"] is True and rows["retention"]["variance"] < 0
    assert report.actual_total == 4_500_000


def test_the_budget_screen_creates_a_plan_with_edited_shares(client, marketer):
    client.force_login(marketer)
    data = {
        "name": "Tết",
        "starts_on": "2027-01-01",
        "ends_on": "2027-02-28",
        "total_budget": 50_000_000,
        "awareness": 50,
        "acquisition": 20,
        "conversion": 15,
        "retention": 10,
        "expansion": 5,
    }
    response = client.post(reverse("reports:budget"), data)
    assert response.status_code == 302
    plan = BudgetPlan.objects.get(name="Tết")
    assert plan.awareness_percent == 50
    bad = client.post(reverse("reports:budget"), {**data, "name": "Sai", "awareness": 60})
    assert bad.status_code == 200 and "phải bằng 100%" in bad.content.decode()
    assert not BudgetPlan.objects.filter(name="Sai").exists()
    page = client.get(reverse("reports:budget") + f"?plan={plan.pk}")
    assert page.status_code == 200 and b"<svg" in page.content


def test_goals_vs_actual_per_month(now):
    # given: a rising plan for a channel and three orders in two months
    web = f.sales_channel("website", "website")
    channel_services.goals_set_for_year(
        channel=web, year=2026, revenue=10_000_000, orders=10, new_customers=5, monthly_rise_percent=10
    )
    an, binh = f.customer(), f.customer()
    vn = now.tzinfo
    f.order(an, total=1_000_000, when=dt.datetime(2026, 3, 31, 23, 30, tzinfo=vn), channel=web)  # March, local time
    f.order(an, total=3_000_000, when=dt.datetime(2026, 4, 2, 10, tzinfo=vn), channel=web)
    f.order(binh, total=2_000_000, when=dt.datetime(2026, 4, 20, 10, tzinfo=vn), channel=web)
    f.order(binh, total=9_000_000, when=dt.datetime(2026, 4, 21, 10, tzinfo=vn), channel=web, status="cancelled")
    # when
    rows = {r["month"].month: r for r in selectors.goals_vs_actual(year=2026, channel_id=web.pk)}
    # then
    assert (rows[3]["revenue"], rows[3]["orders"], rows[3]["new_customers"]) == (1_000_000, 1, 1)
    assert (rows[4]["revenue"], rows[4]["orders"], rows[4]["new_customers"], rows[4]["aov"]) == (
        5_000_000,
        2,
        1,
        2_500_000,
    )
    assert rows[1]["revenue_target"] == 10_000_000 and rows[2]["revenue_target"] == 11_000_000
    assert all(rows[m]["target_rises"] in (True, None) for m in range(1, 13))
    assert rows[3]["revenue_percent"] == round(1_000_000 * 100 / rows[3]["revenue_target"], 1)


def test_goals_page_and_csv(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:goals") + "?year=2026").status_code == 200
    response = client.get(reverse("reports:goals") + "?year=2026&format=csv")
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 13
