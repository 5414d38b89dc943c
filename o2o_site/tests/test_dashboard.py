"""The manager's landing page shows today's headline figures, in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from o2o_site.roles import Role

pytestmark = pytest.mark.django_db


def _a_day(n: int) -> None:
    """n sales of 1.250.000 ₫ today, alternating Shopee and the website, and n store visits."""
    from channels import services as channel_services
    from channels.models import SalesChannel
    from reports.tests import factories as f

    shopee = f.sales_channel("shopee", SalesChannel.Kind.SHOPEE)
    web = f.sales_channel("website")
    store = f.store("q1")
    now = timezone.now()
    for i in range(n):
        f.order(None, total=1_250_000, when=now - dt.timedelta(minutes=i), channel=shopee if i % 2 else web)
        visitor = f.customer(f"Khách {i}")
        channel_services.checkin_record(
            store=store, method="qr", customer=visitor, occurred_at=now - dt.timedelta(minutes=i)
        )


def test_a_manager_lands_on_todays_figures_not_a_grid_of_links(client, make_user):
    # given a day with 4 sales on two channels and 4 store visits
    manager = make_user(Role.MANAGER)
    _a_day(4)
    client.force_login(manager)
    # when
    page = client.get(reverse("dashboard")).content.decode()
    # then
    assert "Doanh thu hôm nay" in page and "5.000.000 ₫" in page
    assert "Shopee" in page and "Website" in page and "2.500.000 ₫" in page
    assert "Lượt ghé cửa hàng hôm nay" in page
    assert "Lượt dùng voucher hôm nay" in page
    assert "Yêu cầu đang mở" in page and "Yêu cầu quá hạn" in page
    assert "Tin đăng đồng bộ lỗi" in page


def test_a_marketer_sees_the_screens_but_not_the_managers_figures(client, make_user):
    client.force_login(make_user(Role.MARKETING))
    page = client.get(reverse("dashboard")).content.decode()
    assert "Doanh thu hôm nay" not in page
    assert reverse("reports:index") in page


def test_the_landing_page_query_count_does_not_grow_with_the_day(client, make_user, django_assert_max_num_queries):
    manager = make_user(Role.MANAGER)
    client.force_login(manager)
    _a_day(2)
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("dashboard"))
    _a_day(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("dashboard")).status_code == 200
