"""Walks every operation of the API schema and sends what no operation can accept: each answer is
a 4xx with the one error body, never a 500 and never another shape."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 50_000 + "]" * 50_000


def operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def concrete(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def assert_error_body(response, label):
    assert 400 <= response.status_code < 500, f"{label}: {response.status_code} {response.content[:200]!r}"
    assert response["Content-Type"].startswith("application/json"), label
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"], label
    assert isinstance(error["message"], str) and error["message"], label
    assert isinstance(error["fields"], dict), label


def test_every_operation_documents_the_error_body():
    for path, method, operation in operations():
        for status in ("400", "401", "403", "404", "500"):
            content = operation["responses"][status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path} {status}"


def test_every_operation_refuses_anonymous_callers_with_401_and_www_authenticate(api_client):
    for path, method, operation in operations():
        if not operation.get("security"):
            continue  # public by design (marketplace webhooks verify their own signature)
        response = getattr(api_client, method)(concrete(path))
        assert_error_body(response, f"{method} {path}")
        # 401 with the challenge; an endpoint open to anonymous callers (token login) may answer
        # another 4xx about its input, but never 403 for a missing credential.
        assert response.status_code != 403, f"{method} {path}"
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == "Token", f"{method} {path}"
        else:
            assert "auth" in path, f"{method} {path}: {response.status_code}"


def test_every_operation_refuses_malformed_input_with_the_error_body(api_as, manager):
    client = api_as(manager)
    for path, method, _operation in operations():
        call = getattr(client, method)
        if "{" in path:
            assert_error_body(call(concrete(path, "a%00b")), f"NUL in path {method} {path}")
        assert_error_body(call(concrete(path) + "?q=%00"), f"NUL in query {method} {path}")
        if method in {"post", "put", "patch"}:
            response = call(concrete(path), data=DEEP_JSON, content_type="application/json")
            assert_error_body(response, f"deep JSON {method} {path}")
            response = call(concrete(path), data='{"name": "a\\u0000b"}', content_type="application/json")
            assert_error_body(response, f"NUL in JSON {method} {path}")
            response = call(concrete(path), data="{not json", content_type="application/json")
            assert_error_body(response, f"broken JSON {method} {path}")


def test_the_schema_declares_nullable_what_the_api_returns_as_null():
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    def nullable(component, field):
        prop = schemas[component]["properties"][field]
        return prop.get("nullable") is True or any(p.get("type") == "null" for p in prop.get("oneOf", []))

    # plain serializer fields over NULL-able columns, nested optional relations, and a source
    # through an optional foreign key
    assert nullable("CustomerListOutput", "last_purchase_at")
    assert nullable("TicketOutput", "assignee")
    assert nullable("Campaign", "channel")
    # and a required column stays non-nullable
    assert not nullable("Campaign", "name")
