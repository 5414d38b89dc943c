from hypothesis import given
from hypothesis import strategies as st

from o2o_site.money import format_vnd, percent_of, round_up_to
from o2o_site.text import fold


def test_fold_removes_vietnamese_diacritics_and_case():
    assert fold("Nguyễn Văn Đạt") == "nguyen van dat"
    assert fold("  TRẦN   thị  Ánh  ") == "tran thi anh"
    assert fold("đ Đ") == "d d"


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


def test_format_vnd_uses_dots_and_dong_sign():
    assert format_vnd(1250000) == "1.250.000 ₫"
    assert format_vnd(0) == "0 ₫"
    assert format_vnd(-5000) == "-5.000 ₫"


def test_percent_of_rounds_half_up_without_floats():
    assert percent_of(150000, 10) == 15000
    assert percent_of(15, 10) == 2  # 1.5 → 2
    assert percent_of(999999, "33.3") == 333000


def test_round_up_to_thousands():
    assert round_up_to(150001) == 151000
    assert round_up_to(150000) == 150000
