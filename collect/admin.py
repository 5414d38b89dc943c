"""Back-office CRUD of the collector. Writes go through services (a key is made by
`source_create`, revoked by `source_revoke`); raw events and identities are read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Identity, IdentityConflict, LeadForm, LeadSubmission, RawEvent, Source


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "key_prefix", "consent_default", "created_at", "revoked_at"]
    list_filter = ["kind", "consent_default"]
    search_fields = ["name"]
    fields = ["name", "kind", "consent_default", "key_prefix", "created_at", "revoked_at"]
    readonly_fields = ["key_prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        # A source's name and kind are fixed once it has a key; its consent default may change.
        return [*self.readonly_fields, "name", "kind"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        made = services.source_create(name=obj.name, kind=obj.kind, consent_default=obj.consent_default)
        obj.pk = made.source.pk
        obj.__dict__.update(made.source.__dict__)
        messages.warning(
            request,
            _("Khoá ghi của nguồn %(name)s (chỉ hiện một lần, hãy lưu lại): %(key)s")
            % {"name": made.source.name, "key": made.write_key},
        )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Thu hồi khoá ghi"))
    def revoke(self, request, queryset):
        for source in queryset.order_by("pk"):
            services.source_revoke(source_id=source.pk)
        messages.success(request, _("Đã thu hồi khoá ghi."))


@admin.register(RawEvent)
class RawEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "source", "type", "message_id", "state", "customer_id"]
    list_filter = ["state", "type", "source"]
    search_fields = ["message_id", "anonymous_id", "user_id"]
    list_select_related = ["source"]
    show_full_result_count = False


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdmin):
    list_display = ["kind", "value", "customer", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value"]
    list_select_related = ["customer"]


@admin.register(IdentityConflict)
class IdentityConflictAdmin(ReadOnlyAdmin):
    list_display = ["identity", "other_customer", "created_at"]
    list_select_related = ["identity", "other_customer"]


@admin.register(LeadForm)
class LeadFormAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "campaign", "is_active", "created_at"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "slug"]
    list_select_related = ["campaign"]
    autocomplete_fields = []


@admin.register(LeadSubmission)
class LeadSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "form", "customer", "store_code", "interest", "marketing_consent"]
    list_filter = ["form", "marketing_consent"]
    list_select_related = ["form", "customer"]
