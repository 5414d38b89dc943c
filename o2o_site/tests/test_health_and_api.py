import pytest
from django.db import OperationalError, connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user(is_staff=True))
    return client


def test_healthz_is_200_with_database_and_eager_tasks(staff_client):
    response = staff_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_the_broker_is_unreachable(staff_client, settings):
    from o2o_site.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = staff_client.get("/healthz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    from o2o_site import health

    def broken_cursor(*_a, **_k):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    # then a load balancer (no session) reads 503 without details
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_details_name_the_failing_database_for_staff(staff_client, monkeypatch):
    from o2o_site import health

    monkeypatch.setitem(
        health.CHECKS, "database", lambda: {"ok": False, "vendor": "postgresql", "error": "connection refused"}
    )
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


def test_healthz_tells_the_public_only_ok_or_not(client, make_user):
    # anonymous (a load balancer) and a signed-in non-staff user see only the status
    assert client.get("/healthz").json() == {"status": "ok"}
    client.force_login(make_user())
    assert client.get("/healthz").json() == {"status": "ok"}


def test_healthz_a_failing_check_is_503_for_the_public_without_details(client, monkeypatch):
    from o2o_site import health

    monkeypatch.setitem(health.CHECKS, "heartbeat", lambda: {"ok": False, "error": "worker silent since 10:00"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_a_check_that_raises_is_reported_not_a_500(staff_client, monkeypatch):
    from o2o_site import health

    def boom():
        raise RuntimeError("no heartbeat table")

    monkeypatch.setitem(health.CHECKS, "heartbeat", boom)
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["heartbeat"]["ok"] is False


def test_openapi_schema_generates_without_errors(client, manager):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    client.force_login(manager)
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200


def test_api_docs_work_offline(client, manager):
    client.force_login(manager)
    page = client.get("/api/v1/docs/").content.decode()
    assert "swagger" in page.lower()
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_api_errors_share_one_body(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_requires_authentication_with_the_error_body(api_client):
    response = api_client.get("/api/v1/schema/?format=json", HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in {"not_authenticated", "permission_denied"}
