import pytest

pytestmark = pytest.mark.django_db


def test_the_o2o_report_api_answers_json_for_marketing(api_as, marketer):
    response = api_as(marketer).get("/api/v1/reports/o2o/?start=2026-06-01&end=2026-06-30&attribution=first")
    assert response.status_code == 200
    assert response.json()["totals"]["clicks"] == 0 and response.json()["attribution"] == "first"


@pytest.mark.parametrize(
    "query, field",
    [("start=2026-06-30&end=2026-06-01", "start"), ("start=2026-99-01", "start"), ("window_days=0", "window_days")],
)
def test_bad_report_filters_get_the_one_error_body(api_as, manager, query, field):
    response = api_as(manager).get(f"/api/v1/reports/o2o/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["fields"]


def test_the_report_api_refuses_a_cashier(api_as, cashier):
    response = api_as(cashier).get("/api/v1/reports/o2o/")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_segment_preview_counts_or_names_the_faulty_condition(api_as, marketer):
    client = api_as(marketer)
    ok = client.post(
        "/api/v1/reports/segments/preview/",
        {"match": "all", "conditions": [{"field": "order_count", "op": "gte", "value": 0}]},
        format="json",
    )
    assert ok.status_code == 200 and ok.json() == {"count": 0}
    bad = client.post(
        "/api/v1/reports/segments/preview/",
        {"match": "all", "conditions": [{"field": "order_count", "op": "gte", "value": "x"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_segment_definition"
    assert "conditions.0.value" in bad.json()["error"]["fields"]
