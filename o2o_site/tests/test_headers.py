"""Content-Security-Policy and Permissions-Policy on every answer; no inline script in any template."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from o2o_site.roles import Role

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.parametrize("url", ["/login/", "/dashboard/", "/api/v1/stores/", "/healthz", "/no-such-page/"])
def test_every_answer_has_csp_and_permissions_policy(client, make_user, url):
    client.force_login(make_user(Role.MANAGER))
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "camera=()" in response["Permissions-Policy"]


def test_refusals_from_the_malformed_input_guard_carry_the_headers_too(client):
    response = client.get("/login/?q=%00")
    assert response.status_code == 400
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_no_template_has_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (inline_script, handler, re.compile(r"javascript:", re.IGNORECASE)):
            for match in pattern.finditer(text):
                if 'type="application/json"' in match.group(0):
                    continue
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


def test_the_api_docs_page_has_no_inline_script(client, make_user):
    client.force_login(make_user(Role.MANAGER))
    page = client.get("/api/v1/docs/").content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert client.get("/api/v1/docs/?script").status_code == 200
