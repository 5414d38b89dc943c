"""Django admin for customers: folded search, filters, inlines, the merge queue. Writes go through services."""

from __future__ import annotations

import io

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from o2o_site.api import DomainError
from o2o_site.money import format_vnd

from . import selectors, services
from .forms import CsvImportForm
from .models import (
    AccessLog,
    BlockedIdentifier,
    ConsentEvent,
    ConsentState,
    ConsentText,
    ContactPoint,
    Customer,
    MergeCandidate,
    MergeRecord,
    Message,
    PointsEntry,
    Segment,
    SegmentMembership,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ContactPointInline(ReadOnlyInline):
    model = ContactPoint
    fields = ["kind", "value", "raw", "is_blocked", "unlisted", "source", "created_at"]
    readonly_fields = fields


class ConsentStateInline(ReadOnlyInline):
    model = ConsentState
    fields = ["channel", "purpose", "granted", "updated_at"]
    readonly_fields = fields


class ConsentEventInline(ReadOnlyInline):
    model = ConsentEvent
    fields = ["occurred_at", "channel", "purpose", "granted", "source", "text", "evidence", "recorded_by"]
    readonly_fields = fields
    ordering = ["-occurred_at"]


class SegmentFilter(admin.SimpleListFilter):
    title = _("phân khúc")
    parameter_name = "segment"

    def lookups(self, request, model_admin):
        return [(s.code, s.name) for s in selectors.segments_active()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                segment_memberships__segment__code=self.value(), segment_memberships__left_at__isnull=True
            )
        return queryset


class StoreFilter(admin.SimpleListFilter):
    title = _("cửa hàng")
    parameter_name = "store"

    def lookups(self, request, model_admin):
        codes = (
            Customer.objects.exclude(preferred_store_code="")
            .values_list("preferred_store_code", flat=True)
            .distinct()
            .order_by("preferred_store_code")[:100]
        )
        return [(c, c) for c in codes]

    def queryset(self, request, queryset):
        return queryset.filter(preferred_store_code=self.value()) if self.value() else queryset


class StatusFilter(admin.SimpleListFilter):
    title = _("tình trạng hồ sơ")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", _("Đang dùng")), ("merged", _("Đã gộp")), ("erased", _("Đã xoá dữ liệu"))]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(merged_into__isnull=True, erased_at__isnull=True)
        if self.value() == "merged":
            return queryset.filter(merged_into__isnull=False)
        if self.value() == "erased":
            return queryset.filter(erased_at__isnull=False)
        return queryset


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "full_name", "lifecycle", "order_count", "money", "points_balance", "merged_into"]
    list_filter = ["lifecycle", SegmentFilter, StoreFilter, StatusFilter]
    search_fields = ["full_name"]  # replaced by the folded search below
    search_help_text = _("Tên không dấu, số điện thoại (hoặc 4 số cuối), email, mã Zalo/sàn.")
    list_per_page = 50
    list_select_related = ["merged_into"]
    show_full_result_count = False
    inlines = [ContactPointInline, ConsentStateInline, ConsentEventInline]
    fields = [
        "full_name",
        "birthday",
        "gender",
        "district",
        "city",
        "lifecycle",
        "preferred_store_code",
        "source",
        "order_count",
        "lifetime_value",
        "first_purchase_at",
        "last_purchase_at",
        "points_balance",
        "lead_score",
        "merged_into",
        "merged_at",
        "erased_at",
        "timeline",
    ]
    readonly_fields = [f for f in fields if f not in ("full_name", "birthday", "gender", "district", "city")]
    change_list_template = "customers/admin/customer_changelist.html"
    actions = ["export_personal_data", "erase_personal_data"]

    @admin.action(description=_("Xuất toàn bộ dữ liệu cá nhân (JSON)"), permissions=["change"])
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Chọn đúng một khách hàng để xuất dữ liệu."), messages.WARNING)
            return None
        customer = queryset.get()
        data = services.customer_export(customer=customer)
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "default": str, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}.json"'
        return response

    @admin.action(description=_("Xoá dữ liệu cá nhân theo yêu cầu (giữ chứng từ kế toán)"), permissions=["change"])
    def erase_personal_data(self, request, queryset):
        for customer in queryset.filter(erased_at__isnull=True, merged_into__isnull=True):
            services.customer_erase(customer=customer, erased_by=request.user, reason="admin")
        self.message_user(request, _("Đã xoá dữ liệu cá nhân."), messages.SUCCESS)

    @admin.display(description=_("tổng chi tiêu"), ordering="lifetime_value")
    def money(self, obj):
        return format_vnd(obj.lifetime_value)

    @admin.display(description=_("dòng thời gian (20 gần nhất)"))
    def timeline(self, obj):
        page = selectors.customer_timeline(obj, page_size=20)
        if not page.items:
            return _("Chưa có hoạt động.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (a.occurred_at.strftime("%d/%m/%Y %H:%M"), a.get_kind_display(), a.channel, a.summary)
                for a in page.items
            ),
        )
        return format_html("<table>{}</table>", rows)

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        ids = selectors.customer_search_queryset(search_term).values("pk")
        return queryset.filter(pk__in=ids), False

    def has_delete_permission(self, request, obj=None):
        return False  # erasure goes through customer_erase (keeps accounting records)

    def has_add_permission(self, request):
        return False  # customers come in through customer_resolve (API, import, channels)

    def save_model(self, request, obj, form, change):
        services.customer_update(
            customer=Customer.objects.get(pk=obj.pk), **{f: form.cleaned_data[f] for f in form.changed_data}
        )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="customers_customer_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        """The CSV import (admin side of `manage.py import_customers`)."""
        if not request.user.has_perm("customers.add_customer"):
            messages.error(request, _("Bạn không có quyền nhập khách hàng."))
            return redirect("admin:customers_customer_changelist")
        form = CsvImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.add_error("file", _("Tệp phải là CSV mã hoá UTF-8."))
            else:
                report = services.customers_import_csv(lines=io.StringIO(text), source="admin-import")
                messages.success(
                    request,
                    _("Tạo mới %(c)s, trùng khớp %(m)s, lỗi %(e)s.")
                    % {"c": report.created, "m": report.matched, "e": len(report.errors)},
                )
        context = {**self.admin_site.each_context(request), "form": form, "report": report, "title": _("Nhập CSV")}
        return render(request, "customers/admin/import.html", context)


def _side(customer: Customer) -> dict:
    contacts = ContactPoint.objects.filter(customer=customer, is_blocked=False).values_list("kind", "value")
    return {
        _("Họ tên"): customer.full_name,
        _("Liên hệ"): ", ".join(f"{k}: {v}" for k, v in contacts),
        _("Ngày sinh"): customer.birthday.strftime("%d/%m/%Y") if customer.birthday else "",
        _("Quận/huyện"): customer.district,
        _("Số đơn"): customer.order_count,
        _("Tổng chi tiêu"): format_vnd(customer.lifetime_value),
        _("Điểm"): customer.points_balance,
        _("Tạo lúc"): customer.created_at.strftime("%d/%m/%Y"),
    }


@admin.register(MergeCandidate)
class MergeCandidateAdmin(admin.ModelAdmin):
    """The merge queue: a side-by-side preview and merge actions."""

    list_display = ["id", "customer_a", "customer_b", "reason", "score", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["customer_a", "customer_b"]
    readonly_fields = ["customer_a", "customer_b", "reason", "score", "status", "decided_at", "decided_by", "preview"]
    fields = readonly_fields
    actions = ["merge_b_into_a", "merge_a_into_b", "dismiss"]

    @admin.display(description=_("so sánh"))
    def preview(self, obj):
        a, b = _side(obj.customer_a), _side(obj.customer_b)
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", ((k, a[k], b[k]) for k in a))
        return format_html(
            "<table><tr><th></th><th>A #{}</th><th>B #{}</th></tr>{}</table>",
            obj.customer_a_id,
            obj.customer_b_id,
            rows,
        )

    def has_add_permission(self, request):
        return False

    def _merge(self, request, queryset, keep_a: bool):
        done = 0
        for candidate in queryset.filter(status=MergeCandidate.Status.OPEN):
            survivor, duplicate = (
                (candidate.customer_a, candidate.customer_b) if keep_a else (candidate.customer_b, candidate.customer_a)
            )
            try:
                services.customer_merge(survivor=survivor, duplicate=duplicate, merged_by=request.user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{candidate.pk}: {exc.message}", messages.ERROR)
        if done:
            self.message_user(request, _("Đã gộp %(n)s cặp hồ sơ.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Gộp B vào A (giữ A)"), permissions=["change"])
    def merge_b_into_a(self, request, queryset):
        self._merge(request, queryset, keep_a=True)

    @admin.action(description=_("Gộp A vào B (giữ B)"), permissions=["change"])
    def merge_a_into_b(self, request, queryset):
        self._merge(request, queryset, keep_a=False)

    @admin.action(description=_("Không phải trùng"), permissions=["change"])
    def dismiss(self, request, queryset):
        for candidate in queryset:
            services.candidate_dismiss(candidate=candidate, user=request.user)


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "survivor", "duplicate", "merged_by", "merged_at", "undone_at"]
    list_select_related = ["survivor", "duplicate", "merged_by"]
    readonly_fields = ["survivor", "duplicate", "merged_by", "merged_at", "undone_at", "undone_by", "moved"]
    actions = ["undo"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Hoàn tác lần gộp"), permissions=["change"])
    def undo(self, request, queryset):
        for record in queryset:
            try:
                services.customer_merge_undo(record=record, undone_by=request.user)
                self.message_user(request, _("Đã hoàn tác #%(id)s.") % {"id": record.pk}, messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"#{record.pk}: {exc.message}", messages.ERROR)


@admin.register(BlockedIdentifier)
class BlockedIdentifierAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "reason", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]

    def save_model(self, request, obj, form, change):
        try:
            blocked = services.blocklist_add(kind=obj.kind, value=obj.value, reason=obj.reason)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk, obj.value = blocked.pk, blocked.value


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ["purpose", "version", "published_at"]
    list_filter = ["purpose"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "channel", "purpose", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "channel", "purpose"]
    list_select_related = ["customer"]
    search_fields = ["to_address", "idempotency_key", "ref_id"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(PointsEntry)
class PointsEntryAdmin(admin.ModelAdmin):
    list_display = ["id", "customer", "kind", "points", "remaining", "expires_at", "reference", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["customer"]
    search_fields = ["reference"]
    readonly_fields = [f.name for f in PointsEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SegmentMembershipInline(ReadOnlyInline):
    model = SegmentMembership
    fields = ["customer", "joined_at", "left_at"]
    readonly_fields = fields
    ordering = ["-joined_at"]
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(left_at__isnull=True).select_related("customer")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_active", "members"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", filter=Q(memberships__left_at__isnull=True)))
        )

    @admin.display(description=_("thành viên hiện tại"), ordering="member_count")
    def members(self, obj):
        url = reverse("admin:customers_customer_changelist") + f"?segment={obj.code}"
        return format_html('<a href="{}">{}</a>', url, obj.member_count)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only (services insert; nobody edits or deletes)."""

    list_display = ["at", "user", "action", "source", "customer_id", "query", "ip"]
    list_filter = ["action", "source"]
    list_select_related = ["user"]
    search_fields = ["user__username", "query", "=customer_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AccessLog._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
