"""Template filters available in every template (registered as builtins in settings)."""

from django import template

from o2o_site.money import format_number, format_vnd

register = template.Library()


@register.filter
def vnd(value):
    """`{{ order.total|vnd }}` → `1.250.000 ₫`."""
    try:
        return format_vnd(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def number(value):
    """`{{ customer.points|number }}` → `2.575` (counts and points with thousands separators)."""
    try:
        return format_number(int(value))
    except (TypeError, ValueError):
        return ""
