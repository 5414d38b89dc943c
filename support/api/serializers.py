"""Input and output serializers of the support API. Output serializers never query: the
selectors preload what they read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import CallLog, Category, Department, Ticket, TicketEvent


class DepartmentOutput(serializers.ModelSerializer):
    lead = serializers.CharField(source="lead.username", default=None)

    class Meta:
        model = Department
        fields = ["id", "code", "name", "lead", "response_minutes", "resolution_minutes", "is_active"]


class DepartmentInput(serializers.Serializer):
    code = serializers.SlugField(max_length=32)
    name = serializers.CharField(max_length=120)
    response_minutes = serializers.IntegerField(min_value=1, default=60)
    resolution_minutes = serializers.IntegerField(min_value=1, default=1440)
    lead = serializers.IntegerField(required=False, allow_null=True)


class CategoryOutput(serializers.ModelSerializer):
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    resolution_minutes = serializers.IntegerField(source="effective_resolution_minutes")

    class Meta:
        model = Category
        fields = ["id", "code", "name", "department", "department_name", "resolution_minutes", "is_active"]


class CategoryInput(serializers.Serializer):
    code = serializers.SlugField(max_length=48)
    name = serializers.CharField(max_length=120)
    department = serializers.SlugField(max_length=32, help_text=_("mã bộ phận"))
    resolution_minutes = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class TicketEventOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "author", "body", "from_status", "to_status", "data", "created_at"]


class TicketOutput(serializers.ModelSerializer):
    number = serializers.CharField()
    customer = serializers.SerializerMethodField()
    category = serializers.CharField(source="category.code")
    department = serializers.CharField(source="department.code")
    assignee = serializers.CharField(source="assignee.username", default=None)
    is_overdue = serializers.BooleanField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "customer",
            "channel",
            "subject",
            "description",
            "order_ref",
            "order_id",
            "category",
            "department",
            "assignee",
            "priority",
            "status",
            "created_at",
            "due_at",
            "is_overdue",
            "first_response_at",
            "resolved_at",
            "confirmed_at",
            "closed_at",
            "escalated_at",
            "satisfaction",
            "care_voucher_code",
        ]

    def get_customer(self, ticket) -> dict:
        return {"id": ticket.customer_id, "full_name": ticket.customer.full_name}


class TicketDetailOutput(TicketOutput):
    events = TicketEventOutput(source="history", many=True)

    class Meta(TicketOutput.Meta):
        fields = [*TicketOutput.Meta.fields, "events"]


class TicketInput(serializers.Serializer):
    customer = serializers.IntegerField()
    category = serializers.SlugField(max_length=48)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Ticket.Channel.choices, default=Ticket.Channel.HOTLINE)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL)
    order_ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    assignee = serializers.IntegerField(required=False, allow_null=True)
    call = serializers.IntegerField(required=False, allow_null=True)


class TransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CommentInput(serializers.Serializer):
    body = serializers.CharField()
    public = serializers.BooleanField(default=False)
    notify = serializers.BooleanField(default=True, help_text=_("gửi trả lời công khai cho khách (SMS/ZNS/email)"))


class AssignInput(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)


class ConfirmInput(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowupInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in CallLog.Outcome.choices if c[0]])
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)


class CallRingInput(serializers.Serializer):
    caller = serializers.CharField(max_length=40)
    call_id = serializers.CharField(max_length=100)
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(choices=CallLog.Direction.choices, default=CallLog.Direction.INBOUND)


class CallStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=[CallLog.Status.ANSWERED, CallLog.Status.ENDED, CallLog.Status.MISSED])


class CallOutput(serializers.ModelSerializer):
    customer = serializers.SerializerMethodField()
    agent = serializers.CharField(source="agent.username", default=None)
    ticket = serializers.IntegerField(source="ticket_id", default=None)

    class Meta:
        model = CallLog
        fields = [
            "id",
            "call_id",
            "direction",
            "caller",
            "phone",
            "customer",
            "agent",
            "agent_extension",
            "ticket",
            "status",
            "outcome",
            "notes",
            "started_at",
            "answered_at",
            "ended_at",
        ]

    def get_customer(self, call) -> dict | None:
        if call.customer_id is None:
            return None
        return {"id": call.customer_id, "full_name": call.customer.full_name}
