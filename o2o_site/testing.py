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


# --- a Redis of the test's own, to stop and start ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A `redis-server` process on a free port of its own: `stop()` is a real outage, `start()`
    brings it back on the same port (empty: nothing persisted)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> RedisServer:
        import subprocess
        import time

        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server():
    """A Redis started for this test on a free port (and stopped after it)."""
    if not (shutil.which("redis-server") or os.path.exists("/usr/bin/redis-server")):
        pytest.skip("needs redis-server (apt-get install redis-server)")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def redis_cache(redis_server, settings):
    """The site's cache on the test's own Redis; `safe_cache` forgets any earlier outage."""
    from o2o_site import safe_cache

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    safe_cache.reset()
    yield redis_server
    safe_cache.reset()


@pytest.fixture
def celery_broker(redis_server, settings):
    """The Celery app sending to the test's own Redis (not eager); restored afterwards.

    `celery_broker.queued()` → [(task name, args repr), ...] waiting in the default queue.
    """
    from o2o_site import outbox
    from o2o_site.celery import app

    outbox.reset_broker_state()
    saved = {key: app.conf.get(key) for key in ("broker_url", "task_always_eager", "broker_transport_options")}

    def reset_pools():
        for owner, attr in ((app, "_pool"), (app.amqp, "_producer_pool")):
            pool = getattr(owner, attr, None)
            if pool is not None:
                pool.force_close_all()
            setattr(owner, attr, None)

    reset_pools()
    app.conf.update(
        broker_url=redis_server.url,
        task_always_eager=False,
        broker_transport_options={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
    )
    settings.CELERY_BROKER_URL = redis_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def queued(queue: str = "celery") -> list[tuple[str, str]]:
        import json

        raw = redis_server.client().lrange(queue, 0, -1)
        out = []
        for item in reversed(raw):  # LPUSH: the oldest is last
            headers = json.loads(item)["headers"]
            out.append((headers["task"], headers["argsrepr"]))
        return out

    redis_server.queued = queued
    yield redis_server
    reset_pools()
    app.conf.update(saved)
    outbox.reset_broker_state()


def start_worker(broker_url: str, *, extra_env: dict | None = None, beat_schedule: str | None = None):
    """A real `celery worker` process (solo pool) on the test database and the given broker.

    The caller stops it (`.terminate()`, or `os.kill(p.pid, SIGKILL)` for a crash). With
    `beat_schedule` (a file path) it embeds beat too.
    """
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    args = [sys.executable, "-m", "celery", "-A", "o2o_site", "worker", "-P", "solo", "-c", "1"]
    args += ["--without-gossip", "--without-mingle", "-l", "WARNING"]
    if beat_schedule:
        args += ["--beat", "--schedule", beat_schedule]
    return subprocess.Popen(
        args,
        start_new_session=True,  # its own process group: the embedded beat can be found and killed with it
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def child_pids(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc), e.g. a worker's embedded beat."""
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(p) for p in fh.read().split()]
    return out
