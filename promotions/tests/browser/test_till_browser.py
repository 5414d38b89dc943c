"""The till in a real browser at 360 px: the total box says what it understood before anything
is charged, a scanned code is checked first and the total asked next, and the promotions
screens never scroll sideways."""

import datetime as dt

import pytest

from o2o_site.money import AmountError, parse_vnd
from o2o_site.roles import Role
from promotions import services

from ..factories import make_customer, make_promotion, make_sku, make_store, make_voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}

# Which elements stick out past the viewport (for a readable failure, not only a width).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !el.closest(".table-wrap")) {
      out.push(el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, out: out.slice(0, 8)};
}"""


def _assert_fits(page):
    measured = page.evaluate(OVERFLOW)
    assert measured["scroll"] <= measured["width"] + 1, measured


def test_the_total_box_shows_what_it_understood_and_refuses_a_fraction(browser, live_server, make_user, login):
    store = make_store("hcm-q1", name="Quận 1")
    cashier = make_user(Role.CASHIER, stores=[store])
    voucher = make_voucher(customer=make_customer(), discount_value=100_000)
    context = browser.new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    login(page, cashier)

    # a scanner types the code and Enter: the code is checked and the total is asked next
    page.keyboard.type(voucher.code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=code-accepted]")
    assert page.evaluate("document.activeElement.id") == "id_total"

    # 1250000.5 is refused on the spot, nothing is sent
    page.keyboard.type("1250000.5")
    echo = page.locator("[data-testid=total-echo]")
    assert "không có phần lẻ" in echo.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert page.locator("[data-testid=confirm]").count() == 0

    # the same amount typed right: the box says what it understood, the check prices it
    page.fill("#id_total", "")
    page.type("#id_total", "1250000")
    assert echo.inner_text() == "Hiểu là: 1.250.000 ₫"
    page.press("#id_total", "Enter")
    page.wait_for_selector("[data-testid=accepted]")
    assert page.locator("[data-testid=total]").inner_text() == "1.150.000 ₫"
    _assert_fits(page)
    page.keyboard.press("Enter")  # confirm has the focus
    page.wait_for_selector("[data-testid=receipt]")
    assert page.locator("[data-testid=print]").is_visible()
    context.close()


def test_the_server_refuses_a_fraction_even_without_the_script(browser, live_server, make_user, login):
    store = make_store("hcm-q1", name="Quận 1")
    cashier = make_user(Role.CASHIER, stores=[store])
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    # (the shared login helper clicks the first submit button: without JS that is the language form's)
    from o2o_site.testing import PASSWORD

    page.goto(f"{live_server.url}/login/?next=/cashier/")
    page.fill("input[name=username]", cashier.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#id_total")
    page.fill("#id_total", "1.250.000,5")
    page.click("#counter-form button[type=submit]")
    page.wait_for_load_state()
    assert "dùng lẫn nhiều loại dấu ngăn cách" in page.locator("#counter-form").inner_text()
    assert page.locator("[data-testid=confirm]").count() == 0
    context.close()


def test_the_page_parser_agrees_with_the_server(browser, live_server, make_user, login):
    store = make_store("hcm-q1", name="Quận 1")
    page = browser.new_page()
    login(page, make_user(Role.CASHIER, stores=[store]))
    cases = [
        "1250000",
        "1.250.000",
        "1 250 000",
        "1,250,000",
        "1.250.000 ₫",
        "990.000đ",
        "1250000 VND",
        "1250000.5",
        "1.250.000,5",
        "1,5",
        "1,250",
        "1,5tr",
        "500k",
        "12.50.000",
        "1250.000",
        "1..250",
        "-5",
        "",
        "١٢٣",
        "1e6",
        "0",
        "007",
        "1.250",
        "9" * 45,
        "1 5",
        " 1.000 ",
    ]
    in_page = page.evaluate("(cases) => cases.map((c) => window.O2OMoney.parseVnd(c))", cases)
    for typed, got in zip(cases, in_page, strict=True):
        try:
            expected = {"value": parse_vnd(typed)}
        except AmountError as refused:
            expected = {"code": refused.code}
        assert ({"value": got["value"]} if "value" in got else {"code": got["code"]}) == expected, (typed, got)
    page.close()


def test_promotions_screens_fit_360_px(browser, live_server, make_user, login, settings):
    # given: what makes the screens wide — long names, many filters, batches, used codes today
    store = make_store("hcm-q1", name="Cửa hàng Quận 1 — Nguyễn Thị Minh Khai")
    sku = make_sku(price=150_000, category="Phụ kiện")
    make_promotion(
        name="Giờ vàng 12:00–13:00: giảm 10% cả hóa đơn cho mọi khách hàng thân thiết",
        kind="bundle",
        buy_quantity=2,
        free_quantity=1,
        percent=None,
        skus=[sku],
    )
    for _ in range(3):
        make_voucher(customer=make_customer(), stores=[store], discount_value=100_000)
    services.campaign_create(
        name="Ra mắt cửa hàng mới Quận 1 — quảng cáo Facebook và Zalo cho khách hàng thân thiết",
        utm_campaign="fb-khai-truong-cua-hang-quan-1-thang-12-khach-hang-than-thiet",
        utm_source="facebook-instagram-audience-network",
        utm_medium="cpc-retargeting",
        journey_stage="awareness",
        starts_on=dt.date(2026, 12, 1),
        ends_on=dt.date(2026, 12, 31),
        budget=80_000_000,
    )
    manager = make_user(Role.MANAGER, stores=[store])
    cashier = make_user(Role.CASHIER, stores=[store])

    services.voucher_batch_create(
        template={"discount_type": "fixed", "discount_value": 50_000, "valid_days": 30},
        created_by=manager,
        customer_ids=[make_customer().pk],
    )
    used = make_voucher(customer=make_customer(), discount_value=100_000)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, cashier)
    page.fill("#id_code", used.code)
    page.fill("#id_total", "1.250.000")
    page.press("#id_total", "Enter")
    page.wait_for_selector("[data-testid=confirm]")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=receipt]")
    page.goto(f"{live_server.url}/cashier/")
    assert page.locator("[data-testid=used-today]").is_visible()
    _assert_fits(page)
    page.goto(f"{live_server.url}/v/{used.code}/")
    _assert_fits(page)
    context.close()

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, manager)
    for path in ("/promotions/", "/promotions/batches/"):
        page.goto(f"{live_server.url}{path}")
        _assert_fits(page)
    context.close()
