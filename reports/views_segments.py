"""Segment screens (Manager and Marketing): sizes over time, thresholds, custom segments built
from conditions with a live count, and the segment actions (CSV of consented contacts,
vouchers, a throttled message campaign with progress). Thin: parse, call, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from customers.models import Segment
from o2o_site.api import DomainError
from o2o_site.outbox import enqueue_after_commit
from o2o_site.roles import Role, role_required

from . import charts, selectors, services, tasks
from .exports import csv_response
from .forms import (
    CustomSegmentForm,
    DateRangeForm,
    SegmentMessageForm,
    SegmentVoucherForm,
    thresholds_form_class,
)
from .models import SegmentMessageCampaign
from .segment_rules import RULES_BY_CODE, merged_thresholds

ROLES = (Role.MANAGER, Role.MARKETING)


class SizesRangeForm(DateRangeForm):
    default_days = 90


def _segment_or_404(segment_id: int) -> Segment:
    segment = selectors.segment_get(segment_id)
    if segment is None:
        raise Http404
    return segment


def _sizes_chart(date_range, segments: list[Segment]):
    sizes = selectors.segment_sizes_over_time(date_range=date_range, segment_ids=[s.pk for s in segments])
    labels = [d.strftime("%d/%m") for d in date_range.dates()]
    series = [charts.Series(s.name, sizes[s.pk]) for s in segments]
    return sizes, charts.line_chart(
        labels,
        series,
        label=_("Quy mô phân khúc theo thời gian"),
        empty_message=_("Chưa có thành viên nào trong khoảng thời gian này"),
    )


@role_required(*ROLES)
def segment_list(request):
    form = SizesRangeForm(request.GET or None)
    date_range = form.date_range()
    rows = selectors.segment_list()
    selected = [r["segment"] for r in rows if r["segment"].is_active]
    wanted = request.GET.getlist("segment")
    if wanted:
        selected = [s for s in selected if str(s.pk) in wanted] or selected
    sizes, chart = _sizes_chart(date_range, selected[:8])
    if request.GET.get("format") == "csv":
        ids = [s.pk for s in selected]
        sizes = selectors.segment_sizes_over_time(date_range=date_range, segment_ids=ids)
        return csv_response(
            f"segment-sizes-{date_range.start}-{date_range.end}.csv",
            [_("Ngày"), *[s.name for s in selected]],
            ([day.isoformat(), *[sizes[s.pk][i] for s in selected]] for i, day in enumerate(date_range.dates())),
        )
    rfm = selectors.rfm_distribution()
    return render(
        request,
        "reports/segments.html",
        {
            "title": _("Phân khúc khách hàng"),
            "rows": rows,
            "chart": chart,
            "form": form,
            "rfm": rfm,
            "query": request.GET.urlencode(),
            "charted": {s.pk for s in selected[:8]},
        },
    )


@role_required(*ROLES)
@require_POST
def segment_recompute(request):
    enqueue_after_commit(tasks.segments_recompute)
    messages.success(request, _("Đã yêu cầu tính lại toàn bộ phân khúc. Kết quả sẽ cập nhật sau ít phút."))
    return redirect("reports:segments")


@role_required(*ROLES)
def segment_detail(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    form = SizesRangeForm(request.GET or None)
    date_range = form.date_range()
    sizes, chart = _sizes_chart(date_range, [segment])
    rule = RULES_BY_CODE.get(segment.code) if segment.kind == Segment.Kind.BUILTIN else None
    thresholds_form = None
    if rule:
        current = merged_thresholds(rule, segment.thresholds)
        thresholds_form = (
            thresholds_form_class(rule, current)(request.POST or None)
            if request.method == "POST"
            else thresholds_form_class(rule, current)()
        )
        if request.method == "POST" and thresholds_form.is_valid():
            try:
                services.segment_thresholds_update(segment=segment, thresholds=thresholds_form.cleaned_data)
            except DomainError as exc:
                for key, errs in exc.fields.items():
                    thresholds_form.add_error(key if key in thresholds_form.fields else None, errs)
            else:
                services.segments_recompute(codes=[segment.code])
                messages.success(request, _("Đã lưu ngưỡng và tính lại phân khúc."))
                return redirect("reports:segment", segment_id=segment.pk)
    return render(
        request,
        "reports/segment_detail.html",
        {
            "title": segment.name,
            "segment": segment,
            "size": sizes[segment.pk][-1] if sizes.get(segment.pk) else 0,
            "chart": chart,
            "form": form,
            "thresholds_form": thresholds_form,
            "changes": selectors.segment_recent_changes(segment=segment),
            "members": selectors.segment_member_page(segment=segment, page=request.GET.get("page") or 1),
            "message_form": SegmentMessageForm(),
            "voucher_form": SegmentVoucherForm(),
            "campaigns": selectors.message_campaigns_for_segment(segment=segment),
            "batches": selectors.voucher_batches_for_segment(segment=segment),
        },
    )


def _custom_form_view(request, segment: Segment | None):
    initial = CustomSegmentForm.initial_from(segment) if segment else None
    form = CustomSegmentForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        definition = form.definition()
        try:
            if "preview" in request.POST:
                preview = services.custom_segment_preview(definition=definition)
            else:
                saved, (joined, _left) = services.custom_segment_save(
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    definition=definition,
                    segment=segment,
                )
                messages.success(
                    request, _("Đã lưu phân khúc “%(name)s” với %(n)s khách hàng.") % {"name": saved.name, "n": joined}
                )
                return redirect("reports:segment", segment_id=saved.pk)
        except DomainError as exc:
            form.apply_errors(exc.fields or {"__all__": [exc.message]})
    if request.htmx and "preview" in request.POST:
        return render(request, "reports/_segment_preview.html", {"preview": preview, "form": form})
    return render(
        request,
        "reports/segment_form.html",
        {
            "title": segment.name if segment else _("Phân khúc mới"),
            "form": form,
            "preview": preview,
            "segment": segment,
        },
    )


@role_required(*ROLES)
def segment_new(request):
    return _custom_form_view(request, None)


@role_required(*ROLES)
def segment_edit(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    if segment.kind != Segment.Kind.CUSTOM:
        raise Http404
    return _custom_form_view(request, segment)


@role_required(*ROLES)
def segment_export(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    channel = request.GET.get("channel", "sms")
    if channel not in ("sms", "zns", "email", "call"):
        channel = "sms"
    rows = selectors.segment_consented_contacts(segment=segment, channel=channel)
    return csv_response(
        f"segment-{segment.code}-{channel}-{dt.date.today()}.csv",
        [_("Mã khách hàng"), _("Họ tên"), _("Email") if channel == "email" else _("Số điện thoại"), _("Kênh")],
        ([customer.pk, customer.full_name, address, channel] for customer, address in rows),
    )


@role_required(*ROLES)
@require_POST
def segment_message(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    form = SegmentMessageForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Chiến dịch tin nhắn chưa hợp lệ: %(e)s")
            % {"e": " ".join(m for errs in form.errors.values() for m in errs)},
        )
        return redirect("reports:segment", segment_id=segment.pk)
    try:
        campaign = services.segment_message_campaign_start(segment=segment, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Đã bắt đầu gửi tin cho %(n)s khách (chỉ những khách đã đồng ý).") % {"n": campaign.total}
        )
    return redirect("reports:segment", segment_id=segment.pk)


@role_required(*ROLES)
@require_POST
def segment_vouchers(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    form = SegmentVoucherForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Đợt phát voucher chưa hợp lệ: %(e)s")
            % {"e": " ".join(m for errs in form.errors.values() for m in errs)},
        )
        return redirect("reports:segment", segment_id=segment.pk)
    try:
        services.segment_vouchers_issue(segment=segment, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        detail = " ".join(m for errs in (exc.fields or {}).values() for m in errs)
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(request, _("Đã bắt đầu phát voucher cho phân khúc."))
    return redirect("reports:segment", segment_id=segment.pk)


@role_required(*ROLES)
def segment_actions_progress(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    return render(
        request,
        "reports/_segment_progress.html",
        {
            "segment": segment,
            "campaigns": selectors.message_campaigns_for_segment(segment=segment),
            "batches": selectors.voucher_batches_for_segment(segment=segment),
        },
    )


@role_required(*ROLES)
@require_POST
def message_campaign_cancel(request, campaign_id: int):
    campaign = SegmentMessageCampaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    try:
        services.segment_message_campaign_cancel(campaign=campaign)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã dừng chiến dịch tin nhắn."))
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect("reports:segment", segment_id=campaign.segment_id)
