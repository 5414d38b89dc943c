"""Project-wide pytest setup: which services a test needs, and what to do when one is missing.

- `@pytest.mark.postgres`: skipped on SQLite with a reason; with REQUIRE_POSTGRES=1 it fails instead.
- `@pytest.mark.redis`: skipped when no Redis answers; in CI (CI=true) it fails instead.
- `@pytest.mark.browser`: skipped when /usr/bin/chromium is absent; in CI it fails instead.
"""

import os

import pytest

pytest_plugins = ["o2o_site.testing"]


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [
        f"database: {engine} ({settings.DATABASES['default'].get('HOST') or settings.DATABASES['default']['NAME']})"
    ]


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    from o2o_site.testing import chromium_path, redis_answers

    on_postgres = settings.IS_POSTGRES
    require_pg = _truthy("REQUIRE_POSTGRES")
    in_ci = _truthy("CI")
    have_redis = None
    have_chromium = None
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if require_pg:
                item.add_marker(pytest.mark.usefixtures("_fail_without_postgres"))
            else:
                item.add_marker(
                    pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL or start one on 127.0.0.1:5432)")
                )
        if "redis" in item.keywords:
            if have_redis is None:
                have_redis = redis_answers()
            if not have_redis and not (in_ci or require_pg):
                item.add_marker(pytest.mark.skip(reason="needs a Redis server on 127.0.0.1:6379 (or REDIS_URL)"))
        if "browser" in item.keywords:
            if have_chromium is None:
                have_chromium = chromium_path() is not None
            if not have_chromium and not (in_ci or require_pg):
                item.add_marker(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))


@pytest.fixture
def _fail_without_postgres():
    pytest.fail("REQUIRE_POSTGRES=1 but the tests run on SQLite: set DATABASE_URL to PostgreSQL")
