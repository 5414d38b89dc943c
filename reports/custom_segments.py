"""Custom segments: conditions (field, operator, value; all / any) compiled to one queryset.

A definition is JSON stored in customers' `Segment.definition`:

    {"match": "all", "conditions": [{"field": "order_count", "op": "gte", "value": 3}, ...]}

Only the fields and operators listed here are accepted (a whitelist: a definition never names
a column directly), and values are parsed to the field's type. `definition_validate` raises a
DomainError with per-condition messages; `definition_queryset` builds the member set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Lifecycle, SegmentMembership
from o2o_site.api import DomainError

from .models import CustomerScore
from .segment_rules import live_customers


class InvalidDefinition(DomainError):
    code = "invalid_segment_definition"
    status_code = 400


NUMBER_OPS = {"eq", "ne", "gt", "gte", "lt", "lte"}
TEXT_OPS = {"eq", "ne", "contains", "in"}

OPERATOR_LABELS = {
    "eq": gettext_lazy("bằng"),
    "ne": gettext_lazy("khác"),
    "gt": gettext_lazy("lớn hơn"),
    "gte": gettext_lazy("từ (≥)"),
    "lt": gettext_lazy("nhỏ hơn"),
    "lte": gettext_lazy("đến (≤)"),
    "contains": gettext_lazy("có chứa"),
    "in": gettext_lazy("là một trong (phân cách bằng dấu phẩy)"),
}


@dataclass(frozen=True)
class Field:
    name: str
    label: object
    kind: str  # "int", "text", "choice", "days", "segment", "score"
    column: str = ""
    choices: tuple = ()

    @property
    def operators(self) -> set[str]:
        if self.kind in ("text",):
            return TEXT_OPS
        if self.kind in ("choice", "segment"):
            return {"eq", "ne", "in"}
        return NUMBER_OPS


FIELDS: dict[str, Field] = {
    f.name: f
    for f in [
        Field("order_count", gettext_lazy("Số đơn đã mua"), "int", "order_count"),
        Field("lifetime_value", gettext_lazy("Tổng chi tiêu (₫)"), "int", "lifetime_value"),
        Field("points_balance", gettext_lazy("Điểm hiện có"), "int", "points_balance"),
        Field("days_since_last_purchase", gettext_lazy("Số ngày từ lần mua gần nhất"), "days", "last_purchase_at"),
        Field("days_since_first_purchase", gettext_lazy("Số ngày từ lần mua đầu tiên"), "days", "first_purchase_at"),
        Field("days_since_created", gettext_lazy("Số ngày từ khi tạo hồ sơ"), "days", "created_at"),
        Field("city", gettext_lazy("Tỉnh/thành phố"), "text", "city"),
        Field("district", gettext_lazy("Quận/huyện"), "text", "district"),
        Field("gender", gettext_lazy("Giới tính"), "text", "gender"),
        Field("source", gettext_lazy("Nguồn"), "text", "source"),
        Field("preferred_store_code", gettext_lazy("Cửa hàng ưa thích (mã)"), "text", "preferred_store_code"),
        Field("lifecycle", gettext_lazy("Vòng đời"), "choice", "lifecycle", tuple(Lifecycle.values)),
        Field("lead_score", gettext_lazy("Điểm tiềm năng"), "score", "lead_score"),
        Field("recency_score", gettext_lazy("Điểm R (1–5)"), "score", "recency_score"),
        Field("frequency_score", gettext_lazy("Điểm F (1–5)"), "score", "frequency_score"),
        Field("monetary_score", gettext_lazy("Điểm M (1–5)"), "score", "monetary_score"),
        Field("segment", gettext_lazy("Thuộc phân khúc (mã)"), "segment"),
    ]
}


def _parse_value(field: Field, op: str, raw) -> object:
    if op == "in":
        items = raw if isinstance(raw, list) else [p.strip() for p in str(raw or "").split(",")]
        items = [str(i).strip() for i in items if str(i).strip()]
        if not items:
            raise ValueError(_("Hãy nhập ít nhất một giá trị."))
        if field.kind == "choice" and any(i not in field.choices for i in items):
            raise ValueError(_("Giá trị phải là một trong: %(values)s.") % {"values": ", ".join(field.choices)})
        return items
    if field.kind in ("int", "days", "score"):
        try:
            value = int(str(raw).replace(".", "").replace(",", "").strip())
        except (TypeError, ValueError):
            raise ValueError(_("Giá trị phải là số nguyên.")) from None
        if value < 0:
            raise ValueError(_("Giá trị không được âm."))
        return value
    value = str(raw or "").strip()
    if not value:
        raise ValueError(_("Hãy nhập giá trị."))
    if field.kind == "choice" and value not in field.choices:
        raise ValueError(_("Giá trị phải là một trong: %(values)s.") % {"values": ", ".join(field.choices)})
    return value[:200]


def definition_validate(definition) -> dict:
    """Checks and normalizes a definition; raises InvalidDefinition with `fields` like
    `{"conditions.0.value": ["..."]}`."""
    if not isinstance(definition, dict):
        raise InvalidDefinition(_("Điều kiện phân khúc không hợp lệ."))
    match = definition.get("match", "all")
    conditions = definition.get("conditions")
    errors: dict[str, list[str]] = {}
    if match not in ("all", "any"):
        errors["match"] = [_("Chọn “tất cả” hoặc “bất kỳ”.")]
    if not isinstance(conditions, list) or not conditions:
        errors["conditions"] = [_("Hãy thêm ít nhất một điều kiện.")]
        raise InvalidDefinition(_("Điều kiện phân khúc không hợp lệ."), fields=errors)
    if len(conditions) > 20:
        errors["conditions"] = [_("Tối đa 20 điều kiện.")]
    clean = []
    for i, cond in enumerate(conditions):
        if not isinstance(cond, dict):
            errors[f"conditions.{i}"] = [_("Điều kiện không hợp lệ.")]
            continue
        field = FIELDS.get(cond.get("field"))
        if field is None:
            errors[f"conditions.{i}.field"] = [_("Trường không được hỗ trợ.")]
            continue
        op = cond.get("op")
        if op not in field.operators:
            errors[f"conditions.{i}.op"] = [_("Phép so sánh không hợp lệ cho trường này.")]
            continue
        try:
            value = _parse_value(field, op, cond.get("value"))
        except ValueError as exc:
            errors[f"conditions.{i}.value"] = [str(exc)]
            continue
        clean.append({"field": field.name, "op": op, "value": value})
    if errors:
        raise InvalidDefinition(_("Điều kiện phân khúc không hợp lệ."), fields=errors)
    return {"match": match, "conditions": clean}


_FLIP = {"gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte", "eq": "eq", "ne": "ne"}


def _condition_q(cond: dict, now: dt.datetime) -> Q:
    field = FIELDS[cond["field"]]
    op, value = cond["op"], cond["value"]
    if field.kind == "segment":
        codes = value if op == "in" else [value]
        member = Exists(
            SegmentMembership.objects.filter(customer_id=OuterRef("pk"), segment__code__in=codes, left_at__isnull=True)
        )
        return ~Q(member) if op == "ne" else Q(member)
    if field.kind == "score":
        scores = CustomerScore.objects.filter(customer_id=OuterRef("pk"))
        if op == "ne":
            return ~Q(Exists(scores.filter(**{field.column: value})))
        return Q(Exists(scores.filter(**{f"{field.column}__{'exact' if op == 'eq' else op}": value})))
    if field.kind == "days":
        # "days since X ≥ N" ⇔ X ≤ now − N days: the comparison flips on the date column.
        moment = now - dt.timedelta(days=value)
        if op == "eq":
            return Q(**{f"{field.column}__lte": moment, f"{field.column}__gt": moment - dt.timedelta(days=1)})
        if op == "ne":
            return ~Q(**{f"{field.column}__lte": moment, f"{field.column}__gt": moment - dt.timedelta(days=1)})
        return Q(**{f"{field.column}__{_FLIP[op]}": moment})
    if op == "eq":
        return Q(**{f"{field.column}__iexact" if field.kind == "text" else field.column: value})
    if op == "ne":
        return ~Q(**{f"{field.column}__iexact" if field.kind == "text" else field.column: value})
    if op == "contains":
        return Q(**{f"{field.column}__icontains": value})
    if op == "in":
        return Q(**{f"{field.column}__in": value})
    return Q(**{f"{field.column}__{op}": value})


def definition_queryset(definition: dict, *, now: dt.datetime, scope=None) -> QuerySet:
    """Member ids (`values("pk")`) of a validated definition, as one query."""
    definition = definition_validate(definition)
    combined = Q()
    for cond in definition["conditions"]:
        q = _condition_q(cond, now)
        combined = (combined & q) if definition["match"] == "all" else (combined | q)
    return live_customers(scope).filter(combined).values("pk")
