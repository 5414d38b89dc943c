"""Shared pytest fixtures (loaded as a plugin by the root conftest).

Users for each role, API clients, and probes for the services some tests need.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

from o2o_site.roles import Role

PASSWORD = "test-pass-123"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    parsed = urlparse(redis_url())
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def make_user(db, django_user_model):
    """`make_user(Role.CASHIER, stores=[store])` → a saved user with that role (and stores)."""
    from o2o_site.roles import user_add_role

    counter = {"n": 0}

    def factory(*roles: Role | str, username: str | None = None, stores=(), **fields):
        counter["n"] += 1
        name = username or f"{'-'.join(str(r) for r in roles) or 'user'}-{counter['n']}"
        user = django_user_model.objects.create_user(username=name, password=PASSWORD, **fields)
        for role in roles:
            user_add_role(user, role)
        for store in stores:
            store.staff.add(user)
        return user

    return factory


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="manager")


@pytest.fixture
def marketer(make_user):
    return make_user(Role.MARKETING, username="marketer")


@pytest.fixture
def inventory_user(make_user):
    return make_user(Role.INVENTORY, username="stock")


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT, username="agent")


@pytest.fixture
def cashier(make_user):
    return make_user(Role.CASHIER, username="cashier")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api_client):
    """`api_as(user)` → an APIClient authenticated as that user."""

    def login(user):
        api_client.force_authenticate(user=user)
        return api_client

    return login


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Vietnamese).

    A request through LocaleMiddleware leaves its language active in the thread; without this a
    test that switched to English would leak it into the next test's service messages.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
