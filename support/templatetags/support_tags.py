from django import template

register = template.Library()


@register.filter
def label(value, labels: dict):
    """`{{ a.kind|label:kind_labels }}`: a code's label from a dict built once per page.

    Model `get_FOO_display()` rebuilds and hashes the whole choices list (lazy labels) on every
    call — hundreds of times on a long timeline.
    """
    try:
        return labels.get(value, value)
    except AttributeError:
        return value


@register.filter
def store_label(value, labels: dict):
    """`{{ code|store_label:labels.stores }}`: a store's name for its code, in any case (`HCM-Q7`)."""
    if not value:
        return ""
    try:
        return labels.get(str(value).lower(), value)
    except AttributeError:
        return value


@register.filter
def status_label(value):
    """`{{ e.to_status|status_label }}`: a ticket status code's label (`open` → "Đang xử lý")."""
    from support.models import Ticket

    if not value:
        return "—"
    try:
        return Ticket.Status(value).label
    except ValueError:
        return value
