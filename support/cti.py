"""The CTI (call-center system) credential: making, checking and revoking its token
(the API side, authentication and permission, is support.api.auth).

A CTI token is not a user: `Authorization: Token <key>` with a CTI key authenticates only on the
call endpoints (`POST /api/v1/support/calls/` and `POST /api/v1/support/calls/<call_id>/status/`).
Every other endpoint does not know the key and answers 401. Keys are random (256 bits) and stored
as SHA-256 hashes, so a database dump does not hold a usable key.

Must not: grant anything but posting calls and call status.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import DomainError, NotFound

from .models import CtiToken

KEY_PREFIX = "cti_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def cti_token_create(*, name: str, key: str | None = None) -> tuple[CtiToken, str]:
    """Makes a CTI token and answers it with its key (shown once; only its hash is kept).

    `key` is for the demo's fixed key only; anything else lets the key be drawn at random.
    """
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Vui lòng đặt tên cho hệ thống tổng đài."), fields={"name": [_("Bắt buộc.")]})
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = CtiToken.objects.create(name=name[:100], key_hash=hash_key(key), key_prefix=key[:8])
    return token, key


def cti_token_revoke(*, token_id: int) -> CtiToken:
    """Stops a token from working at once. Idempotent."""
    with transaction.atomic():
        CtiToken.objects.filter(pk=token_id, is_active=True).update(is_active=False, revoked_at=timezone.now())
        token = CtiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Không tìm thấy khoá CTI."))
    return token


def cti_token_for_key(key: str) -> CtiToken | None:
    if not key or not key.startswith(KEY_PREFIX):
        return None
    token = CtiToken.objects.filter(key_hash=hash_key(key), is_active=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - timedelta(minutes=1):
        # At most one write a minute per token: the CTI posts on every ring.
        CtiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
