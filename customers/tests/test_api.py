"""The customers API: shapes, roles, the one error body, fixed query counts."""

import pytest
from django.utils import timezone

from customers.models import ContactPoint, Customer, MergeRecord
from customers.services import customer_resolve, record_activity, record_purchase, segment_sync_members
from customers.tests.factories import SegmentFactory, make_customer

pytestmark = pytest.mark.django_db


def _error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


def test_resolve_creates_then_finds(api_as, agent):
    client = api_as(agent)
    first = client.post(
        "/api/v1/customers/resolve/", {"full_name": "Võ Thị Mai", "phone": "0901 234 567"}, format="json"
    )
    again = client.post("/api/v1/customers/resolve/", {"phone": "+84901234567", "email": "mai@x.vn"}, format="json")
    assert first.status_code == 201 and first.json()["created"] is True
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert {c["kind"] for c in again.json()["contact_points"]} == {"phone", "email"}


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"phone": "0901"}, "invalid_phone", "phone"),
        ({"phone": "+1 650 253 0000"}, "invalid_phone", "phone"),
        ({"email": "mai@"}, "invalid_email", "email"),
        ({}, "no_identifier", "phone"),
        ({"phone": "x" * 100}, "invalid", "phone"),
    ],
)
def test_resolve_bad_input_is_400_with_the_error_body_and_writes_nothing(api_as, agent, payload, code, field):
    response = api_as(agent).post("/api/v1/customers/resolve/", payload, format="json")
    error = _error(response, 400, code)
    assert field in error["fields"]
    assert Customer.objects.count() == 0


def test_malformed_json_is_400(api_as, agent):
    response = api_as(agent).post("/api/v1/customers/resolve/", "{not json", content_type="application/json")
    _error(response, 400, "malformed")


@pytest.mark.parametrize(
    "url", ["/api/v1/customers/999999/", "/api/v1/customers/999999/timeline/", "/api/v1/customers/999999/points/"]
)
def test_unknown_customer_is_404(api_as, manager, url):
    _error(api_as(manager).get(url), 404, "not_found")


def test_roles_are_checked(api_client, api_as, cashier, inventory_user, customer):
    assert api_client.get("/api/v1/customers/").status_code in (401, 403)
    _error(api_as(inventory_user).get("/api/v1/customers/"), 403, "permission_denied")
    _error(
        api_as(cashier).post(f"/api/v1/customers/{customer.pk}/erase/", {"confirm": True}, format="json"),
        403,
        "permission_denied",
    )


def test_list_searches_filters_and_paginates(api_as, marketer, django_assert_max_num_queries):
    # given
    segment = SegmentFactory(code="loyal")
    members = [make_customer(f"Hoàng Văn Nam {i}") for i in range(15)]
    make_customer("Someone Else")
    segment_sync_members(segment=segment, customer_ids=[c.pk for c in members[:5]])
    client = api_as(marketer)
    # when
    with django_assert_max_num_queries(8):
        page = client.get("/api/v1/customers/", {"q": "hoang van nam", "page_size": 10}).json()
    by_segment = client.get("/api/v1/customers/", {"segment": "loyal"}).json()
    # then
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 15 and len(page["results"]) == 10 and page["next"]
    assert by_segment["count"] == 5 and by_segment["results"][0]["segments"] == ["loyal"]
    _error(client.get("/api/v1/customers/", {"lifecycle": "nope"}), 400, "invalid")


def test_list_query_count_does_not_grow_with_data(
    api_as, marketer, django_assert_num_queries, django_assert_max_num_queries
):
    client = api_as(marketer)
    for i in range(3):
        make_customer(f"A {i}")
    with django_assert_num_queries(5) as small:  # roles, count, page, contacts, segments
        client.get("/api/v1/customers/")
    for i in range(30):
        make_customer(f"B {i}", email=f"b{i}@x.vn")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/v1/customers/")


def test_profile_shows_contacts_consents_points_and_segments(api_as, agent, customer, grant):
    grant(customer, "sms", "marketing")
    segment_sync_members(segment=SegmentFactory(code="vip", name="VIP"), customer_ids=[customer.pk])
    record_purchase(customer=customer, amount=100_000, channel="web", occurred_at=timezone.now(), order_ref="W")
    body = api_as(agent).get(f"/api/v1/customers/{customer.pk}/").json()
    assert body["points_balance"] == 10
    assert body["segments"] == [{"code": "vip", "name": "VIP"}]
    assert body["consents"][0] | {"updated_at": None} == {
        "channel": "sms",
        "purpose": "marketing",
        "granted": True,
        "updated_at": None,
    }
    assert {c["value"] for c in body["contact_points"]} == {"+84912345678", "an@example.com"}


