import pytest
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_is_200_with_database_and_eager_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] == connection.vendor


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    from o2o_site.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    from o2o_site import health

    def broken_cursor(*_a, **_k):
        raise (
            health.connection.OperationalError("connection refused")
            if hasattr(health.connection, "OperationalError")
            else RuntimeError("connection refused")
        )

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


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
