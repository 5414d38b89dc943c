"""Back-office CRUD for support. Status, history and calls are read-only here: the life cycle
runs through support.services (the ticket screen and API), never through the admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AgentProfile, CallLog, Category, CtiToken, Department, Ticket, TicketEvent


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["code", "name", "resolution_minutes", "is_active"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "lead", "response_minutes", "resolution_minutes", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead"]
    inlines = [CategoryInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "resolution_minutes", "is_active"]
    list_filter = ["department", "is_active"]
    search_fields = ["name", "code"]
    list_select_related = ["department"]


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["extension", "user"]
    search_fields = ["extension", "user__username"]
    autocomplete_fields = ["user"]


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "author", "from_status", "to_status", "body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "customer", "department", "status", "priority", "assignee", "due_at"]
    list_filter = ["status", "priority", "channel", "department", "category"]
    search_fields = ["=id", "subject", "order_ref", "customer__full_name"]
    list_select_related = ["customer", "department", "assignee"]
    date_hierarchy = "created_at"
    raw_id_fields = ["customer"]
    autocomplete_fields = ["assignee"]
    readonly_fields = [
        "status",
        "department",
        "created_by",
        "created_at",
        "first_response_at",
        "resolved_at",
        "confirmed_at",
        "closed_at",
        "escalated_at",
        "satisfaction",
        "care_voucher_code",
    ]
    inlines = [TicketEventInline]

    def has_add_permission(self, request):
        return False  # tickets are created on the hotline screen or the API (routing, history)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "author", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "author"]
    raw_id_fields = ["ticket"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallLog)
class CallLogAdmin(admin.ModelAdmin):
    list_display = ["started_at", "direction", "caller", "customer", "agent", "status", "outcome", "ticket"]
    list_filter = ["direction", "status", "outcome"]
    search_fields = ["call_id", "caller", "phone"]
    list_select_related = ["customer", "agent", "ticket"]
    raw_id_fields = ["customer", "ticket"]
    readonly_fields = ["call_id", "caller", "phone", "started_at", "answered_at", "ended_at", "status"]

    def has_add_permission(self, request):
        return False


@admin.register(CtiToken)
class CtiTokenAdmin(admin.ModelAdmin):
    """Lists the CTI tokens and revokes them. Making one is `manage.py cti_token_create` (the key
    is printed once there; the admin never sees a key)."""

    list_display = ["name", "key_prefix", "is_active", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["is_active"]
    readonly_fields = ["name", "key_prefix", "is_active", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Thu hồi khoá đã chọn"))
    def revoke(self, request, queryset):
        from .cti import cti_token_revoke

        for pk in queryset.values_list("pk", flat=True):
            cti_token_revoke(token_id=pk)
        self.message_user(request, _("Đã thu hồi khoá."))
