"""A cashier redeems a code at the counter on a phone-sized screen, keyboard only; a second
cashier trying the same code is then told it was already used."""

import pytest

from o2o_site.roles import Role

from ..factories import make_customer, make_store, make_voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cashier_redeems_a_code_and_a_second_cashier_is_refused(browser, live_server, make_user, login):
    # given: a personal store-only voucher, two stores, one cashier in each
    first_store, second_store = make_store("hcm-q1", name="Quận 1"), make_store("hcm-q3", name="Quận 3")
    first = make_user(Role.CASHIER, stores=[first_store])
    second = make_user(Role.CASHIER, stores=[second_store])
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)

    # when: the first cashier, on a phone, types the code and the total and presses Enter twice
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = phone.new_page()
    login(page, first)
    assert page.url.endswith("/cashier/")
    page.keyboard.type(voucher.code.lower())  # the code field has the focus
    page.fill("#id_total", "1.250.000")
    page.press("#id_total", "Enter")
    page.wait_for_selector("[data-testid=accepted]")
    assert page.locator("[data-testid=total]").inner_text() == "1.150.000 ₫"
    page.keyboard.press("Enter")  # the confirm button has the focus
    page.wait_for_selector("[data-testid=receipt]")
    assert voucher.code in page.locator("[data-testid=receipt]").inner_text()
    # nothing scrolls sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.close()

    # then: the second cashier is refused, in plain words
    other = browser.new_context(viewport={"width": 390, "height": 844})
    page = other.new_page()
    login(page, second)
    page.fill("#id_code", voucher.code)
    page.fill("#id_total", "1.250.000")
    page.press("#id_code", "Enter")
    refusal = page.wait_for_selector("[data-testid=refusal]")
    assert "Mã đã được sử dụng" in refusal.inner_text()
    assert page.locator("[data-testid=confirm]").count() == 0
    other.close()
