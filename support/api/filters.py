import django_filters
from django.db.models import Q
from django.utils import timezone

from o2o_site import filters

from ..models import CallLog, Ticket


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Ticket.Priority.choices)
    channel = django_filters.ChoiceFilter(choices=Ticket.Channel.choices)
    department = django_filters.CharFilter(field_name="department__code")
    category = django_filters.CharFilter(field_name="category__code")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    is_open = django_filters.BooleanFilter(method="filter_open")
    created_after = filters.DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.DateTimeFilter(field_name="created_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q")

    class Meta:
        model = Ticket
        fields = []

    def filter_overdue(self, qs, name, value):
        cond = Q(status__in=Ticket.OPEN_STATUSES, due_at__lt=timezone.now())
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_open(self, qs, name, value):
        cond = Q(status__in=Ticket.OPEN_STATUSES)
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_q(self, qs, name, value):
        value = (value or "").strip().lstrip("#")
        if not value:
            return qs
        cond = Q(subject__icontains=value) | Q(order_ref__iexact=value)
        if value.isdigit() and len(value) <= 12:
            cond |= Q(pk=int(value))
        return qs.filter(cond)


class CallFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CallLog.Status.choices)
    direction = django_filters.ChoiceFilter(choices=CallLog.Direction.choices)
    agent = django_filters.NumberFilter(field_name="agent_id")
    customer = django_filters.NumberFilter(field_name="customer_id")
    ticket = django_filters.NumberFilter(field_name="ticket_id")
    started_after = filters.DateTimeFilter(field_name="started_at", lookup_expr="gte")

    class Meta:
        model = CallLog
        fields = []
