"""Email through Django's configured email backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from .base import DeliveryError, MessageAdapter, OutboundMessage


class DjangoEmailAdapter(MessageAdapter):
    name = "django_email"

    def send(self, message: OutboundMessage) -> str:
        subject = str(message.params.get("subject") or "O2O")
        email = EmailMessage(
            subject=subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers={"X-Idempotency-Key": message.idempotency_key},
        )
        try:
            email.send(fail_silently=False)
        except OSError as exc:
            raise DeliveryError(f"email: {exc}") from exc
        return message.idempotency_key
