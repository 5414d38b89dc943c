"""The SVG chart helpers: valid markup, escaped labels, empty states."""

import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from reports import charts

labels = st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=40)


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


@settings(max_examples=50, deadline=None)
@given(labels=labels, data=st.data())
def test_bar_and_line_charts_are_well_formed_svg_for_any_labels_and_values(labels, data):
    values = data.draw(st.lists(st.integers(min_value=0, max_value=10**12), min_size=len(labels), max_size=len(labels)))
    series = [charts.Series("Doanh thu <&>", values), charts.Series("Mục tiêu", list(reversed(values)))]
    for fn in (charts.bar_chart, charts.line_chart):
        root = parse(fn(labels, series, label='Biểu đồ "thử" <b>'))
        assert root.tag.endswith("svg") and root.get("role") == "img"


def test_bars_have_heights_proportional_to_values():
    svg = charts.bar_chart(["A", "B"], [charts.Series("x", [50, 100])], label="t")
    bars = [float(e.get("height")) for e in parse(svg).iter() if e.get("class") == "bar"]
    assert bars[1] == 2 * bars[0]


def test_an_empty_chart_says_so():
    svg = str(charts.bar_chart(["A"], [charts.Series("x", [0])], label="t", empty_message="Chưa có dữ liệu"))
    assert "Chưa có dữ liệu" in svg and 'class="bar"' not in svg


def test_funnel_shows_step_rates():
    svg = str(charts.funnel_chart([("Nhấp", 200), ("Ghé", 50), ("Mua", 10)], label="f"))
    assert "25,0%" in svg and "20,0%" in svg
    assert len([e for e in parse(svg).iter() if e.get("class") == "funnel-step"]) == 3


def test_a_long_legend_wraps_inside_the_canvas():
    names = [f"Phân khúc số {i} rất dài" for i in range(8)]
    svg = charts.line_chart(["1", "2"], [charts.Series(n, [1, 2]) for n in names], label="t")
    xs = [float(e.get("x")) for e in parse(svg).iter() if e.tag.endswith("rect")]
    assert max(xs) < charts.WIDTH
