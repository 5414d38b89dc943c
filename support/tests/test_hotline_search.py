import pytest
from django.urls import reverse

from support import selectors

from .conftest import make_customer

PHONE_FORMATS = [
    "0912 345 678",
    "0912345678",
    "+84 912 345 678",
    "84912345678",
    "+84912345678",
    "0912.345.678",
    "(+84) 912-345-678",
]


@pytest.mark.parametrize("typed", PHONE_FORMATS)
def test_search_by_every_phone_format_finds_the_customer(customer, typed):
    # when
    candidates = selectors.hotline_lookup(typed)
    # then
    assert [(c.customer.pk, c.matched, c.identifier) for c in candidates] == [(customer.pk, "phone", "+84912345678")]


def test_search_by_an_old_eleven_digit_number_finds_todays_number(db):
    # given: stored as today's 036… number
    customer = make_customer("Trần Thị Bình", "0362345678")
    # when: the caller reads out the pre-2018 016… number
    candidates = selectors.hotline_lookup("01662345678")
    # then
    assert [c.customer.pk for c in candidates] == [customer.pk]


@pytest.mark.parametrize("typed", ["nguyen van an", "NGUYEN VAN AN", "Nguyễn Văn An", "van an"])
def test_search_by_folded_name(customer, typed):
    candidates = selectors.hotline_lookup(typed)
    assert [c.customer.pk for c in candidates] == [customer.pk]
    assert candidates[0].matched == "name"


def test_one_exact_phone_match_opens_the_customer_directly(client, agent, customer):
    client.force_login(agent)
    response = client.get(reverse("support:hotline"), {"q": "0912 345 678"})
    assert response.status_code == 302
    assert response["Location"] == reverse("support:customer", args=[customer.pk])


def test_one_exact_phone_match_over_htmx_redirects_the_page(client, agent, customer):
    client.force_login(agent)
    response = client.get(reverse("support:hotline"), {"q": "0912345678"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("support:customer", args=[customer.pk])


def test_several_candidates_are_shown_side_by_side_never_guessed(client, agent, db):
    # given: two people with the same name
    first = make_customer("Nguyễn Văn An", "0912345678")
    second = make_customer("Nguyễn Văn An", "0987654321")
    client.force_login(agent)
    # when
    response = client.get(reverse("support:hotline"), {"q": "nguyen van an"})
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="candidate"') == 2
    assert reverse("support:customer", args=[first.pk]) in html
    assert reverse("support:customer", args=[second.pk]) in html


def test_last_digits_matching_several_customers_shows_them_all(client, agent, db):
    # given
    first = make_customer("Lê Văn Cha", "0912005678")
    second = make_customer("Lê Thị Con", "0987005678")
    client.force_login(agent)
    # when
    response = client.get(reverse("support:hotline"), {"q": "005678"})
    # then: not guessed
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="candidate"') == 2
    assert {c.matched for c in selectors.hotline_lookup("005678")} == {"phone_suffix"}
    assert {c.customer.pk for c in selectors.hotline_lookup("005678")} == {first.pk, second.pk}


def test_unknown_number_offers_a_new_customer_with_the_number(client, agent, db):
    client.force_login(agent)
    response = client.get(reverse("support:hotline"), {"q": "0933 111 222"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("support:new-customer") + "?phone=0933%20111%20222" in html


def test_lookup_api_answers_candidates(api_as, agent, customer):
    response = api_as(agent).get("/api/v1/support/lookup/", {"q": "0912 345 678"})
    assert response.status_code == 200
    assert response.json() == {
        "candidates": [
            {
                "id": customer.pk,
                "name": "Nguyễn Văn An",
                "full_name": "Nguyễn Văn An",
                "matched": "phone",
                "identifier": "+84912345678",
            }
        ],
        "more": False,
        "searchable": True,
    }


def test_lookup_by_ticket_number(ticket, api_as, agent):
    response = api_as(agent).get("/api/v1/support/lookup/", {"q": f"#{ticket.pk}"})
    assert response.json()["candidates"][0]["id"] == ticket.customer_id
    assert response.json()["candidates"][0]["matched"] == "ticket"


def test_lookup_by_order_number_and_marketplace_id(api_as, agent, shopee_order):
    order = shopee_order
    for q in (order.number, order.external_id):
        candidates = api_as(agent).get("/api/v1/support/lookup/", {"q": q}).json()["candidates"]
        assert [c["id"] for c in candidates] == [order.customer_id]
        assert candidates[0]["matched"] == "order"


def test_lookup_by_voucher_code(api_as, agent, customer):
    from promotions.services import voucher_issue

    voucher = voucher_issue(customer=customer, discount_type="fixed", discount_value=50_000)
    candidates = api_as(agent).get("/api/v1/support/lookup/", {"q": voucher.code}).json()["candidates"]
    assert [(c["id"], c["matched"]) for c in candidates] == [(customer.pk, "voucher")]


def test_cashier_may_not_use_the_hotline(api_as, client, cashier, db):
    assert api_as(cashier).get("/api/v1/support/lookup/", {"q": "an"}).status_code == 403
    client.force_login(cashier)
    assert client.get(reverse("support:hotline")).status_code == 403


def test_lookup_refuses_an_overlong_query_with_the_error_body(api_as, agent):
    response = api_as(agent).get("/api/v1/support/lookup/", {"q": "x" * 300})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"code", "message", "fields"}
