"""The kinds of journey step, one small object each in a registry.

A step is a dict in a journey version's `steps` list: `{"key": "s1", "type": "send", …}`. The
first step is where a customer enters. Each kind says which fields it takes (`validate`), which
steps can follow it (`exits`), and how it reads to a marketer (`describe`). What a step *does*
when due lives in `services/run.py`, which dispatches on the same `type`; this module never
touches the database, so a journey can be checked before it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CHANNELS = ("sms", "zns", "email")
PURPOSES = ("marketing", "service")
CONDITIONS = {
    "clicked": gettext_lazy("Đã nhấp liên kết"),
    "visited": gettext_lazy("Đã ghé cửa hàng"),
    "bought": gettext_lazy("Đã mua hàng"),
    "lead_score_above": gettext_lazy("Điểm tiềm năng trên"),
    "in_segment": gettext_lazy("Thuộc phân khúc"),
}
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_STEPS = 60
MAX_BODY = 1000


def _int(step: dict, name: str, default: int = 0) -> int | None:
    value = step.get(name, default)
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class StepKind:
    type: str
    label: str

    def exits(self, step: dict) -> list[str]:
        return [step["next"]] if step.get("next") else []

    def validate(self, step: dict) -> list[str]:
        return []

    def describe(self, step: dict) -> str:
        return str(self.label)

    @property
    def is_wait(self) -> bool:
        return False


class SendKind(StepKind):
    def validate(self, step: dict) -> list[str]:
        errors = []
        if step.get("channel") not in CHANNELS:
            errors.append(_("Kênh gửi phải là SMS, ZNS hoặc email."))
        if step.get("fallback_channel") and step.get("fallback_channel") not in CHANNELS:
            errors.append(_("Kênh dự phòng phải là SMS, ZNS hoặc email."))
        if step.get("purpose") not in PURPOSES:
            errors.append(_("Bước gửi cần mục đích: tiếp thị hay chăm sóc (để kiểm tra đồng ý)."))
        body = step.get("body") or ""
        if not isinstance(body, str) or (not body.strip() and not step.get("template_id")):
            errors.append(_("Bước gửi cần nội dung hoặc mẫu tin."))
        elif len(body) > MAX_BODY:
            errors.append(_("Nội dung tối đa %(n)s ký tự.") % {"n": MAX_BODY})
        link = step.get("link") or ""
        if link and not (isinstance(link, str) and link.startswith(("http://", "https://")) and len(link) <= 500):
            errors.append(_("Liên kết phải bắt đầu bằng http:// hoặc https:// (tối đa 500 ký tự)."))
        return errors

    def describe(self, step: dict) -> str:
        channel = {"sms": "SMS", "zns": "Zalo ZNS", "email": "Email"}.get(step.get("channel"), "?")
        return _("Gửi %(channel)s: “%(body)s”") % {"channel": channel, "body": (step.get("body") or "")[:60]}


class WaitKind(StepKind):
    @property
    def is_wait(self) -> bool:
        return True

    def validate(self, step: dict) -> list[str]:
        if step.get("until_time"):
            errors = []
            if not TIME_RE.match(str(step.get("until_time"))):
                errors.append(_("Giờ chờ đến phải có dạng HH:MM."))
            weekday = step.get("until_weekday")
            if weekday not in (None, "") and (_int(step, "until_weekday") is None or not 0 <= int(weekday) <= 6):
                errors.append(_("Thứ trong tuần phải từ 0 (thứ Hai) đến 6 (Chủ nhật)."))
            return errors
        days, hours, minutes = _int(step, "days"), _int(step, "hours"), _int(step, "minutes")
        if None in (days, hours, minutes) or min(days, hours, minutes) < 0:
            return [_("Thời gian chờ phải là số ngày/giờ/phút không âm.")]
        total = days * 1440 + hours * 60 + minutes
        if total <= 0:
            return [_("Bước chờ phải chờ ít nhất 1 phút.")]
        if total > 366 * 1440:
            return [_("Bước chờ tối đa 1 năm.")]
        return []

    def describe(self, step: dict) -> str:
        if step.get("until_time"):
            return _("Chờ đến %(time)s") % {"time": step["until_time"]}
        return _("Chờ %(d)s ngày %(h)s giờ %(m)s phút") % {
            "d": step.get("days", 0) or 0,
            "h": step.get("hours", 0) or 0,
            "m": step.get("minutes", 0) or 0,
        }


class BranchKind(StepKind):
    def exits(self, step: dict) -> list[str]:
        return [k for k in (step.get("yes"), step.get("no")) if k]

    def validate(self, step: dict) -> list[str]:
        errors = []
        if step.get("condition") not in CONDITIONS:
            errors.append(_("Điều kiện rẽ nhánh không hợp lệ."))
        value = _int(step, "value", -1)
        if step.get("condition") in ("lead_score_above", "in_segment") and (value is None or value < 0):
            errors.append(_("Điều kiện này cần một giá trị (điểm hoặc phân khúc)."))
        window = _int(step, "window_hours", 0)
        if window is None or window < 0 or window > 24 * 90:
            errors.append(_("Khung thời gian xét phải từ 0 đến 2160 giờ."))
        if not step.get("yes") or not step.get("no"):
            errors.append(_("Bước rẽ nhánh cần cả nhánh “có” và nhánh “không”."))
        return errors

    def describe(self, step: dict) -> str:
        label = CONDITIONS.get(step.get("condition"), "?")
        value = step.get("value")
        return _("Nếu: %(cond)s%(value)s") % {"cond": label, "value": f" {value}" if value not in (None, "") else ""}


class VoucherKind(StepKind):
    def validate(self, step: dict) -> list[str]:
        errors = []
        kind = step.get("discount_type")
        value = _int(step, "discount_value", 0)
        if kind not in ("percent", "amount"):
            errors.append(_("Loại giảm giá phải là phần trăm hoặc số tiền."))
        elif value is None or value <= 0 or (kind == "percent" and value > 100):
            errors.append(_("Mức giảm phải lớn hơn 0 (phần trăm tối đa 100)."))
        valid_days = _int(step, "valid_days", 14)
        if valid_days is None or not 1 <= valid_days <= 365:
            errors.append(_("Số ngày hiệu lực phải từ 1 đến 365."))
        return errors

    def describe(self, step: dict) -> str:
        unit = "%" if step.get("discount_type") == "percent" else " ₫"
        return _("Tặng voucher dùng tại cửa hàng: giảm %(v)s%(u)s") % {"v": step.get("discount_value"), "u": unit}


class TagKind(StepKind):
    def validate(self, step: dict) -> list[str]:
        errors = []
        if (_int(step, "segment", -1) or -1) <= 0:
            errors.append(_("Chọn phân khúc để thêm/bớt khách."))
        if step.get("action") not in ("add", "remove"):
            errors.append(_("Hành động phải là thêm hoặc bớt."))
        return errors

    def describe(self, step: dict) -> str:
        verb = _("Thêm vào") if step.get("action") == "add" else _("Bớt khỏi")
        return _("%(verb)s phân khúc #%(id)s") % {"verb": verb, "id": step.get("segment")}


class EndKind(StepKind):
    def exits(self, step: dict) -> list[str]:
        return []


REGISTRY: dict[str, StepKind] = {
    kind.type: kind
    for kind in (
        SendKind("send", gettext_lazy("Gửi tin")),
        WaitKind("wait", gettext_lazy("Chờ")),
        BranchKind("branch", gettext_lazy("Rẽ nhánh")),
        VoucherKind("voucher", gettext_lazy("Tặng voucher")),
        StepKind("assign", gettext_lazy("Giao cho tư vấn viên")),
        TagKind("tag", gettext_lazy("Thêm/bớt phân khúc")),
        EndKind("end", gettext_lazy("Kết thúc (bỏ qua)")),
    )
}


def kind_of(step: dict) -> StepKind | None:
    return REGISTRY.get(step.get("type")) if isinstance(step, dict) else None


def steps_validate(steps: object, *, segment_ids: Iterable[int] = ()) -> dict[str, list[str]]:
    """Problems with a step graph, by step key ("" for the graph as a whole); empty when valid.

    Refuses unknown kinds, duplicate or dangling keys, steps nobody reaches, and any loop that
    could run without passing a wait (it would message a customer in a tight loop). Segments a
    step names must exist (`segment_ids`: the ids that do).
    """
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    if not isinstance(steps, list) or not steps:
        return {"": [_("Hành trình cần ít nhất một bước.")]}
    if len(steps) > MAX_STEPS:
        return {"": [_("Hành trình tối đa %(n)s bước.") % {"n": MAX_STEPS}]}
    by_key: dict[str, dict] = {}
    for position, step in enumerate(steps, start=1):
        key = step.get("key") if isinstance(step, dict) else None
        if not isinstance(key, str) or not KEY_RE.match(key):
            add("", _("Bước thứ %(n)s cần mã gồm chữ, số, - hoặc _ (tối đa 40 ký tự).") % {"n": position})
            continue
        if key in by_key:
            add(key, _("Mã bước bị trùng."))
            continue
        by_key[key] = step
    known_segments = {int(i) for i in segment_ids}
    for key, step in by_key.items():
        kind = kind_of(step)
        if kind is None:
            add(key, _("Loại bước không hợp lệ."))
            continue
        for message in kind.validate(step):
            add(key, message)
        for target in kind.exits(step):
            if target not in by_key:
                add(key, _("Bước tiếp theo “%(key)s” không tồn tại.") % {"key": target})
        segment = step.get("value") if step.get("condition") == "in_segment" else step.get("segment")
        if (step.get("type") == "tag" or step.get("condition") == "in_segment") and segment not in (None, ""):
            seg_id = _int({"v": segment}, "v")
            if seg_id is not None and seg_id not in known_segments:
                add(key, _("Phân khúc #%(id)s không còn tồn tại.") % {"id": segment})
    if problems:
        return problems
    first = steps[0]["key"]
    reached = _reachable(by_key, first)
    for key in by_key:
        if key not in reached:
            add(key, _("Không bước nào dẫn tới bước này."))
    loop = _loop_without_wait(by_key)
    if loop:
        add(loop[0], _("Vòng lặp không có bước chờ: %(path)s.") % {"path": " → ".join(loop)})
    return problems


def _edges(by_key: dict[str, dict], key: str) -> list[str]:
    kind = kind_of(by_key[key])
    return kind.exits(by_key[key]) if kind else []


def _reachable(by_key: dict[str, dict], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        key = stack.pop()
        if key in seen or key not in by_key:
            continue
        seen.add(key)
        stack.extend(_edges(by_key, key))
    return seen


def _loop_without_wait(by_key: dict[str, dict]) -> list[str]:
    """A cycle through steps that are not waits, as a path; empty when there is none."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(by_key, white)
    path: list[str] = []

    def visit(key: str) -> list[str]:
        colour[key] = grey
        path.append(key)
        kind = kind_of(by_key[key])
        if not (kind and kind.is_wait):
            for target in _edges(by_key, key):
                if colour.get(target) == grey:
                    return [*path[path.index(target) :], target]
                if colour.get(target) == white:
                    found = visit(target)
                    if found:
                        return found
        path.pop()
        colour[key] = black
        return []

    for key in by_key:
        if colour[key] == white:
            found = visit(key)
            if found:
                return found
    return []


def steps_describe(steps: list[dict]) -> list[dict]:
    """The steps with a human line each, for screens."""
    rows = []
    for step in steps if isinstance(steps, list) else []:
        kind = kind_of(step)
        rows.append(
            {
                **step,
                "label": str(kind.label) if kind else "?",
                "text": kind.describe(step) if kind else "?",
                "exits": kind.exits(step) if kind else [],
            }
        )
    return rows
