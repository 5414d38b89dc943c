"""Read-only admin views of reports' own tables (scores are written only by the recompute;
message campaigns only through the segment screen)."""

from django.contrib import admin

from .models import CustomerScore, SegmentMessageCampaign


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CustomerScore)
class CustomerScoreAdmin(ReadOnlyAdmin):
    list_display = ["customer", "recency_score", "frequency_score", "monetary_score", "lead_score", "computed_at"]
    list_filter = ["recency_score", "frequency_score", "monetary_score"]
    list_select_related = ["customer"]
    search_fields = ["customer__search_name"]
    ordering = ["-lead_score"]


@admin.register(SegmentMessageCampaign)
class SegmentMessageCampaignAdmin(ReadOnlyAdmin):
    list_display = ["pk", "segment", "channel", "status", "total", "sent", "skipped_no_consent", "failed", "created_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["segment"]
