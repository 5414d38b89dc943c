"""customer_search: phones in any format, last digits, emails, ids, names without diacritics."""

import pytest

from customers.selectors import customer_search
from customers.services import customer_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def an():
    return customer_resolve(
        full_name="Nguyễn Văn An", phone="0912345678", email="an.nguyen@example.com", zalo_id="zalo-an"
    ).customer


@pytest.fixture
def dat():
    return customer_resolve(full_name="Trần Đức Đạt", phone="01662345679").customer


@pytest.mark.parametrize("query", ["nguyen van an", "NGUYEN VAN AN", "Nguyễn Văn An", "nguyễn an", "van an"])
def test_search_finds_a_name_without_diacritics_in_any_case(an, dat, query):
    assert [c.pk for c in customer_search(query)] == [an.pk]


def test_search_matches_d_for_đ(an, dat):
    assert [c.pk for c in customer_search("tran duc dat")] == [dat.pk]
    assert [c.pk for c in customer_search("Đạt")] == [dat.pk]


@pytest.mark.parametrize("query", ["0912345678", "+84 912 345 678", "84912345678", "0912.345.678", "5678", "345678"])
def test_search_finds_a_phone_in_any_format_or_by_its_last_digits(an, dat, query):
    assert an.pk in [c.pk for c in customer_search(query)]
    assert dat.pk not in [c.pk for c in customer_search(query)]


def test_search_finds_an_old_eleven_digit_number_by_its_new_form(an, dat):
    assert [c.pk for c in customer_search("0362345679")] == [dat.pk]


def test_search_finds_email_in_any_case_and_account_ids(an, dat):
    assert [c.pk for c in customer_search("AN.NGUYEN@example.com")] == [an.pk]
    assert [c.pk for c in customer_search("zalo-an")] == [an.pk]


def test_search_with_nothing_to_find_answers_empty(an):
    assert customer_search("") == []
    assert customer_search("khong ai ten nay") == []


def test_search_skips_merged_profiles(an, dat):
    from customers.services import customer_merge

    customer_merge(survivor=dat, duplicate=an)
    assert [c.pk for c in customer_search("0912345678")] == [dat.pk]


def test_search_query_count_does_not_grow_with_results(django_assert_num_queries):
    for i in range(12):
        customer_resolve(full_name=f"Phạm Thị Hoa {i}", phone=f"09780000{i:02d}", email=f"hoa{i}@x.vn")
    with django_assert_num_queries(4):  # matching identifiers, customers, contact points, segments
        found = customer_search("pham thi hoa", limit=50)
    assert len(found) == 12
