"""Malformed input answers 4xx with the one error body (JSON under /api/, a Vietnamese page
on the screens), never a 500: NUL bytes, over-deep JSON, extreme time-zone offsets, bodies over
the limit, overlong URLs, missing credentials."""

import json

import pytest

from o2o_site.roles import Role

pytestmark = pytest.mark.django_db


def assert_error_body(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/orders/a%00b/",
        "/api/v1/orders/?q=a%00b",
        "/api/v1/orders/?a%00=1",
        "/api/v1/support/lookup/?q=%00",
        "/api/v1/vouchers/?code=AB%00",
    ],
)
def test_a_nul_byte_in_an_api_url_is_a_400_with_the_error_body(api_as, manager, url):
    # given a manager who may read everything
    client = api_as(manager)
    # when the URL carries a NUL byte
    response = client.get(url)
    # then it is refused, not a 500
    assert_error_body(response, 400, "malformed")


def test_a_nul_byte_on_the_orders_screen_is_a_vietnamese_400_page(client, make_user):
    client.force_login(make_user(Role.MANAGER))
    for url in ("/channels/orders/?q=%00", "/channels/orders/a%00b/", "/v/AB%00CD/"):
        response = client.get(url)
        assert response.status_code == 400
        assert "ký tự NUL" in response.content.decode()


def test_a_nul_byte_in_a_json_body_is_refused_even_inside_free_form_options(api_as, manager):
    # given product options (a JSONField that would reach PostgreSQL's jsonb as is)
    body = {"name": "Áo", "skus": [{"code": "A-1", "price": 1000, "options": {"màu\u0000": "đỏ\u0000"}}]}
    # when
    response = api_as(manager).post("/api/v1/products/", body, format="json")
    # then
    assert_error_body(response, 400, "malformed")


def test_a_nul_byte_in_a_form_post_is_refused(client, make_user):
    client.force_login(make_user(Role.MANAGER))
    response = client.post("/channels/orders/", "q=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_a_nul_byte_in_a_header_or_cookie_is_refused(api_as, manager):
    response = api_as(manager).get("/api/v1/stores/", HTTP_IDEMPOTENCY_KEY="a\x00b")
    assert_error_body(response, 400, "malformed")


def test_a_lone_surrogate_in_json_is_refused(api_as, manager):
    response = api_as(manager).post(
        "/api/v1/customers/resolve/", data='{"full_name": "\\ud800"}', content_type="application/json"
    )
    assert_error_body(response, 400, "malformed")


@pytest.mark.parametrize("url", ["/api/v1/promotions/quote/", "/api/v1/customers/resolve/", "/api/v1/products/"])
def test_json_nested_50000_deep_is_a_400_not_a_recursion_error(api_as, manager, url):
    deep = "[" * 50_000 + "]" * 50_000
    response = api_as(manager).post(url, data=deep, content_type="application/json")
    assert_error_body(response, 400, "malformed")


def test_json_a_little_deeper_than_the_limit_is_refused_and_at_the_limit_parsed(api_as, manager, settings):
    from o2o_site.parsers import json_problem

    depth = settings.API_MAX_JSON_DEPTH
    nested = {}
    for _ in range(depth - 1):
        nested = {"a": nested}
    assert json_problem(nested, max_depth=depth) is None
    assert json_problem({"a": nested}, max_depth=depth)
    body = json.dumps({"lines": [{"a": nested}]})
    response = api_as(manager).post("/api/v1/promotions/quote/", data=body, content_type="application/json")
    assert_error_body(response, 400, "malformed")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/orders/?placed_from=0001-01-01T00:00:00%2B23:59", "placed_from"),
        ("/api/v1/orders/?placed_to=9999-12-31T23:59:59-23:59", "placed_to"),
        ("/api/v1/checkins/?occurred_from=2026-01-01T00:00:00%2B15:00", "occurred_from"),
        ("/api/v1/support/tickets/?created_after=9999-12-31T23:59:59-23:59", "created_after"),
        ("/api/v1/support/calls/?started_after=0001-01-01T00:00:00%2B14:00", "started_after"),
        ("/api/v1/vouchers/?valid_at=9999-12-31T23:59:59-16:00", "valid_at"),
        ("/api/v1/promotions/?active_at=0001-01-01T00:00:00%2B23:00", "active_at"),
    ],
)
def test_an_extreme_time_zone_offset_in_a_date_filter_is_a_400_naming_the_field(api_as, manager, url, field):
    response = api_as(manager).get(url)
    error = assert_error_body(response, 400, "invalid")
    assert field in error["fields"]


