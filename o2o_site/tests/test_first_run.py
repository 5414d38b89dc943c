"""The console after `make run` is the demo's front door: one language, every login, no noise."""

import io
import logging

import pytest
from django.core.management import call_command

from o2o_site.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def console():
    """What seed_demo prints (stdout) and what the loggers print (the console handler)."""
    out, logs = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        call_command("seed_demo", stdout=out)
    finally:
        root.removeHandler(handler)
    return out.getvalue(), logs.getvalue()


def test_the_seed_console_lists_every_demo_account_in_one_language_without_noise_and_analyses(
    console, django_user_model
):
    stdout, logs = console
    # every account that can log in is in the table: each store's cashier, both agents, the leads
    from channels.models import Store

    for store in Store.objects.filter(is_warehouse=False):
        cashier = store.staff.filter(groups__name=Role.CASHIER).order_by("username").last()
        assert cashier.username in stdout and store.name in stdout
    for username in ("manager", "marketing", "inventory", "agent", "agent2", "cashier"):
        assert f" {username} " in stdout
    loginable = set(
        django_user_model.objects.filter(groups__isnull=False)
        .exclude(username="cti")
        .values_list("username", flat=True)
    )
    assert {u for u in loginable if f" {u} " not in stdout} == set()
    assert " cti " not in stdout  # the CTI connector is a service account, not a login
    # one language: the lines the seed prints are Vietnamese
    for english in ("Seeding", "Demo logins", "already seeded", "profiles", "campaigns", "tickets", "CTI token"):
        assert english not in stdout
    # and no line per unsent listing batch, no kombu fallback warning, no per-task trace
    assert logs.count("not configured") <= 8  # once per marketplace, not once per batch
    assert "Reverting to default" not in logs
    assert "succeeded in" not in logs
    # and, autovacuum or not, the seed ran ANALYZE on the tables it filled
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE relname IN "
            "('customers_customer', 'customers_activity', 'channels_order', 'customers_segmentmembership') "
            "AND last_analyze IS NULL"
        )
        assert cursor.fetchall() == []


def test_the_site_has_a_favicon_and_every_page_links_it(client):
    # given a browser asking for /favicon.ico, as every browser does on a first visit
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    # then it is sent to the vendored icon (no 404 on the console), and pages link it themselves
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg")
    assert 'rel="icon"' in client.get("/login/").content.decode()
