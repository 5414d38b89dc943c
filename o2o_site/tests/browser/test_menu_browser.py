"""The ☰ menu on a phone is a real button: keyboard and screen reader can open and close it."""

import pytest
from playwright.sync_api import expect

from o2o_site.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_menu_opens_and_closes_from_the_keyboard_and_says_so(page, live_server, make_user, login):
    # given a manager on a phone-sized screen
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, make_user(Role.MANAGER))
    button = page.get_by_role("button", name="Menu điều hướng")
    menu = page.get_by_role("navigation", name="Điều hướng chính")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    # when they tab to the button and press Enter
    button.focus()
    page.keyboard.press("Enter")
    # then the menu opens, the button says so, and focus moves into the menu
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link").first).to_be_focused()
    # when they press Escape, it closes and focus returns to the button
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()
    # and Space opens it again, as for any button
    page.keyboard.press(" ")
    expect(menu).to_be_visible()


def test_on_a_wide_screen_the_menu_is_always_shown_and_the_button_is_not(page, live_server, make_user, login):
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, make_user(Role.MANAGER))
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_be_visible()
    expect(page.get_by_role("button", name="Menu điều hướng")).to_be_hidden()


def test_without_javascript_the_menu_is_simply_open(browser, live_server, make_user):
    # given a phone whose browser runs no script (the screens work without app.js)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    user = make_user(Role.MANAGER)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "test-pass-123")
    page.get_by_role("button", name="Đăng nhập").click()  # (the language form shows its own OK button)
    # then every screen of the menu can be reached, and there is no dead button
    expect(page.get_by_role("navigation", name="Điều hướng chính")).to_be_visible()
    expect(page.get_by_role("button", name="Menu điều hướng")).to_have_count(0)
    context.close()


def test_the_page_has_no_inline_script_handlers(page, live_server, make_user, login):
    # a Content-Security-Policy without 'unsafe-inline' is coming: handlers live in app.js
    login(page, make_user(Role.MANAGER))
    html = page.content()
    assert "onchange=" not in html and "onclick=" not in html
