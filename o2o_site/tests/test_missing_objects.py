"""Every URL with an id in it, walked from the URL conf, answers a missing id with a 404 in Vietnamese.

A stale link or an erased customer is an everyday event for staff; it must never show a traceback.
The walk is built from the URL conf itself, so a screen added tomorrow is covered without editing
this file. The admin is Django's own (a missing object redirects to its list with a message).
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from o2o_site.roles import Role

pytestmark = pytest.mark.django_db

MISSING_INT = "987654321"
MISSING_TEXT = "khong-ton-tai"
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")

# Known to fail on this branch, owned by another engineer (see the issue notes); each entry is a
# (method, route) pair and is an expected failure rather than a skip, so a fix shows up as XPASS.
KNOWN_ELSEWHERE: set[tuple[str, str]] = {
    # The cashier's void is an htmx post answered inside the counter's result box (200, with the
    # refusal in words); the till engineer decides whether it becomes a 404.
    ("POST", f"/cashier/void/{MISSING_INT}/"),
}


def _fill_route(route: str) -> str:
    def value(match: re.Match) -> str:
        return MISSING_INT if match["converter"] == "int" else MISSING_TEXT

    return _ROUTE_PARAM.sub(value, route)


def _fill_regex(regex: str) -> str:
    text = regex.lstrip("^").rstrip("$")
    text = _REGEX_GROUP.sub(MISSING_INT, text)
    return text.replace("\\", "")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        raw = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if raw.startswith("admin/"):
                continue
            yield from _walk(entry.url_patterns, prefix + raw)
        elif isinstance(entry, URLPattern):
            route = prefix + raw
            if "format" in route or "<" not in route:
                continue
            yield route


def _concrete(route: str) -> str:
    if route.startswith("^") or "(?P<" in route:
        return "/" + _fill_regex(route.replace("^", ""))
    return "/" + _fill_route(route)


def _routes() -> list[str]:
    seen: dict[str, str] = {}
    for route in _walk(get_resolver().url_patterns):
        seen.setdefault(_concrete(route), route)
    return sorted(seen)


ROUTES = _routes()
CASES = [
    pytest.param(
        method, url, id=f"{method} {url}", marks=[pytest.mark.xfail(strict=False)] * ((method, url) in KNOWN_ELSEWHERE)
    )
    for url in ROUTES
    for method in ("GET", "POST")
]


@pytest.fixture
def everyone(make_user):
    """A member of every role and a store's staff, so no role check stands before the lookup."""
    from channels.tests.factories import StoreFactory

    return make_user(*Role, username="everyone", is_staff=True, stores=[StoreFactory(code="hcm-q1")])


def test_the_walk_covers_every_app():
    # given the URL conf; then every app's screens and APIs with an id are in the walk
    prefixes = {url.split("/")[1] for url in ROUTES}
    assert {"customers", "channels", "hotline", "support", "reports", "cashier", "v", "api"} <= prefixes


@pytest.mark.parametrize(("method", "url"), CASES)
def test_a_missing_object_answers_404_in_vietnamese(everyone, method, url):
    # given a user who may open every screen
    client = Client(raise_request_exception=False)
    client.force_login(everyone)
    # when they follow a link to an object that does not exist
    response = client.generic(method, url, data=b"", content_type="application/x-www-form-urlencoded")
    # then they get a 404 (a 405 where the method is not offered there), never a 500; an API
    # POST may refuse the empty body first (400), in its one error body; a screen's POST may
    # send them back to its list with the refusal in words (302, then an error message)
    allowed = (404, 405, 400) if url.startswith("/api/") and method == "POST" else (404, 405)
    if method == "POST" and response.status_code == 302 and not url.startswith("/api/"):
        landing = client.get(response["Location"])
        assert landing.status_code == 200 and "msg-error" in landing.content.decode(), f"{method} {url}"
        return
    assert response.status_code in allowed, f"{method} {url} → {response.status_code}"
    if response.status_code == 405:
        return
    body = response.content.decode()
    if url.startswith("/api/"):
        error = json.loads(body)["error"]
        assert error["code"]
        assert error["message"]
    else:
        # the site's 404 page, or a page of the app's own that says the link no longer works
        assert 'lang="vi"' in body and "<h1>" in body
        assert "Traceback" not in body
