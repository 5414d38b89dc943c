import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

REPORT_URLS = ["reports:index", "reports:o2o", "reports:goals", "reports:stores", "reports:budget"]


@pytest.mark.parametrize("name", REPORT_URLS)
def test_reports_render_for_a_marketer(client, marketer, name):
    # given
    client.force_login(marketer)
    # when
    response = client.get(reverse(name))
    # then
    assert response.status_code == 200


@pytest.mark.parametrize("name", REPORT_URLS)
def test_reports_refuse_an_agent(client, agent, name):
    client.force_login(agent)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", REPORT_URLS)
def test_reports_send_anonymous_users_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-13-01",
        "start=2026-05-10&end=2026-05-01",
        "start=2020-01-01&end=2026-01-01",
        "campaign=abc&store=x",
        "window_days=-3",
        "year=abc&channel=zz",
        "plan=abc",
        "format=csv",
    ],
)
def test_reports_never_fail_on_bad_filters(client, manager, query):
    client.force_login(manager)
    for name in REPORT_URLS:
        response = client.get(reverse(name) + "?" + query)
        assert response.status_code in (200, 404), (name, query, response.status_code)


SEGMENT_URLS = ["reports:segments", "reports:segment-new"]


@pytest.mark.parametrize("name", SEGMENT_URLS)
def test_segment_screens_render(client, marketer, name):
    client.force_login(marketer)
    assert client.get(reverse(name)).status_code == 200


def test_segment_detail_renders_for_each_builtin(client, manager):
    from reports import services

    services.builtin_segments_ensure()
    from customers.models import Segment

    client.force_login(manager)
    for segment in Segment.objects.all():
        assert client.get(reverse("reports:segment", args=[segment.pk])).status_code == 200
        assert client.get(reverse("reports:segment-progress", args=[segment.pk])).status_code == 200


def test_segment_screens_refuse_a_cashier(client, cashier):
    client.force_login(cashier)
    assert client.get(reverse("reports:segments")).status_code == 403
    assert client.post(reverse("reports:segments-recompute")).status_code == 403


def test_the_store_chart_names_stores_and_figures_have_thousands_separators(client, manager):
    # given a store whose code means nothing to a manager, with 1,250 visits' worth of figures
    import datetime as dt

    from django.utils import timezone

    from channels import services as channel_services

    from . import factories as f

    store = f.store("hcm-q7")
    store.name = "Quận 7"
    store.save(update_fields=["name"])
    cust = f.customer("Nguyễn Văn An")
    channel_services.checkin_record(
        store=store, method="qr", customer=cust, occurred_at=timezone.now() - dt.timedelta(hours=3)
    )
    f.order(cust, total=12_500_000, when=timezone.now() - dt.timedelta(hours=2), store=store)
    client.force_login(manager)
    # when
    page = client.get(reverse("reports:stores")).content.decode()
    # then the chart's axis reads the store's name, not its code, and money is grouped
    chart = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Quận 7" in chart
    assert ">hcm-q7<" not in chart and ">HCM-Q7<" not in chart
    assert "12.500.000 ₫" in page


def test_points_and_counts_show_thousands_separators(client, manager):
    from customers import services as customer_services

    from . import factories as f

    cust = f.customer("Trần Thị Bình")
    customer_services.points_adjust(customer=cust, points=2575, reason="Khách thân thiết")
    client.force_login(manager)
    listing = client.get(reverse("customers:list")).content.decode()
    detail = client.get(reverse("customers:detail", args=[cust.pk])).content.decode()
    assert "2.575" in listing and "2.575" in detail
    assert ">2575<" not in listing and ">2575<" not in detail
