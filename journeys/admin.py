"""Admin: journeys are built and changed on their own screens (the rules live in services), so
here they are read-only; consultants' scripts are plain texts the admin edits."""

from django.contrib import admin

from .models import Enrollment, Journey, Lead, LeadScript


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Journey)
class JourneyAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "entry_kind", "priority", "current_version")
    list_filter = ("status", "entry_kind")
    search_fields = ("name",)


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("journey", "customer", "status", "entered_at", "exit_reason", "is_holdout")
    list_filter = ("status", "journey")
    raw_id_fields = ("customer",)
    show_full_result_count = False


@admin.register(Lead)
class LeadAdmin(ReadOnlyAdmin):
    list_display = ("customer", "store", "consultant", "status", "score", "created_at", "contact_due_at")
    list_filter = ("status", "store")
    raw_id_fields = ("customer",)
    show_full_result_count = False


@admin.register(LeadScript)
class LeadScriptAdmin(admin.ModelAdmin):
    list_display = ("title", "interest", "segment", "is_active")
    list_filter = ("is_active",)
    search_fields = ("title", "interest", "body")
