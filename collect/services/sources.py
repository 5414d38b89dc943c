"""Sources and their write keys: create, revoke, and authenticate a collect request."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.api import DomainError, NotFound

from ..models import Source


class BadWriteKey(DomainError):
    code = "bad_write_key"
    status_code = 401


@dataclass(frozen=True)
class NewSource:
    source: Source
    write_key: str  # shown once: only its hash is stored


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def source_create(*, name: str, kind: str, consent_default: str = Source.ConsentDefault.ANALYTICS) -> NewSource:
    """Makes a source and its write key (answered once). Raises DomainError `invalid` (400)."""
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = [_("Cần đặt tên nguồn.")]
    elif len(name) > 100:
        fields["name"] = [_("Tên nguồn tối đa 100 ký tự.")]
    if kind not in Source.Kind.values:
        fields["kind"] = [_("Loại nguồn phải là website, app, server hoặc landing.")]
    if consent_default not in Source.ConsentDefault.values:
        fields["consent_default"] = [_("Cách xử lý đồng ý không hợp lệ.")]
    if fields:
        raise DomainError(_("Nguồn không hợp lệ."), code="invalid", status_code=400, fields=fields)
    key = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            source = Source.objects.create(
                name=name, kind=kind, key_hash=_hash(key), key_prefix=key[:6], consent_default=consent_default
            )
    except IntegrityError:
        message = _("Đã có nguồn tên này.")
        raise DomainError(message, code="duplicate_name", status_code=409, fields={"name": [message]})
    return NewSource(source=source, write_key=key)


def source_revoke(*, source_id: int) -> Source:
    """Revokes a source's key: from now on its requests answer 401. Idempotent."""
    with transaction.atomic():
        source = Source.objects.select_for_update().filter(pk=source_id).first()
        if source is None:
            raise NotFound(_("Không tìm thấy nguồn."))
        if source.revoked_at is None:
            source.revoked_at = timezone.now()
            source.save(update_fields=["revoked_at"])
    return source


def source_authenticate(*, authorization: str = "", body_key: str = "") -> Source:
    """The live source of a write key: HTTP Basic (key as user, empty password, as Segment
    does), else the `writeKey` field of the body. Raises BadWriteKey (401)."""
    key = ""
    if authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        key = decoded.split(":", 1)[0]
    if not key and isinstance(body_key, str):
        key = body_key
    source = Source.objects.filter(key_hash=_hash(key), revoked_at__isnull=True).first() if key else None
    if source is None:
        raise BadWriteKey(_("Khoá ghi (write key) sai hoặc đã bị thu hồi."))
    return source
