import pytest

from o2o_site.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_logs_in_and_sees_the_home_screen(page, live_server, make_user, login):
    # given
    user = make_user(Role.MANAGER, first_name="Minh", last_name="Trần")
    # when
    login(page, user)
    # then
    assert page.url.endswith("/dashboard/")
    assert page.locator("h1").inner_text() == "Tổng quan"
    assert page.locator("nav.mainnav").is_visible()


def test_a_wrong_password_is_told_plainly(page, live_server, make_user, login):
    user = make_user(Role.CASHIER)
    login(page, user, password="wrong")
    assert "/login/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("Tên đăng nhập hoặc mật khẩu không đúng")
