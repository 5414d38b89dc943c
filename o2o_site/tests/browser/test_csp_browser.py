"""Under the Content-Security-Policy the screens still work in a real browser: no script is refused,
and the behaviour moved out of inline handlers (language switch, store switch, print) still runs."""

import pytest

from o2o_site.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_language_switch_works_with_no_csp_violation(page, live_server, make_user, login):
    # given a manager on a screen, with the browser reporting CSP refusals
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, make_user(Role.MANAGER))
    assert page.locator("h1").inner_text() == "Tổng quan"
    # when the language is switched (formerly an inline onchange handler)
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    # then the page reloads in English, and nothing was refused
    assert page.locator("html").get_attribute("lang") == "en"
    assert refused == []


def test_the_api_docs_load_under_the_csp(page, live_server, make_user, login):
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, make_user(Role.MANAGER))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert [text for text in refused if "script" in text.lower()] == []
