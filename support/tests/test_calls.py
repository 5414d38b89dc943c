import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from o2o_site.roles import Role
from support.models import AgentProfile, CallLog

from .conftest import count_queries


@pytest.fixture
def cti(db):
    """The call-center system: a CTI token (posts calls and call status, nothing else)."""
    from support.cti import cti_token_create

    _token, key = cti_token_create(name="Tổng đài thử")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def agent_ext(agent):
    AgentProfile.objects.create(user=agent, extension="101")
    return agent


def test_screen_pop_call_rings_and_the_agent_screen_shows_the_caller(cti, client, agent_ext, customer):
    # when: the CTI posts the ringing call, caller written differently from the stored number
    response = cti.post(
        "/api/v1/support/calls/", {"caller": "0912 345 678", "agent": "101", "call_id": "c-1"}, format="json"
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert body["customer"] == {"id": customer.pk, "full_name": "Nguyễn Văn An"}
    assert body["agent"] == "agent"
    assert body["status"] == "ringing"
    call = CallLog.objects.get(call_id="c-1")
    assert call.phone == "+84912345678"
    # and the agent's polling screen shows them
    client.force_login(agent_ext)
    pop = client.get(reverse("support:pop"))
    assert "Nguyễn Văn An" in pop.content.decode()
    assert 'data-testid="screen-pop"' in pop.content.decode()
    from customers.selectors import customer_timeline

    assert "call" in [a.kind for a in customer_timeline(customer).items]


def test_screen_pop_is_idempotent_on_the_call_id(cti, customer):
    first = cti.post("/api/v1/support/calls/", {"caller": "0912345678", "call_id": "c-2"}, format="json")
    again = cti.post("/api/v1/support/calls/", {"caller": "0912345678", "call_id": "c-2"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert CallLog.objects.count() == 1


def test_screen_pop_of_an_unknown_number_offers_a_new_customer(cti, client, agent, db):
    cti.post("/api/v1/support/calls/", {"caller": "0933 111 222", "agent": "agent", "call_id": "c-3"}, format="json")
    client.force_login(agent)
    html = client.get(reverse("support:pop")).content.decode()
    assert "Khách hàng mới" in html
    call = CallLog.objects.get(call_id="c-3")
    # answering goes to the new-customer form with the number filled in
    response = client.post(reverse("support:call-answer", args=[call.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("support:new-customer") + "?phone=0933")
    form = client.get(response["Location"]).content.decode()
    assert 'value="0933 111 222"' in form
    # and saving it creates the customer and links the call
    saved = client.post(
        response["Location"], {"full_name": "Phạm Mới", "phone": "0933 111 222", "email": "", "call": call.pk}
    )
    call.refresh_from_db()
    assert call.customer is not None and call.customer.full_name == "Phạm Mới"
    assert saved["Location"].startswith(reverse("support:customer", args=[call.customer_id]))


def test_a_call_for_another_agent_does_not_pop_on_my_screen(cti, client, agent, make_user, customer):
    other = make_user(Role.AGENT, username="other")
    cti.post("/api/v1/support/calls/", {"caller": "0912345678", "agent": "other", "call_id": "c-4"}, format="json")
    client.force_login(agent)
    assert "screen-pop" not in client.get(reverse("support:pop")).content.decode()
    client.force_login(other)
    assert "screen-pop" in client.get(reverse("support:pop")).content.decode()


def test_answered_call_leaves_the_pop_and_the_cti_can_end_it(cti, client, agent, customer):
    cti.post("/api/v1/support/calls/", {"caller": "0912345678", "agent": "agent", "call_id": "c-5"}, format="json")
    call = CallLog.objects.get(call_id="c-5")
    client.force_login(agent)
    response = client.post(reverse("support:call-answer", args=[call.pk]))
    assert response["Location"] == reverse("support:customer", args=[customer.pk]) + f"?call={call.pk}"
    assert "screen-pop" not in client.get(reverse("support:pop")).content.decode()
    ended = cti.post("/api/v1/support/calls/c-5/status/", {"status": "ended"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"


def test_screen_pop_needs_a_token_and_a_support_role(api_client, make_user, db):
    anonymous = api_client.post("/api/v1/support/calls/", {"caller": "0912345678", "call_id": "x"}, format="json")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    cashier = make_user(Role.CASHIER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=cashier).key}")
    assert client.post("/api/v1/support/calls/", {"caller": "1", "call_id": "x"}, format="json").status_code == 403


def test_screen_pop_with_missing_fields_answers_the_error_body(cti, db):
    response = cti.post("/api/v1/support/calls/", {"caller": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"caller", "call_id"}


def test_withheld_number_is_still_logged(cti, db):
    response = cti.post("/api/v1/support/calls/", {"caller": "anonymous", "call_id": "c-6"}, format="json")
    assert response.status_code == 201
    assert response.json()["customer"] is None and response.json()["phone"] == ""


def test_call_list_query_count_does_not_grow(cti, api_as, agent, customer):
    client = api_as(agent)
    for i in range(3):
        cti.post("/api/v1/support/calls/", {"caller": "0912345678", "call_id": f"q-{i}"}, format="json")
    client.get("/api/v1/support/calls/")  # warm: the user's roles are cached after the first request
    few = count_queries(lambda: client.get("/api/v1/support/calls/"))
    for i in range(3, 30):
        cti.post("/api/v1/support/calls/", {"caller": "0912345678", "call_id": f"q-{i}"}, format="json")
    many = count_queries(lambda: client.get("/api/v1/support/calls/"))
    assert many == few
    assert client.get("/api/v1/support/calls/").json()["count"] == 30


def test_new_customer_form_refuses_a_bad_number_and_keeps_what_was_typed(client, agent, db):
    client.force_login(agent)
    response = client.post(reverse("support:new-customer"), {"full_name": "Đặng Thị Mới", "phone": "12ab", "email": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đặng Thị Mới" in html and 'value="12ab"' in html
    assert 'class="error"' in html
