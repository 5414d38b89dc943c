"""Browser-test fixtures: Playwright drives Debian's chromium (never `playwright install`).

Each app's `tests/browser/conftest.py` star-imports this module. It also allows Django's
sync ORM inside the live_server + Playwright event loop, for browser tests only.
"""

import os

import pytest

from o2o_site.testing import PASSWORD, chromium_path

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path() or "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture
def login(live_server):
    """`login(page, user)` logs the user in through the real login form."""

    def do_login(page, user, password: str = PASSWORD):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do_login
