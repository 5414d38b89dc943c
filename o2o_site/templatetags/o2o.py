"""Template filters available in every template (registered as builtins in settings)."""

from django import template

from o2o_site.money import format_vnd

register = template.Library()


@register.filter
def vnd(value):
    """`{{ order.total|vnd }}` → `1.250.000 ₫`."""
    try:
        return format_vnd(int(value))
    except (TypeError, ValueError):
        return ""
