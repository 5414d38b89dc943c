"""Points never answer 500 after committing (issue 13): a client whose connection dropped after
the server committed retries with the same reference and gets the first result, told so."""

import json
import socket
import time
import urllib.request
from urllib.parse import urlparse

import pytest

from customers.models import PointsEntry
from customers.selectors import points_balance
from customers.services import points_adjust
from o2o_site.roles import Role


def _post(url: str, token: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post_and_hang_up(url: str, token: str, payload: dict) -> None:
    """Sends the request and closes the connection without reading the answer (a dropped line)."""
    parsed = urlparse(url)
    body = json.dumps(payload).encode()
    head = (
        f"POST {parsed.path} HTTP/1.1\r\nHost: {parsed.netloc}\r\nAuthorization: Token {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)


@pytest.mark.django_db(transaction=True)
def test_a_spend_whose_answer_was_lost_replays_the_first_result(live_server, make_user):
    from rest_framework.authtoken.models import Token

    from customers.services import customer_resolve

    # given: a customer with 100 points, a manager's API token
    customer = customer_resolve(full_name="Lê Văn Cường", phone="0903000111", source="test").customer
    points_adjust(customer=customer, points=100, reason="Tặng")
    token = Token.objects.create(user=make_user(Role.MANAGER)).key
    url = f"{live_server.url}/api/v1/customers/{customer.pk}/points/"
    spend = {"action": "spend", "points": 30, "reason": "Đổi quà", "reference": "POS-77"}
    # when: the first request's connection drops before the answer; the server commits anyway
    _post_and_hang_up(url, token, spend)
    deadline = time.monotonic() + 10
    while not PointsEntry.objects.filter(reference="POS-77").exists():
        assert time.monotonic() < deadline, "the first request never committed"
        time.sleep(0.05)
    status, body = _post(url, token, spend)
    # then: the retry is told it is the first result, and nothing was spent twice
    first = PointsEntry.objects.get(reference="POS-77")
    assert status == 200 and body["replayed"] is True and body["id"] == first.pk
    assert points_balance(customer) == 70 and body["balance"] == 70
    # a fresh reference is a new spend (201), the same reference for other points a clear 409
    fresh_status, fresh = _post(url, token, {**spend, "reference": "POS-78"})
    assert fresh_status == 201 and fresh["replayed"] is False
    other_status, other = _post(url, token, {**spend, "points": 5})
    assert other_status == 409 and other["error"]["code"] == "reference_reused"
    assert points_balance(customer) == 40


@pytest.mark.django_db
@pytest.mark.parametrize("points", [25, -5])
def test_a_repeated_adjust_with_the_same_reference_is_replayed_not_a_500(api_as, manager, points):
    from customers.services import customer_resolve

    customer = customer_resolve(full_name="Lê Văn Cường", phone="0903000111", source="test").customer
    points_adjust(customer=customer, points=100, reason="Tặng")
    client = api_as(manager)
    payload = {"action": "adjust", "points": points, "reason": "Sửa sai", "reference": "ADJ-1"}
    first = client.post(f"/api/v1/customers/{customer.pk}/points/", payload, format="json")
    again = client.post(f"/api/v1/customers/{customer.pk}/points/", payload, format="json")
    assert first.status_code == 201 and first.json()["replayed"] is False
    assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["id"] == first.json()["id"]
    assert points_balance(customer) == 100 + points
