"""Login throttling (django-axes) on the staff login, the admin login and the API token, and
idle staff sessions ending on shared tills."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from o2o_site.roles import Role
from o2o_site.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="10.0.0.1", url="/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_lock_the_account_and_say_so_in_vietnamese(client, make_user, caplog):
    cashier = make_user(Role.CASHIER, username="thu-ngan")
    # when: five wrong passwords
    for _ in range(4):
        assert _login(client, "thu-ngan", "sai-mat-khau").status_code == 200
    fifth = _login(client, "thu-ngan", "sai-mat-khau")
    # then: the fifth answer says the account is locked, for how long, in Vietnamese
    assert fifth.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in fifth.content.decode() and "15 phút" in fifth.content.decode()
    assert any("Locking out" in r.getMessage() for r in caplog.records)  # logged
    # and: even the right password is refused for now
    locked = _login(client, "thu-ngan", PASSWORD)
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    # and: another account from another till still signs in
    other = make_user(Role.CASHIER, username="thu-ngan-2")
    assert _login(client, other.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert cashier.pk != other.pk


def test_the_lock_grows_with_further_failures_and_ends_after_the_cooloff(client, make_user):
    make_user(Role.MANAGER, username="quan-ly")
    with freeze_time(timezone_now()) as clock:
        waits = [_login(client, "quan-ly", "sai").content.decode() for _ in range(7)]
        # the fifth failure locks for 15 minutes; each further one doubles the wait
        assert "15 phút" in waits[4] and "30 phút" in waits[5] and "60 phút" in waits[6]
        clock.tick(timedelta(minutes=59))
        assert _login(client, "quan-ly", PASSWORD).status_code == 429
        clock.tick(timedelta(days=1, minutes=1))
        # after the cool-off the right password works and resets the count
        assert _login(client, "quan-ly", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        assert _login(client, "quan-ly", "sai").status_code == 200


def test_failures_from_one_address_lock_that_address_whatever_the_account(client, make_user):
    make_user(Role.CASHIER, username="thu-ngan")
    for i in range(5):
        _login(client, f"doan-{i}", "sai", address="203.0.113.9")
    assert _login(client, "thu-ngan", PASSWORD, address="203.0.113.9").status_code == 429
    assert _login(client, "thu-ngan", PASSWORD, address="10.0.0.5").status_code == 302


def test_the_admin_login_is_throttled_too(client, make_user):
    make_user(Role.MANAGER, username="quan-ly", is_staff=True)
    for _ in range(5):
        _login(client, "quan-ly", "sai", url="/admin/login/")
    locked = _login(client, "quan-ly", PASSWORD, url="/admin/login/")
    assert locked.status_code == 429 and "Tạm khoá đăng nhập" in locked.content.decode()


def test_the_api_token_login_is_throttled_with_the_error_body(api_client, make_user):
    make_user(Role.AGENT, username="tong-dai")
    wrong = api_client.post("/api/v1/auth/token/", {"username": "tong-dai", "password": "sai"}, format="json")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "authentication_failed"
    for _ in range(4):
        api_client.post("/api/v1/auth/token/", {"username": "tong-dai", "password": "sai"}, format="json")
    locked = api_client.post("/api/v1/auth/token/", {"username": "tong-dai", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_locked" and int(locked["Retry-After"]) >= 60


def test_the_api_token_login_answers_a_token(api_client, make_user):
    make_user(Role.AGENT, username="tong-dai")
    ok = api_client.post("/api/v1/auth/token/", {"username": "tong-dai", "password": PASSWORD}, format="json")
    assert ok.status_code == 200
    token = ok.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/support/lookup/", {"q": "x"}).status_code == 200


def test_a_cashier_session_ends_after_thirty_idle_minutes_but_a_managers_does_not(client, make_user):
    cashier = make_user(Role.CASHIER, username="thu-ngan")
    manager = make_user(Role.MANAGER, username="quan-ly")
    start = timezone_now()
    with freeze_time(start) as clock:
        _login(client, cashier.username, PASSWORD)
        assert client.get(reverse("promotions:cashier")).status_code == 200
        clock.tick(timedelta(minutes=29))
        assert client.get(reverse("promotions:cashier")).status_code == 200  # activity resets the clock
        clock.tick(timedelta(minutes=31))
        idle = client.get(reverse("promotions:cashier"))
        assert idle.status_code == 302 and "idle=1" in idle["Location"]
        assert "lâu không thao tác" in client.get(idle["Location"]).content.decode()
        assert client.get(reverse("promotions:cashier")).status_code == 302
        # a manager's back-office session is not cut after 31 minutes
        _login(client, manager.username, PASSWORD, address="10.0.0.9")
        clock.tick(timedelta(minutes=31))
        assert client.get(reverse("dashboard")).status_code == 200


def test_the_idle_time_is_a_setting(client, make_user, settings):
    settings.SESSION_IDLE_MINUTES = {"cashier": 5, "default": 480}
    cashier = make_user(Role.CASHIER, username="thu-ngan")
    with freeze_time(timezone_now()) as clock:
        _login(client, cashier.username, PASSWORD)
        client.get(reverse("promotions:cashier"))
        clock.tick(timedelta(minutes=6))
        assert client.get(reverse("promotions:cashier")).status_code == 302


def test_logout_ends_the_session(client, make_user):
    cashier = make_user(Role.CASHIER, username="thu-ngan")
    _login(client, cashier.username, PASSWORD)
    assert client.get(reverse("promotions:cashier")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("promotions:cashier")).status_code == 302


def timezone_now():
    from django.utils import timezone

    return timezone.now()
