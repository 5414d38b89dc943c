"""Sources: the staff API, the command, the screen, and that a write key only writes."""

import pytest
from django.core.management import call_command

from collect.models import Source
from collect.testing import basic_auth, event


@pytest.mark.django_db
def test_marketing_creates_a_source_and_gets_its_key_once(api_as, marketer):
    api = api_as(marketer)
    response = api.post("/api/v1/collect/sources/", {"name": "Landing Tết", "kind": "landing"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "kind", "write_key"}
    assert body["kind"] == "landing" and len(body["write_key"]) >= 24
    # the key is never read back
    listed = api.get("/api/v1/collect/sources/").json()
    assert listed["count"] == 1
    assert "write_key" not in listed["results"][0]
    assert body["write_key"] not in str(listed)


@pytest.mark.django_db
def test_source_create_refuses_bad_input_with_the_error_body(api_as, manager):
    api = api_as(manager)
    bad = api.post("/api/v1/collect/sources/", {"name": "", "kind": "fax"}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"name", "kind"}
    api.post("/api/v1/collect/sources/", {"name": "Web", "kind": "website"}, format="json")
    again = api.post("/api/v1/collect/sources/", {"name": "Web", "kind": "app"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_name"
    assert api.post("/api/v1/collect/sources/abc/revoke/").status_code == 404
    assert api.post("/api/v1/collect/sources/999/revoke/").status_code == 404


@pytest.mark.django_db
def test_only_manager_and_marketing_manage_sources(api_as, agent, cashier, api_client):
    assert api_client.get("/api/v1/collect/sources/").status_code in (401, 403)
    for user in (agent, cashier):
        response = api_as(user).post("/api/v1/collect/sources/", {"name": "x", "kind": "app"}, format="json")
        assert response.status_code == 403


@pytest.mark.django_db
def test_revoke_makes_the_key_answer_401(api_as, manager, post):
    api = api_as(manager)
    made = api.post("/api/v1/collect/sources/", {"name": "App", "kind": "app"}, format="json").json()
    assert post(made["write_key"], [event("identify", traits={"email": "a@b.vn"})]).status_code == 200
    revoked = api.post(f"/api/v1/collect/sources/{made['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert post(made["write_key"], [event()]).json()["error"]["code"] == "bad_write_key"
    assert api.get("/api/v1/collect/sources/?active=0").json()["count"] == 1


@pytest.mark.django_db
def test_collect_source_command_prints_a_working_key(capsys, post):
    call_command("collect_source", "Server POS", "--kind", "server")
    key = capsys.readouterr().out.strip()
    assert Source.objects.get(name="Server POS").kind == "server"
    assert post(key, [event("identify", traits={"phone": "0912345678"})]).status_code == 200


@pytest.mark.django_db
def test_a_write_key_reads_nothing(client, key):
    auth = {"HTTP_AUTHORIZATION": basic_auth(key)}
    assert client.get("/api/v1/collect/sources/", **auth).status_code in (401, 403)
    assert client.get("/api/v1/customers/", **auth).status_code in (401, 403)
    assert client.get("/collect/v1/batch", **auth).status_code == 405


@pytest.mark.django_db
def test_sources_screen_makes_a_key_and_shows_the_snippet(client, marketer):
    client.force_login(marketer)
    empty = client.get("/collect/sources/")
    assert empty.status_code == 200
    assert "Chưa có nguồn nào" in empty.content.decode()
    made = client.post("/collect/sources/", {"name": "Website", "kind": "website", "consent_default": "analytics"})
    page = made.content.decode()
    assert "chỉ hiện một lần" in page and "/c.js" in page
    source = Source.objects.get()
    client.post(f"/collect/sources/{source.pk}/revoke/")
    source.refresh_from_db()
    assert source.revoked_at is not None


@pytest.mark.django_db
def test_sources_screen_is_for_manager_and_marketing(client, cashier):
    client.force_login(cashier)
    assert client.get("/collect/sources/").status_code == 403
