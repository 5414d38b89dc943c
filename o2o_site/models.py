"""The few tables that belong to no business app: the task outbox."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    """A Celery task to send, written in the caller's transaction (`o2o_site.outbox`).

    The row commits with the work that needs the task; it is marked sent once the broker took
    the message. A row still unsent after a broker outage is sent by the periodic drain, so a
    committed piece of work never loses its task.
    """

    task = models.CharField(_("tác vụ"), max_length=200)
    args = models.JSONField(_("tham số"), default=list, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("số lần gửi lỗi"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)

    class Meta:
        verbose_name = _("tác vụ chờ gửi")
        verbose_name_plural = _("tác vụ chờ gửi")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{self.args} {'sent' if self.sent_at else 'unsent'}"


class Heartbeat(models.Model):
    """The last sign of life of a background process or periodic job (`o2o_site.heartbeats`).

    `beat` (the scheduler), `worker:<hostname>` (each worker), `task:<name>` (each periodic
    task's last run); `interval_seconds` is how often a fresh one is expected.
    """

    name = models.CharField(max_length=200, unique=True)
    at = models.DateTimeField()
    interval_seconds = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("nhịp hoạt động")
        verbose_name_plural = _("nhịp hoạt động")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
