"""Server-rendered SVG charts: bar, grouped bar, line and funnel. No JavaScript, no CDN.

Each function takes plain Python data (labels and integers) and returns safe SVG markup that a
template drops in with `{{ chart }}`. The SVG scales to its container (`viewBox`, width 100%),
carries `role="img"` and an `aria-label`, and a `<title>` on every mark so a hover shows the
exact figure. Text is escaped here; callers pass raw strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b6bcb", "#1b7f3b", "#b26a00", "#8e24aa", "#c62828", "#00838f", "#5d4037", "#546e7a"]

WIDTH = 720

_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _esc(value) -> str:
    """HTML-escaped text without the control characters XML forbids in SVG."""
    text = str(value).translate(_CONTROL)
    text = "".join(ch for ch in text if not 0xD800 <= ord(ch) <= 0xDFFF and ch not in "\ufffe\uffff")
    return escape(text)


FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]


def _fmt_default(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def short_number(value: int | float) -> str:
    """1_250_000 → "1,3 tr"; 12_000 → "12 N"; for axis ticks where space is short."""
    value = float(value)
    for limit, suffix in ((1e9, " tỷ"), (1e6, " tr"), (1e3, " N")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}".rstrip("0").rstrip(".").replace(".", ",") + suffix
    return _fmt_default(int(value) if value.is_integer() else value)


def _nice_max(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k at or above value (a round top for the axis)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _svg_open(height: int, label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        f'role="img" aria-label="{_esc(label)}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f"<title>{_esc(label)}</title>"
    )


def _empty(label: str, message: str) -> SafeString:
    return mark_safe(
        _svg_open(60, label) + f'<text x="{WIDTH // 2}" y="35" text-anchor="middle" fill="#637083">'
        f"{_esc(message)}</text></svg>"
    )


def _legend(names: Sequence[str], y: int) -> tuple[str, int]:
    """Legend entries, wrapped onto as many rows as the width needs; answers (svg, rows)."""
    parts, x, row = [], 60, 0
    for i, name in enumerate(names):
        width = 28 + 7 * len(name)
        if x + width > WIDTH - 10 and x > 60:
            x, row = 60, row + 1
        colour = PALETTE[i % len(PALETTE)]
        top = y + row * 18
        parts.append(
            f'<rect x="{x}" y="{top - 10}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{top}" fill="#1d2433">{_esc(name)}</text>'
        )
        x += width
    return "".join(parts), row + 1


def _axis(top: int, bottom: int, left: int, right: int, max_value: float, fmt: Callable) -> str:
    parts = []
    for i in range(5):
        value = max_value * i / 4
        y = bottom - (bottom - top) * i / 4
        parts.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde1e7"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#637083">{_esc(fmt(value))}</text>'
        )
    return "".join(parts)


def _shorten(text: str, limit: int) -> str:
    """An axis label that fits: whole when short, else cut with an ellipsis (full text in <title>)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    empty_message: str = "Chưa có dữ liệu",
    value_format: Callable[[int | float], str] = _fmt_default,
    axis_format: Callable[[int | float], str] = short_number,
    height: int = 300,
) -> SafeString:
    """Vertical bars, one group per label, one bar per series in the group."""
    if not labels or not series or all(not any(s.values) for s in series):
        return _empty(label, empty_message)
    legend, rows = _legend([s.name for s in series], 16) if len(series) > 1 else ("", 0)
    height += max(0, rows - 1) * 18
    top, bottom, left, right = 12 + rows * 18, height - 50, 64, WIDTH - 10
    max_value = _nice_max(max(max((v or 0) for v in s.values) for s in series))
    group_w = (right - left) / len(labels)
    bar_w = max(2.0, min(48.0, group_w * 0.8 / len(series)))
    parts = [_svg_open(height, label), _axis(top, bottom, left, right, max_value, axis_format), legend]
    skip = max(1, len(labels) // 14)  # keep the x labels legible on long ranges
    for gi, text in enumerate(labels):
        gx = left + gi * group_w + (group_w - bar_w * len(series)) / 2
        for si, s in enumerate(series):
            value = s.values[gi] or 0
            h = (bottom - top) * value / max_value
            parts.append(
                f'<rect class="bar" x="{gx + si * bar_w:.1f}" y="{bottom - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{max(h, 0):.1f}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{_esc(text)} · {_esc(s.name)}: {_esc(value_format(value))}</title></rect>"
            )
        if gi % skip == 0:
            cx = left + gi * group_w + group_w / 2
            parts.append(
                f'<text x="{cx:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#1d2433">'
                f"<title>{_esc(text)}</title>{_esc(_shorten(text, 16))}</text>"
            )
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#637083"/></svg>')
    return mark_safe("".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label: str,
    empty_message: str = "Chưa có dữ liệu",
    value_format: Callable[[int | float], str] = _fmt_default,
    axis_format: Callable[[int | float], str] = short_number,
    height: int = 300,
) -> SafeString:
    """One polyline per series over the labels (dates, months), with a dot per point."""
    if not labels or not series or all(not any(s.values) for s in series):
        return _empty(label, empty_message)
    legend, rows = _legend([s.name for s in series], 16)
    height += max(0, rows - 1) * 18
    top, bottom, left, right = 12 + rows * 18, height - 50, 64, WIDTH - 16
    max_value = _nice_max(max(max((v or 0) for v in s.values) for s in series))
    step = (right - left) / max(1, len(labels) - 1)
    parts = [_svg_open(height, label), _axis(top, bottom, left, right, max_value, axis_format), legend]
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        points = []
        for i, value in enumerate(s.values):
            x = left + i * step if len(labels) > 1 else (left + right) / 2
            y = bottom - (bottom - top) * (value or 0) / max_value
            points.append((x, y, value or 0, labels[i]))
        parts.append(
            f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _v, _l in points)}"/>'
        )
        if len(points) <= 62:
            for x, y, value, text in points:
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                    f"<title>{_esc(text)} · {_esc(s.name)}: {_esc(value_format(value))}</title></circle>"
                )
    skip = max(1, len(labels) // 12)
    for i, text in enumerate(labels):
        if i % skip == 0:
            x = left + i * step if len(labels) > 1 else (left + right) / 2
            parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#1d2433">{_esc(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def funnel_chart(
    steps: Sequence[tuple[str, int]],
    *,
    label: str,
    empty_message: str = "Chưa có dữ liệu",
    value_format: Callable[[int | float], str] = _fmt_default,
) -> SafeString:
    """Horizontal funnel: one centred bar per step, width ∝ value, with the step-to-step rate."""
    if not steps or not any(v for _n, v in steps):
        return _empty(label, empty_message)
    row_h, gap = 44, 8
    height = len(steps) * (row_h + gap) + 10
    left, right = 170, WIDTH - 10
    span = right - left
    top_value = max(v for _n, v in steps) or 1
    parts = [_svg_open(height, label)]
    previous = None
    for i, (name, value) in enumerate(steps):
        y = 5 + i * (row_h + gap)
        w = max(2.0, span * value / top_value)
        x = left + (span - w) / 2
        rate = ""
        if previous is not None:
            rate = f" ({value * 100 / previous:.1f}%)".replace(".", ",") if previous else " (—)"
        parts.append(
            f'<rect class="funnel-step" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h}" rx="4" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{_esc(name)}: {_esc(value_format(value))}{rate}</title></rect>'
            f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.0f}" text-anchor="end" fill="#1d2433">{_esc(name)}</text>'
            f'<text x="{left + span / 2:.0f}" y="{y + row_h / 2 + 4:.0f}" text-anchor="middle" fill="#fff" '
            f'stroke="#13233f" stroke-width="0.3" font-weight="600">{_esc(value_format(value))}{_esc(rate)}</text>'
        )
        previous = value
    parts.append("</svg>")
    return mark_safe("".join(parts))
