"""Signs of life of the background side: beat, the workers, and every periodic task's last run.

Beat writes `beat` from its scheduler loop (`o2o_site.celery.HeartbeatScheduler`), each worker
writes `worker:<hostname>` from a timer thread, and every periodic task writes `task:<name>`
when it finishes (a `task_postrun` handler). `periodic_health()` says what is late: a heartbeat
or a periodic run older than twice its interval — shown in `/healthz` (staff details) and on
the sync screen, so a dead beat is seen within two intervals instead of never.
Writes here never raise into the process they watch (a heartbeat must not kill its worker).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> int:
    """How often beat and workers write their heartbeat (HEARTBEAT_SECONDS, default 30)."""
    return int(getattr(settings, "HEARTBEAT_SECONDS", None) or os.environ.get("HEARTBEAT_SECONDS") or 30)


def heartbeat_record(*, name: str, interval_seconds: float, at: dt.datetime | None = None) -> None:
    """Upserts one heartbeat; logs (never raises) when the database is unreachable."""
    from .models import Heartbeat

    row = Heartbeat(name=name[:200], at=at or timezone.now(), interval_seconds=max(1, int(interval_seconds)))
    try:
        Heartbeat.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["name"], update_fields=["at", "interval_seconds"]
        )
    except DatabaseError as exc:
        logger.warning("heartbeat %s not written: %s", name, exc)


def periodic_intervals() -> dict[str, float]:
    """Task name → seconds between runs, for the beat entries with a fixed interval (crontab
    entries, daily jobs, are left out: a day late is seen in their own results)."""
    from celery.schedules import schedule as interval_schedule

    from .celery import app

    out: dict[str, float] = {}
    for entry in (app.conf.beat_schedule or {}).values():
        every = entry["schedule"]
        if isinstance(every, dt.timedelta):
            seconds = every.total_seconds()
        elif isinstance(every, (int, float)):
            seconds = float(every)
        elif isinstance(every, interval_schedule) and not hasattr(every, "hour"):
            seconds = every.run_every.total_seconds()
        else:
            continue
        out[entry["task"]] = min(seconds, out.get(entry["task"], seconds))
    return out


# What the screens call each one (the names are internal codes).
LABELS = {
    "beat": _("Bộ lập lịch tác vụ định kỳ (beat)"),
    "worker": _("Tiến trình xử lý nền (worker)"),
    "o2o_site.outbox_drain": _("Gửi lại tác vụ chờ trong hàng đợi"),
    "channels.sync_due": _("Đồng bộ giá và tồn kho lên các kênh"),
    "channels.inbound_due": _("Nhập đơn hàng từ webhook"),
    "customers.messages_retry_due": _("Gửi lại tin nhắn SMS/ZNS/email"),
    "promotions.voucher_batches_resume": _("Tiếp tục các đợt phát hành voucher"),
    "support.tickets_escalate_overdue": _("Chuyển cấp phiếu hỗ trợ quá hạn"),
}


@dataclass(frozen=True)
class Late:
    name: str
    last: dt.datetime | None
    interval_seconds: int

    @property
    def label(self) -> str:
        return str(LABELS.get(self.name, self.name))

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "last": self.last.isoformat() if self.last else None,
            "every": self.interval_seconds,
        }


def periodic_health(*, now: dt.datetime | None = None) -> dict:
    """{"ok", "beat", "workers", "late": [...]}: late = beat, no live worker, or periodic tasks
    whose last run is older than twice their interval (never run counts as late)."""
    from .models import Heartbeat

    now = now or timezone.now()
    rows = {h.name: h for h in Heartbeat.objects.all()}

    def fresh(row) -> bool:
        return row is not None and now - row.at <= dt.timedelta(seconds=2 * row.interval_seconds)

    late: list[Late] = []
    beat = rows.get("beat")
    if not fresh(beat):
        late.append(Late("beat", beat.at if beat else None, beat.interval_seconds if beat else heartbeat_seconds()))
    workers = [r for n, r in rows.items() if n.startswith("worker:") and fresh(r)]
    if not workers:
        last = max((r.at for n, r in rows.items() if n.startswith("worker:")), default=None)
        late.append(Late("worker", last, heartbeat_seconds()))
    for task, seconds in sorted(periodic_intervals().items()):
        row = rows.get(f"task:{task}")
        if row is None or now - row.at > dt.timedelta(seconds=2 * seconds):
            late.append(Late(task, row.at if row else None, int(seconds)))
    return {
        "ok": not late,
        "beat": beat.at.isoformat() if beat else None,
        "workers": sorted(r.name.split(":", 1)[1] for r in workers),
        "late": [item.as_dict() for item in late],
    }


def background_late() -> list[Late]:
    """For the screens: what is late right now (nothing in eager mode: no background side)."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return []
    health = periodic_health()
    return [
        Late(i["name"], dt.datetime.fromisoformat(i["last"]) if i["last"] else None, i["every"]) for i in health["late"]
    ]
