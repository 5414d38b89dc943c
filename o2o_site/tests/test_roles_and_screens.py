import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from o2o_site.demo import DEMO_PASSWORD, DEMO_USERS, seed
from o2o_site.roles import ROLE_HOME, Role

pytestmark = pytest.mark.django_db


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.parametrize(("username", "full_name", "role"), DEMO_USERS)
def test_each_demo_role_logs_in_and_lands_on_its_screen(client, username, full_name, role):
    # given
    seed(lambda _line: None)
    # when
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True)
    # then
    assert response.status_code == 200
    assert response.redirect_chain, "login should redirect"
    assert response.request["PATH_INFO"] == reverse(ROLE_HOME[role])


def test_wrong_password_shows_an_error_and_stays_on_login(client):
    seed(lambda _line: None)
    response = client.post(reverse("login"), {"username": "manager", "password": "nope"})
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "forbidden_url"),
    [
        (Role.CASHIER, "support:hotline"),
        (Role.CASHIER, "channels:sync-status"),
        (Role.CASHIER, "dashboard"),
        (Role.AGENT, "promotions:cashier"),
        (Role.AGENT, "channels:sync-status"),
        (Role.INVENTORY, "support:hotline"),
        (Role.INVENTORY, "promotions:cashier"),
        (Role.MARKETING, "promotions:cashier"),
    ],
)
def test_a_role_cannot_open_another_roles_screen(client, make_user, role, forbidden_url):
    client.force_login(make_user(role))
    response = client.get(reverse(forbidden_url))
    assert response.status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("support:hotline"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_navigation_shows_a_role_only_its_screens(client, make_user):
    client.force_login(make_user(Role.CASHIER))
    page = client.get(reverse("promotions:cashier")).content.decode()
    assert reverse("promotions:cashier") in page
    assert reverse("support:hotline") not in page
    assert reverse("admin:index") not in page


def test_user_without_role_gets_an_explanation(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody", password="x"))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "vai trò" in response.content.decode()


def test_pages_speak_vietnamese_by_default_and_english_on_request(client):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert "Log in" in client.get(reverse("login")).content.decode()