def test_timeline_is_newest_first_and_count_stays_flat(api_as, agent, customer, django_assert_num_queries):
    for i in range(40):
        record_activity(customer=customer, kind="web_visit", ref_type="s", ref_id=str(i))
    client = api_as(agent)
    with django_assert_num_queries(4):  # session user, customer, count, page
        body = client.get(f"/api/v1/customers/{customer.pk}/timeline/", {"page_size": 10}).json()
    assert body["count"] == 40 and len(body["results"]) == 10
    times = [r["occurred_at"] for r in body["results"]]
    assert times == sorted(times, reverse=True)
    filtered = client.get(f"/api/v1/customers/{customer.pk}/timeline/", {"kind": "order"}).json()
    assert filtered["count"] == 0


def test_merge_endpoint_and_undo(api_as, manager):
    a = customer_resolve(full_name="Bùi An", phone="0911000001").customer
    b = customer_resolve(full_name="Bui An", phone="0911000002").customer
    client = api_as(manager)
    _error(client.post(f"/api/v1/customers/{a.pk}/merge/", {"duplicate": a.pk}, format="json"), 409, "merge_self")
    _error(client.post(f"/api/v1/customers/{a.pk}/merge/", {"duplicate": 99999}, format="json"), 404, "not_found")
    _error(client.post(f"/api/v1/customers/{a.pk}/merge/", {"duplicate": "x"}, format="json"), 400, "invalid")
    response = client.post(f"/api/v1/customers/{a.pk}/merge/", {"duplicate": b.pk}, format="json")
    assert response.status_code == 200
    assert len(response.json()["customer"]["contact_points"]) == 2
    record = MergeRecord.objects.get()
    assert client.post(f"/api/v1/customers/merges/{record.pk}/undo/").status_code == 200
    assert ContactPoint.objects.filter(customer=b).count() == 1


def test_export_and_erase_endpoints(api_as, manager, customer):
    client = api_as(manager)
    export = client.get(f"/api/v1/customers/{customer.pk}/export/")
    assert export.status_code == 200 and export.json()["customer"]["id"] == customer.pk
    _error(client.post(f"/api/v1/customers/{customer.pk}/erase/", {"confirm": False}, format="json"), 400, "invalid")
    erased = client.post(
        f"/api/v1/customers/{customer.pk}/erase/", {"confirm": True, "reason": "yêu cầu"}, format="json"
    )
    assert erased.status_code == 200 and erased.json()["erased"] is True and erased.json()["full_name"] == ""


def test_consent_and_points_endpoints(api_as, make_user, manager, customer, marketing_text):
    from o2o_site.roles import Role

    client = api_as(make_user(Role.MARKETING))
    bad = client.post(
        f"/api/v1/customers/{customer.pk}/consents/",
        {"channel": "sms", "purpose": "marketing", "granted": True, "source": "store", "text_version": "9"},
        format="json",
    )
    _error(bad, 400, "invalid_consent")
    ok = client.post(
        f"/api/v1/customers/{customer.pk}/consents/",
        {
            "channel": "sms",
            "purpose": "marketing",
            "granted": True,
            "source": "store",
            "text_version": "2026-01",
            "evidence": "Phiếu ĐK 0042",
        },
        format="json",
    )
    assert ok.status_code == 201
    assert client.get(f"/api/v1/customers/{customer.pk}/consents/").json()["count"] == 1
    _error(
        client.post(
            f"/api/v1/customers/{customer.pk}/points/", {"action": "adjust", "points": 5, "reason": "x"}, format="json"
        ),
        403,
        "permission_denied",
    )
    manager_client = api_as(manager)
    _error(
        manager_client.post(
            f"/api/v1/customers/{customer.pk}/points/", {"action": "spend", "points": 5}, format="json"
        ),
        409,
        "insufficient_points",
    )
    added = manager_client.post(
        f"/api/v1/customers/{customer.pk}/points/",
        {"action": "adjust", "points": 50, "reason": "Bù lỗi"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["balance"] == 50
    ledger = manager_client.get(f"/api/v1/customers/{customer.pk}/points/").json()
    assert ledger["balance"] == 50 and ledger["count"] == 1


def test_consent_points_and_merge_queue_lists_keep_a_flat_query_count(
    api_as, manager, customer, grant, django_assert_max_num_queries
):
    from customers.services import consent_record, customer_update, duplicates_scan, points_adjust

    client = api_as(manager)
    for i in range(25):
        grant(customer, "sms", "marketing")
        consent_record(customer=customer, channel="sms", purpose="marketing", granted=False, source="web")
        points_adjust(customer=customer, points=i + 1, reason="thưởng")
        customer_update(customer=make_customer(f"Trùng Tên {i % 5}"), district="Quận 5")
    duplicates_scan()
    for url in ("consents", "points"):
        with django_assert_max_num_queries(7):
            body = client.get(f"/api/v1/customers/{customer.pk}/{url}/").json()
        assert body["count"] >= 25 and len(body["results"]) == 25
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/customers/merge-candidates/").json()
    assert body["count"] > 25
