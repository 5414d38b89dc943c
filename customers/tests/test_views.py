"""Staff screens: the customer list/search and the customer page."""

import pytest
from django.urls import reverse

from customers.services import message_send, record_activity
from customers.tests.factories import make_customer
from o2o_site.roles import Role

pytestmark = pytest.mark.django_db


def test_list_searches_without_diacritics(client, agent, customer):
    client.force_login(agent)
    make_customer("Trần Thị Bình")
    response = client.get(reverse("customers:list"), {"q": "NGUYEN VAN AN"})
    assert response.status_code == 200
    assert "Nguyễn Văn An" in response.content.decode() and "Trần Thị Bình" not in response.content.decode()


def test_list_htmx_answers_only_the_results(client, agent, customer):
    client.force_login(agent)
    response = client.get(reverse("customers:list"), {"q": "5678"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and "Nguyễn Văn An" in response.content.decode()


def test_list_shows_an_empty_state_and_survives_bad_filters(client, manager):
    client.force_login(manager)
    response = client.get(reverse("customers:list"), {"q": "khong co ai", "lifecycle": "bogus", "page": "x"})
    assert response.status_code == 200
    assert "Không có khách hàng nào khớp" in response.content.decode()


@pytest.mark.parametrize("role", [Role.CASHIER, Role.INVENTORY])
def test_screens_refuse_other_roles(client, make_user, customer, role):
    client.force_login(make_user(role))
    assert client.get(reverse("customers:list")).status_code == 403
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 403


def test_screens_send_anonymous_users_to_login(client, customer):
    assert client.get(reverse("customers:list")).status_code == 302


def test_list_query_count_does_not_grow_with_data(client, marketer, django_assert_max_num_queries):
    client.force_login(marketer)
    for i in range(40):
        make_customer(f"Khách {i}")
    with django_assert_max_num_queries(10):
        assert client.get(reverse("customers:list")).status_code == 200


def test_detail_shows_profile_and_timeline_with_flat_query_count(
    client, agent, customer, django_assert_max_num_queries
):
    client.force_login(agent)
    for i in range(60):
        record_activity(
            customer=customer, kind="order", ref_type="o", ref_id=str(i), amount=1_250_000, channel="shopee"
        )
    for i in range(15):
        message_send(customer=customer, channel="sms", purpose="service", body=f"Đơn {i}", idempotency_key=f"k{i}")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "0912 345 678" in body  # phones in local format
    assert "1.250.000 ₫" in body
    assert "Đơn 14" in body and "Chờ gửi" in body
    timeline = client.get(
        reverse("customers:detail", args=[customer.pk]), {"part": "timeline", "page": 3}, HTTP_HX_REQUEST="true"
    )
    assert "Trang 3/3" in timeline.content.decode()  # (60 orders + 15 messages) / 25


def test_detail_of_an_unknown_customer_is_404(client, agent):
    client.force_login(agent)
    assert client.get(reverse("customers:detail", args=[999999])).status_code == 404


def test_agent_records_a_withdrawal_but_only_a_manager_with_evidence_records_a_grant(
    client, agent, manager, customer, marketing_text
):
    # given: an agent on the customer's page
    client.force_login(agent)
    url = reverse("customers:consent", args=[customer.pk])
    grant = {"channel": "sms", "purpose": "marketing", "granted": "1", "source": "hotline", "evidence": "Ghi âm #1"}
    # when: the agent records a grant, then a withdrawal the caller asks for
    refused = client.post(url, grant)
    assert refused.status_code == 400
    assert "Chỉ quản lý" in refused.content.decode()
    assert not customer.consents.exists()
    client.post(url, {**grant, "granted": "0", "evidence": ""})
    assert customer.consents.get().granted is False
    # then: a manager's grant needs evidence and, with it, is recorded against the current text
    client.force_login(manager)
    no_evidence = client.post(url, {**grant, "evidence": ""})
    assert no_evidence.status_code == 400 and "Ghi rõ bằng chứng" in no_evidence.content.decode()
    client.post(url, grant)
    state = customer.consents.get()
    assert state.granted is True and state.last_event.text == marketing_text


def test_agent_adds_a_contact_and_sees_why_a_bad_one_is_refused(client, agent, customer):
    client.force_login(agent)
    other = make_customer("Người khác", "0977000222")
    url = reverse("customers:contact-add", args=[customer.pk])
    bad = client.post(url, {"kind": "phone", "value": "0977 abc"})
    assert bad.status_code == 400 and "0977 abc" in bad.content.decode()  # what was typed stays
    taken = client.post(url, {"kind": "phone", "value": "+84 977 000 222"})
    assert taken.status_code == 400 and "khách hàng khác" in taken.content.decode()
    ok = client.post(url, {"kind": "zalo", "value": "zalo-an-2"})
    assert ok.status_code == 302
    assert customer.contact_points.filter(kind="zalo", value="zalo-an-2").exists()
    assert other.contact_points.count() == 1