def test_a_real_world_offset_in_a_date_filter_still_filters(api_as, manager):
    response = api_as(manager).get("/api/v1/orders/?placed_from=2026-01-01T00:00:00%2B14:00")
    assert response.status_code == 200
    response = api_as(manager).get("/api/v1/orders/?placed_to=2026-01-01T00:00:00-12:00")
    assert response.status_code == 200


def test_a_body_over_the_size_limit_is_413_with_the_error_body(api_as, manager, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api_as(manager)
    json_body = json.dumps({"full_name": "x" * 20_000})
    assert_error_body(
        client.post("/api/v1/customers/resolve/", data=json_body, content_type="application/json"), 413, "too_large"
    )
    form = "full_name=" + "x" * 20_000
    response = client.post("/api/v1/customers/resolve/", form, content_type="application/x-www-form-urlencoded")
    assert_error_body(response, 413, "too_large")


def test_a_body_over_the_size_limit_on_a_screen_is_a_vietnamese_413_page(client, make_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(make_user(Role.MANAGER))
    response = client.post("/channels/orders/", "q=" + "x" * 20_000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "quá lớn" in response.content.decode()


def test_an_overlong_url_is_414_with_the_error_body(api_as, manager, client):
    assert_error_body(api_as(manager).get("/api/v1/orders/?q=" + "a" * 5000), 414, "uri_too_long")
    response = client.get("/channels/orders/" + "a" * 5000 + "/")
    assert response.status_code == 414
    assert "quá dài" in response.content.decode()


def test_404_405_under_the_api_are_the_error_body(api_as, manager):
    client = api_as(manager)
    assert_error_body(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error_body(client.delete("/api/v1/stores/"), 405, "method_not_allowed")


def test_a_500_under_the_api_is_the_error_body(rf):
    from o2o_site.views import handler500

    response = handler500(rf.get("/api/v1/orders/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    page = handler500(rf.get("/channels/orders/"))
    assert page.status_code == 500
    assert "Đã có lỗi xảy ra" in page.content.decode()


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Token not-a-real-token"}])
def test_missing_or_bad_credentials_are_401_with_www_authenticate(api_client, headers):
    response = api_client.get("/api/v1/stores/", **headers)
    assert_error_body(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_signed_in_user_without_the_role_is_still_403(api_as, make_user):
    response = api_as(make_user(Role.CASHIER)).get("/api/v1/products/?page_size=1")
    assert response.status_code in (200, 403)  # reading rights are the rights engineer's; never 401
    response = api_as(make_user()).get("/api/v1/stock/")
    assert_error_body(response, 403, "permission_denied")


def test_a_moment_outside_1970_2100_is_refused_not_stored_and_echoed_with_an_lmt_offset(api_as, manager):
    # given: a promotion (found by schemathesis: year 1131 came back as "+07:06:30", no date-time)
    from promotions.models import Promotion

    created = api_as(manager).post(
        "/api/v1/promotions/",
        {
            "name": "Giờ vàng",
            "kind": "percent_bill",
            "percent": 10,
            "valid_from": "2026-11-01T00:00:00+07:00",
            "valid_to": "2026-12-31T00:00:00+07:00",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    promotion_id = created.json()["id"]
    # when
    answer = api_as(manager).patch(
        f"/api/v1/promotions/{promotion_id}/", {"valid_from": "1131-08-01T01:42:18+07:00"}, format="json"
    )
    # then
    assert answer.status_code == 400
    assert "valid_from" in answer.json()["error"]["fields"]
    assert (
        Promotion.objects.get(pk=promotion_id).valid_from is None
        or Promotion.objects.get(pk=promotion_id).valid_from.year >= 1970
    )
