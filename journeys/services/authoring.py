"""Writing journeys: create, edit the draft, publish a version, pause, resume.

A live journey is never edited in place: `journey_publish` snapshots the draft steps into a
new `JourneyVersion`, new entrants walk it, and customers already inside finish on theirs.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import Activity, Segment
from o2o_site.api import Conflict, DomainError, NotFound

from ..models import Journey, JourneyVersion
from ..steps import steps_validate
from .entry import event_watermark_now

EDITABLE = (
    "name",
    "description",
    "priority",
    "entry_kind",
    "entry_segment_id",
    "entry_event",
    "goal_kind",
    "goal_amount",
    "allow_reentry",
    "reentry_cooldown_days",
    "holdout_percent",
    "steps",
)
ENTRY_EVENTS = (
    Activity.Kind.LEAD,
    Activity.Kind.CART_ADD,
    Activity.Kind.CHECKOUT,
    Activity.Kind.PRODUCT_VIEW,
    Activity.Kind.WEB_VISIT,
    Activity.Kind.AD_CLICK,
    Activity.Kind.TICKET,
    Activity.Kind.INQUIRY,
    Activity.Kind.CHECKIN,
    Activity.Kind.ORDER,
)


class JourneyInvalid(DomainError):
    code = "invalid_journey"
    status_code = 400

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(_("Hành trình chưa hợp lệ: xem lỗi ở từng mục."), fields=fields)


def _settings_problems(values: dict) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    name = (values.get("name") or "").strip()
    if not name:
        problems["name"] = [_("Cần đặt tên hành trình.")]
    elif len(name) > 200:
        problems["name"] = [_("Tên tối đa 200 ký tự.")]
    if values.get("entry_kind") not in Journey.Entry.values:
        problems["entry_kind"] = [_("Cách vào không hợp lệ.")]
    if values.get("entry_kind") == Journey.Entry.EVENT and values.get("entry_event") not in ENTRY_EVENTS:
        problems["entry_event"] = [_("Chọn sự kiện đưa khách vào hành trình.")]
    segment_id = values.get("entry_segment_id")
    if segment_id is not None and not Segment.objects.filter(pk=segment_id).exists():
        problems["entry_segment"] = [_("Phân khúc này không còn tồn tại.")]
    if values.get("goal_kind") not in Journey.Goal.values:
        problems["goal_kind"] = [_("Mục tiêu không hợp lệ.")]
    if values.get("goal_kind") == Journey.Goal.ORDER_ABOVE and not (values.get("goal_amount") or 0) > 0:
        problems["goal_amount"] = [_("Mục tiêu “đơn hàng từ số tiền” cần số tiền lớn hơn 0.")]
    for field, low, high in (("priority", 0, 1000), ("holdout_percent", 0, 50), ("reentry_cooldown_days", 0, 3650)):
        value = values.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            problems[field] = [_("Giá trị phải từ %(low)s đến %(high)s.") % {"low": low, "high": high}]
    return problems


def _check_publishable(journey: Journey) -> None:
    values = {field: getattr(journey, field) for field in EDITABLE}
    problems = _settings_problems(values)
    if journey.entry_kind == Journey.Entry.SEGMENT and journey.entry_segment_id is None:
        problems["entry_segment"] = [_("Chọn phân khúc đưa khách vào (phân khúc cũ có thể đã bị xoá).")]
    segment_ids = Segment.objects.values_list("pk", flat=True)
    for key, messages in steps_validate(journey.steps, segment_ids=segment_ids).items():
        problems[f"steps.{key}" if key else "steps"] = messages
    if problems:
        raise JourneyInvalid(problems)


def _normalise(values: dict) -> dict:
    values = dict(values)
    if "entry_segment" in values:  # an instance (API) or None
        segment = values.pop("entry_segment")
        values["entry_segment_id"] = segment.pk if segment is not None else None
    return {k: v for k, v in values.items() if k in EDITABLE}


def journey_create(*, user=None, **values) -> Journey:
    """A new draft. Checks the settings (name, entry, goal, limits); steps are checked at publish."""
    defaults = {
        field: Journey._meta.get_field(field).get_default() for field in EDITABLE if field != "entry_segment_id"
    }
    merged = {**defaults, "entry_segment_id": None, **_normalise(values)}
    problems = _settings_problems(merged)
    if problems:
        raise JourneyInvalid(problems)
    return Journey.objects.create(created_by=user, **merged)


def journey_update(*, journey: Journey, **values) -> Journey:
    """Edits the draft (settings and steps); a live journey keeps running its published version."""
    with transaction.atomic():
        locked = Journey.objects.select_for_update().filter(pk=journey.pk).first()
        if locked is None:
            raise NotFound(_("Không tìm thấy hành trình."))
        if locked.status == Journey.Status.ARCHIVED:
            raise Conflict(_("Hành trình đã kết thúc, không sửa được."), code="journey_archived")
        for field, value in _normalise(values).items():
            setattr(locked, field, value)
        problems = _settings_problems({field: getattr(locked, field) for field in EDITABLE})
        if problems:
            raise JourneyInvalid(problems)
        locked.save()
    return locked


def journey_publish(*, journey: Journey, user=None) -> JourneyVersion:
    """Validates the draft and makes it the version new entrants walk; starts a draft journey.

    Refused (400 `invalid_journey`, with the reason per step) for a loop without a wait, a send
    without a consent purpose, a segment that no longer exists, a dangling step.
    """
    with transaction.atomic():
        locked = Journey.objects.select_for_update().filter(pk=journey.pk).first()
        if locked is None:
            raise NotFound(_("Không tìm thấy hành trình."))
        if locked.status == Journey.Status.ARCHIVED:
            raise Conflict(_("Hành trình đã kết thúc, không xuất bản được."), code="journey_archived")
        _check_publishable(locked)
        last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = JourneyVersion.objects.create(journey=locked, number=last + 1, steps=locked.steps, published_by=user)
        locked.current_version = version
        if locked.entry_kind == Journey.Entry.EVENT and not locked.entry_watermark:
            locked.entry_watermark = event_watermark_now()  # events from now on, not history
        if locked.status == Journey.Status.DRAFT:
            locked.status = Journey.Status.LIVE
        locked.save(update_fields=["current_version", "status", "entry_watermark", "updated_at"])
    return version


def _set_status(journey: Journey, *, allowed_from: tuple[str, ...], to: str) -> Journey:
    with transaction.atomic():
        locked = Journey.objects.select_for_update().filter(pk=journey.pk).first()
        if locked is None:
            raise NotFound(_("Không tìm thấy hành trình."))
        if locked.status == to:
            return locked
        if locked.status not in allowed_from:
            raise Conflict(
                _("Không thể chuyển hành trình từ “%(from)s” sang “%(to)s”.")
                % {"from": locked.get_status_display(), "to": Journey.Status(to).label},
                code="journey_status",
            )
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
    return locked


def journey_pause(*, journey: Journey) -> Journey:
    """Stops sending and entering; customers inside wait where they are (their waits keep running)."""
    return _set_status(journey, allowed_from=(Journey.Status.LIVE,), to=Journey.Status.PAUSED)


def journey_resume(*, journey: Journey) -> Journey:
    """Steps that fell due while paused run at the next tick."""
    return _set_status(journey, allowed_from=(Journey.Status.PAUSED,), to=Journey.Status.LIVE)


def journey_archive(*, journey: Journey) -> Journey:
    """Ends the journey: nobody enters, and everyone inside leaves at the next tick."""
    return _set_status(
        journey,
        allowed_from=(Journey.Status.DRAFT, Journey.Status.LIVE, Journey.Status.PAUSED),
        to=Journey.Status.ARCHIVED,
    )


def journey_step_save(*, journey: Journey, step: dict, original_key: str = "", after: str = "") -> Journey:
    """Adds or replaces one step of the draft. A new step placed `after` another becomes that
    step's next (when it had none). The step's own fields are checked now; the whole graph is
    checked at publish."""
    from ..steps import kind_of

    kind = kind_of(step)
    if kind is None:
        raise JourneyInvalid({"type": [_("Loại bước không hợp lệ.")]})
    problems = kind.validate(step)
    if problems:
        raise JourneyInvalid({"step": problems})
    with transaction.atomic():
        locked = Journey.objects.select_for_update().filter(pk=journey.pk).first()
        if locked is None:
            raise NotFound(_("Không tìm thấy hành trình."))
        steps = [dict(s) for s in (locked.steps or [])]
        keys = [s.get("key") for s in steps]
        if original_key and original_key in keys:
            if step["key"] != original_key and step["key"] in keys:
                raise JourneyInvalid({"key": [_("Mã bước đã có.")]})
            steps[keys.index(original_key)] = step
            if step["key"] != original_key:  # follow the rename in every link to it
                for other in steps:
                    for link in ("next", "yes", "no"):
                        if other.get(link) == original_key:
                            other[link] = step["key"]
        else:
            if step["key"] in keys:
                raise JourneyInvalid({"key": [_("Mã bước đã có.")]})
            steps.append(step)
            if after and after in keys:
                previous = steps[keys.index(after)]
                if previous.get("type") not in ("branch", "end") and not previous.get("next"):
                    previous["next"] = step["key"]
        locked.steps = steps
        locked.save(update_fields=["steps", "updated_at"])
    return locked


def journey_step_delete(*, journey: Journey, key: str) -> Journey:
    """Removes a step from the draft; links that pointed at it now point where it pointed."""
    with transaction.atomic():
        locked = Journey.objects.select_for_update().filter(pk=journey.pk).first()
        if locked is None:
            raise NotFound(_("Không tìm thấy hành trình."))
        steps = [dict(s) for s in (locked.steps or [])]
        gone = next((s for s in steps if s.get("key") == key), None)
        if gone is None:
            raise NotFound(_("Không tìm thấy bước này."))
        steps.remove(gone)
        for other in steps:
            for link in ("next", "yes", "no"):
                if other.get(link) == key:
                    other[link] = gone.get("next", "")
        locked.steps = steps
        locked.save(update_fields=["steps", "updated_at"])
    return locked
