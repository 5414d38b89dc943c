import pytest

from customers.services import customer_resolve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_finds_a_customer_without_diacritics_on_a_small_screen(page, live_server, login, agent):
    # given
    customer = customer_resolve(full_name="Nguyễn Văn An", phone="0912 345 678").customer
    customer_resolve(full_name="Trần Thị Bình", phone="0987 654 321")
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, agent)
    # when
    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "nguyen van an")
    page.wait_for_selector("#results >> text=1 khách hàng")
    # then
    assert "Trần Thị Bình" not in page.inner_text("#results")
    page.click("#results >> text=Nguyễn Văn An")
    page.wait_for_url(f"**/customers/{customer.pk}/")
    assert "0912 345 678" in page.content()  # phones in local format
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow
