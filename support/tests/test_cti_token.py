"""The CTI's own token: it posts calls and call status, and nothing else."""

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from o2o_site.roles import Role
from support.cti import cti_token_create
from support.models import CallLog, CtiToken


@pytest.fixture
def cti_key(db):
    _token, key = cti_token_create(name="Tổng đài thử")
    return key


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_cti_token_posts_calls_and_call_status_in_the_existing_shapes(cti_key, customer):
    cti = _client(cti_key)
    rung = cti.post("/api/v1/support/calls/", {"caller": "0912 345 678", "call_id": "k-1"}, format="json")
    assert rung.status_code == 201
    assert rung.json()["customer"] == {"id": customer.pk, "full_name": "Nguyễn Văn An"}
    ended = cti.post("/api/v1/support/calls/k-1/status/", {"status": "ended"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/v1/support/calls/"),
        ("get", "/api/v1/support/tickets/"),
        ("get", "/api/v1/support/lookup/?q=0912345678"),
        ("get", "/api/v1/customers/"),
        ("post", "/api/v1/support/tickets/"),
        ("get", "/api/v1/support/customers/1/overview/"),
    ],
)
def test_a_cti_token_reads_no_customer_or_ticket_and_edits_nothing(cti_key, customer, method, url):
    response = (
        getattr(_client(cti_key), method)(url, {}, format="json") if method == "post" else _client(cti_key).get(url)
    )
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_a_revoked_cti_token_is_refused(cti_key, db):
    call_command("cti_token_create", revoke=CtiToken.objects.get().pk)
    response = _client(cti_key).post("/api/v1/support/calls/", {"caller": "0912", "call_id": "r"}, format="json")
    assert response.status_code == 401
    assert CallLog.objects.count() == 0


def test_only_the_hash_of_the_key_is_stored(cti_key):
    token = CtiToken.objects.get()
    assert cti_key not in (token.key_hash, token.key_prefix) and token.key_prefix == cti_key[:8]


def test_the_command_prints_a_key_that_works(db, capsys):
    call_command("cti_token_create", "Tổng đài Stringee")
    key = capsys.readouterr().out.splitlines()[1].strip()
    response = _client(key).post("/api/v1/support/calls/", {"caller": "0933111222", "call_id": "cmd"}, format="json")
    assert response.status_code == 201


def test_an_agent_token_still_posts_calls_for_an_older_cti_set_up(make_user, db):
    user = make_user(Role.AGENT, username="old-cti")
    client = _client(Token.objects.create(user=user).key)
    response = client.post("/api/v1/support/calls/", {"caller": "0933111222", "call_id": "old"}, format="json")
    assert response.status_code == 201


def test_the_demo_turns_the_old_cti_agent_account_off_and_prints_a_cti_token(make_user, db):
    from support.demo import _demo_cti_key

    legacy = make_user(Role.AGENT, username="cti")
    Token.objects.create(user=legacy)
    key = _demo_cti_key()
    assert _demo_cti_key() == key  # the same key on every re-seed
    legacy.refresh_from_db()
    assert not legacy.is_active and not legacy.groups.exists() and not Token.objects.filter(user=legacy).exists()
    response = _client(key).post("/api/v1/support/calls/", {"caller": "0933111222", "call_id": "d"}, format="json")
    assert response.status_code == 201
