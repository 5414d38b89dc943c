"""The /reports/ screens (Manager and Marketing): parse the filters, call a selector, render.

Every report answers `?format=csv` with the table under its chart.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import DomainError
from o2o_site.money import format_vnd
from o2o_site.roles import Role, role_required
from promotions import services as promotion_services

from . import charts, selectors
from .exports import csv_response
from .forms import BudgetPlanForm, DateRangeForm, O2OFilterForm

REPORT_ROLES = (Role.MANAGER, Role.MARKETING)


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def _pct(value) -> str:
    return "" if value is None else f"{value}"


def _funnel_steps() -> dict[str, str]:
    return {
        "clicks": _("Khách nhấp quảng cáo"),
        "leads": _("Thành khách tiềm năng"),
        "visits": _("Ghé cửa hàng"),
        "purchases": _("Mua tại cửa hàng"),
    }


def _funnel_chart(report, *, label: str):
    """The funnel of customers: each bar among those who passed the bar above (never above 100 %)."""
    names = _funnel_steps()
    return charts.funnel_chart(
        [(names[step["key"]], step["customers"]) for step in report.funnel],
        label=label,
        empty_message=_("Chưa có dữ liệu trong khoảng thời gian này"),
    )


@role_required(*REPORT_ROLES)
def index(request):
    form = DateRangeForm(request.GET or None)
    date_range = form.date_range()
    report = selectors.o2o_report(date_range=date_range)
    funnel = _funnel_chart(report, label=_("Chuỗi O2O 30 ngày qua"))
    return render(request, "reports/index.html", {"title": _("Báo cáo"), "report": report, "funnel": funnel})


@role_required(*REPORT_ROLES)
def o2o(request):
    form = O2OFilterForm(
        request.GET or None,
        campaigns=selectors.campaign_choices(),
        stores=selectors.store_choices(),
        channels=selectors.channel_choices(),
    )
    options = form.options()
    report = selectors.o2o_report(date_range=form.date_range(), **options)
    if _wants_csv(request):
        return csv_response(
            f"o2o-{report.date_range.start}-{report.date_range.end}.csv",
            [
                _("Chiến dịch"),
                "utm_campaign",
                _("Kênh"),
                _("Nhấp quảng cáo"),
                _("Khách tiềm năng"),
                _("Ghé cửa hàng"),
                _("Mua tại cửa hàng"),
                _("Tỉ lệ nhấp → tiềm năng (%)"),
                _("Tỉ lệ tiềm năng → ghé (%)"),
                _("Tỉ lệ ghé → mua (%)"),
                _("Doanh thu (₫)"),
                _("Lượt dùng voucher"),
                _("Chi phí (₫)"),
                _("Chi phí mỗi lượt ghé (₫)"),
                _("Doanh thu mỗi lượt ghé (₫)"),
            ],
            (
                [
                    r["name"] or _("Không ghi nhận được"),
                    r["utm_campaign"],
                    r["channel"] or "",
                    r["clicks"],
                    r["leads"],
                    r["visits"],
                    r["purchases"],
                    _pct(r["click_to_lead"]),
                    _pct(r["lead_to_visit"]),
                    _pct(r["visit_to_purchase"]),
                    r["revenue"],
                    r["redemptions"],
                    r["spend"],
                    r["cost_per_visit"] if r["cost_per_visit"] is not None else "",
                    r["revenue_per_visit"] if r["revenue_per_visit"] is not None else "",
                ]
                for r in report.campaigns
            ),
        )
    funnel = _funnel_chart(report, label=_("Chuỗi chuyển đổi O2O"))
    trend = charts.line_chart(
        [d["day"].strftime("%d/%m") for d in report.daily],
        [
            charts.Series(_("Nhấp quảng cáo"), [d["clicks"] for d in report.daily]),
            charts.Series(_("Ghé cửa hàng"), [d["visits"] for d in report.daily]),
            charts.Series(_("Mua tại cửa hàng"), [d["purchases"] for d in report.daily]),
        ],
        label=_("Theo ngày"),
        empty_message=_("Chưa có dữ liệu trong khoảng thời gian này"),
    )
    return render(
        request,
        "reports/o2o.html",
        {
            "title": _("Chuỗi O2O"),
            "form": form,
            "report": report,
            "funnel": funnel,
            "funnel_steps": [(_funnel_steps()[step["key"]], step) for step in report.funnel],
            "trend": trend,
            "query": request.GET.urlencode(),
        },
    )


@role_required(*REPORT_ROLES)
def offline_conversions(request):
    form = O2OFilterForm(
        request.GET or None,
        campaigns=selectors.campaign_choices(),
        stores=selectors.store_choices(),
        channels=selectors.channel_choices(),
    )
    date_range = form.date_range()
    rows = selectors.offline_conversions(date_range=date_range, window_days=form.options()["window_days"])
    return csv_response(
        f"offline-conversions-{date_range.start}-{date_range.end}.csv",
        [
            "Google Click ID",
            "Email",
            "Phone Number",
            "Conversion Name",
            "Conversion Time",
            "Conversion Value",
            "Conversion Currency",
            "Order ID",
        ],
        (
            [
                r["click_id"],
                r["hashed_email"],
                r["hashed_phone"],
                r["conversion_name"],
                r["conversion_time"],
                r["value"],
                r["currency"],
                r["order_id"],
            ]
            for r in rows
        ),
    )


def _int_param(request, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


@role_required(*REPORT_ROLES)
def goals(request):
    year = _int_param(request, "year", timezone.localdate().year, 2000, 2100)
    channels = selectors.channel_choices()
    channel_id = _int_param(request, "channel", None, 1, 2**62)
    if channel_id and channel_id not in {c.pk for c in channels}:
        channel_id = None
    rows = selectors.goals_vs_actual(year=year, channel_id=channel_id)
    if _wants_csv(request):
        return csv_response(
            f"goals-{year}.csv",
            [
                _("Tháng"),
                _("Doanh thu mục tiêu (₫)"),
                _("Doanh thu (₫)"),
                _("Đạt (%)"),
                _("Số đơn mục tiêu"),
                _("Số đơn"),
                _("Khách mới mục tiêu"),
                _("Khách mới"),
                _("Giá trị đơn TB mục tiêu (₫)"),
                _("Giá trị đơn TB (₫)"),
            ],
            (
                [
                    r["month"].strftime("%m/%Y"),
                    r["revenue_target"] or "",
                    r["revenue"],
                    _pct(r["revenue_percent"]),
                    r["orders_target"] if r["orders_target"] is not None else "",
                    r["orders"],
                    r["new_customers_target"] if r["new_customers_target"] is not None else "",
                    r["new_customers"],
                    r["aov_target"] or "",
                    r["aov"] or "",
                ]
                for r in rows
            ),
        )
    chart = charts.bar_chart(
        [r["month"].strftime("%m/%Y") for r in rows],
        [
            charts.Series(_("Mục tiêu"), [r["revenue_target"] or 0 for r in rows]),
            charts.Series(_("Thực tế"), [r["revenue"] for r in rows]),
        ],
        label=_("Doanh thu theo tháng: mục tiêu và thực tế"),
        value_format=format_vnd,
        empty_message=_("Chưa có mục tiêu hay doanh thu trong năm này"),
    )
    return render(
        request,
        "reports/goals.html",
        {
            "title": _("Mục tiêu kênh"),
            "rows": rows,
            "chart": chart,
            "year": year,
            "years": range(year - 3, year + 2),
            "channels": channels,
            "channel_id": channel_id,
            "query": request.GET.urlencode(),
        },
    )


@role_required(*REPORT_ROLES)
def stores(request):
    form = DateRangeForm(request.GET or None)
    date_range = form.date_range()
    rows = selectors.store_metrics(date_range=date_range)
    if _wants_csv(request):
        return csv_response(
            f"stores-{date_range.start}-{date_range.end}.csv",
            [
                _("Cửa hàng"),
                _("Lượt ghé"),
                _("Khách ghé"),
                _("Lượt ghé mỗi khách"),
                _("Khách ghé rồi mua"),
                _("Tỉ lệ ghé → mua (%)"),
                _("Đơn tại cửa hàng"),
                _("Doanh thu (₫)"),
            ],
            (
                [
                    str(r["store"]),
                    r["visits"],
                    r["visitors"],
                    r["visits_per_visitor"] or "",
                    r["visitors_who_bought"],
                    _pct(r["visit_to_purchase"]),
                    r["purchases"],
                    r["revenue"],
                ]
                for r in rows
            ),
        )
    chart = charts.bar_chart(
        [r["store"].name for r in rows],
        [
            charts.Series(_("Khách ghé"), [r["visitors"] for r in rows]),
            charts.Series(_("Khách ghé rồi mua"), [r["visitors_who_bought"] for r in rows]),
        ],
        label=_("Khách ghé và khách mua theo cửa hàng"),
        empty_message=_("Chưa có lượt ghé nào trong khoảng thời gian này"),
    )
    return render(
        request,
        "reports/stores.html",
        {
            "title": _("Chỉ số cửa hàng"),
            "form": form,
            "rows": rows,
            "chart": chart,
            "date_range": date_range,
            "query": request.GET.urlencode(),
        },
    )


@role_required(*REPORT_ROLES)
def budget(request):
    plan_form = BudgetPlanForm(request.POST or None)
    if request.method == "POST" and plan_form.is_valid():
        try:
            created = promotion_services.budget_plan_create(**plan_form.service_kwargs())
        except DomainError as exc:
            for key, errors in (exc.fields or {}).items():
                plan_form.add_error(key if key in plan_form.fields else None, errors)
        else:
            messages.success(request, _("Đã tạo kế hoạch ngân sách “%(name)s”.") % {"name": created.name})
            return redirect(f"{reverse('reports:budget')}?plan={created.pk}")
    plans = selectors.budget_plan_list()
    plan_id = _int_param(request, "plan", None, 1, 2**62)
    plan = next((p for p in plans if p.pk == plan_id), None) if plan_id else None
    if plan_id and plan is None:
        raise Http404
    plan = plan or selectors.budget_plan_for_date(timezone.localdate())
    report = selectors.budget_report(plan=plan) if plan else None
    if report and _wants_csv(request):
        return csv_response(
            f"budget-{plan.pk}.csv",
            [_("Giai đoạn"), _("Tỉ lệ (%)"), _("Kế hoạch (₫)"), _("Thực chi (₫)"), _("Còn lại (₫)"), _("Đã dùng (%)")],
            (
                [r["label"], r["percent"], r["planned"], r["actual"], r["variance"], _pct(r["used_percent"])]
                for r in report.rows
            ),
        )
    chart = None
    if report:
        chart = charts.bar_chart(
            [r["label"] for r in report.rows],
            [
                charts.Series(_("Kế hoạch"), [r["planned"] for r in report.rows]),
                charts.Series(_("Thực chi"), [r["actual"] for r in report.rows]),
            ],
            label=_("Ngân sách theo giai đoạn hành trình: kế hoạch và thực chi"),
            value_format=format_vnd,
        )
    return render(
        request,
        "reports/budget.html",
        {
            "title": _("Ngân sách marketing"),
            "plans": plans,
            "plan": plan,
            "report": report,
            "chart": chart,
            "plan_form": plan_form,
            "query": request.GET.urlencode(),
            **_budget_admin_links(request.user, plan),
        },
    )


def _budget_admin_links(user, plan) -> dict:
    """Links to edit plans where promotions' admin offers them (promotions owns BudgetPlan)."""
    links = {"add_plan_url": None, "change_plan_url": None}
    try:
        if user.has_perm("promotions.add_budgetplan"):
            links["add_plan_url"] = reverse("admin:promotions_budgetplan_add")
        if plan and user.has_perm("promotions.change_budgetplan"):
            links["change_plan_url"] = reverse("admin:promotions_budgetplan_change", args=[plan.pk])
    except NoReverseMatch:
        pass
    return links
