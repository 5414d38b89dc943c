"""Every write about a customer. Other apps call these; they never write customers' models.

Public services are keyword-only, own their transaction (a savepoint when called inside one)
and raise `o2o_site.api.DomainError` subclasses for rule violations. Side effects leave with
`transaction.on_commit`. This module must not import channels, promotions or support: they
plug in through `customers.registry`.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, Exists, F, Max, Min, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from o2o_site.api import Conflict, DomainError, NotFound
from o2o_site.phones import normalize_phone
from o2o_site.text import fold

from . import conf, registry
from .models import (
    AccessLog,
    Activity,
    BlockedIdentifier,
    ConsentEvent,
    ConsentState,
    ConsentText,
    ContactChannel,
    ContactKind,
    ContactPoint,
    Customer,
    Lifecycle,
    MergeCandidate,
    MergeRecord,
    Message,
    PointsEntry,
    Purchase,
    Purpose,
    Segment,
    SegmentMembership,
    TrackedLink,
)

logger = logging.getLogger(__name__)


# --- errors ---------------------------------------------------------------------------------


class InvalidIdentifier(DomainError):
    """An identifier that cannot be what it claims (code `invalid_phone`, `invalid_email`, ...)."""

    code = "invalid_identifier"
    status_code = 400
    default_message = gettext_lazy("Thông tin định danh không hợp lệ.")


class ConsentRequired(DomainError):
    code = "no_consent"
    status_code = 409
    default_message = gettext_lazy("Khách hàng chưa đồng ý nhận tin qua kênh này.")


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    status_code = 409
    default_message = gettext_lazy("Khách hàng không đủ điểm.")


class MergeRefused(DomainError):
    code = "merge_refused"
    status_code = 409
    default_message = gettext_lazy("Không thể gộp hai hồ sơ này.")


# --- identity -------------------------------------------------------------------------------

# How much an identifier says about who someone is: the best match is the customer whose
# matching identifiers weigh most.
_WEIGHT = {
    ContactKind.PHONE: 100,
    ContactKind.EMAIL: 80,
    ContactKind.ZALO: 60,
    ContactKind.FACEBOOK: 50,
    ContactKind.WEBSITE: 50,
    ContactKind.SHOPEE: 40,
    ContactKind.LAZADA: 40,
    ContactKind.TIKI: 40,
    ContactKind.TIKTOK: 40,
}

_ID_FIELDS = {
    "zalo_id": ContactKind.ZALO,
    "facebook_id": ContactKind.FACEBOOK,
    "shopee_buyer_id": ContactKind.SHOPEE,
    "lazada_buyer_id": ContactKind.LAZADA,
    "tiki_buyer_id": ContactKind.TIKI,
    "tiktok_buyer_id": ContactKind.TIKTOK,
    "website_account": ContactKind.WEBSITE,
}


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str
    raw: str
    field: str
    unlisted: bool = False
    placeholder: bool = False

    @property
    def search_value(self) -> str:
        if self.kind == ContactKind.PHONE:
            return self.value.lstrip("+")[::-1]  # reversed digits: "ends with" becomes a prefix
        return fold(self.value)


@dataclass(frozen=True)
class ResolveResult:
    customer: Customer
    created: bool
    merge_candidate: bool = False


def identifier_normalize(kind: str, raw: str, *, field: str = "") -> Identifier:
    """Normalizes one identifier; raises InvalidIdentifier (with `fields`) when it cannot be one."""
    field = field or kind
    raw = (raw or "").strip()
    if kind == ContactKind.PHONE:
        result = normalize_phone(raw)
        if not result.ok:
            raise InvalidIdentifier(result.error, code="invalid_phone", fields={field: [result.error]})
        return Identifier(kind, result.e164, raw, field, unlisted=not result.listed, placeholder=result.placeholder)
    if kind == ContactKind.EMAIL:
        value = raw.lower()
        try:
            validate_email(value)
        except ValidationError:
            message = _("Email không hợp lệ.")
            raise InvalidIdentifier(message, code="invalid_email", fields={field: [message]})
        return Identifier(kind, value, raw, field)
    if kind not in ContactKind.values:
        raise InvalidIdentifier(code="invalid_identifier", fields={field: [_("Loại định danh không tồn tại.")]})
    if len(raw) > 254:
        message = _("Mã định danh quá dài (tối đa 254 ký tự).")
        raise InvalidIdentifier(message, code="invalid_identifier", fields={field: [message]})
    return Identifier(kind, raw, raw, field)


def _collect_identifiers(phone: str, email: str, ids: dict[str, str]) -> list[Identifier]:
    found: list[Identifier] = []
    errors: dict[str, list[str]] = {}
    first_error: InvalidIdentifier | None = None
    wanted = [("phone", ContactKind.PHONE, phone), ("email", ContactKind.EMAIL, email)]
    wanted += [(name, _ID_FIELDS[name], value) for name, value in ids.items()]
    for field, kind, raw in wanted:
        if not (raw or "").strip():
            continue
        try:
            found.append(identifier_normalize(kind, raw, field=field))
        except InvalidIdentifier as exc:
            errors.update(exc.fields)
            first_error = first_error or exc
    if first_error is not None:
        raise InvalidIdentifier(first_error.message, code=first_error.code, fields=errors)
    return found


def _blocked_pairs(identifiers: Sequence[Identifier]) -> set[tuple[str, str]]:
    if not identifiers:
        return set()
    query = Q()
    for ident in identifiers:
        query |= Q(kind=ident.kind, value=ident.value)
    blocked = set(BlockedIdentifier.objects.filter(query).values_list("kind", "value"))
    blocked |= {(i.kind, i.value) for i in identifiers if i.placeholder}
    return blocked


def customer_resolve(
    *,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    zalo_id: str = "",
    facebook_id: str = "",
    shopee_buyer_id: str = "",
    lazada_buyer_id: str = "",
    tiki_buyer_id: str = "",
    tiktok_buyer_id: str = "",
    website_account: str = "",
    source: str = "",
) -> ResolveResult:
    """Finds or creates the customer these identifiers belong to, attaching the new ones.

    When the identifiers point at two different customers it does not guess: it answers the
    best match (by identifier weight) and records a merge candidate. Blocklisted values (the
    hotline, placeholders) never match anyone. Race-safe: the unique constraint on live contact
    values makes a concurrent creator fail; we retry in a fresh savepoint and find its customer.
    Raises InvalidIdentifier on a malformed phone/email or when no identifier is given.
    """
    ids = {
        "zalo_id": zalo_id,
        "facebook_id": facebook_id,
        "shopee_buyer_id": shopee_buyer_id,
        "lazada_buyer_id": lazada_buyer_id,
        "tiki_buyer_id": tiki_buyer_id,
        "tiktok_buyer_id": tiktok_buyer_id,
        "website_account": website_account,
    }
    identifiers = _collect_identifiers(phone, email, ids)
    full_name = (full_name or "").strip()[:200]
    if not identifiers:
        message = _("Cần ít nhất một định danh: số điện thoại, email hoặc mã tài khoản.")
        raise InvalidIdentifier(message, code="no_identifier", fields={"phone": [message]})
    for attempt in range(4):
        try:
            return _resolve_once(identifiers, full_name=full_name, source=(source or "")[:50])
        except IntegrityError:
            # Another transaction attached one of these values first; it is committed now.
            if attempt == 3:
                raise
            logger.info("customer_resolve: concurrent attach, retrying (%s)", attempt + 1)
    raise AssertionError("unreachable")


def _resolve_once(identifiers: list[Identifier], *, full_name: str, source: str) -> ResolveResult:
    """One attempt: reads without a savepoint (a known buyer with nothing new costs two
    SELECTs), writes in one, so an IntegrityError from a concurrent attach rolls back only them."""
    blocked = _blocked_pairs(identifiers)
    matchable = [i for i in identifiers if (i.kind, i.value) not in blocked]
    owners: dict[tuple[str, str], int] = {}
    loaded: dict[int, Customer] = {}
    if matchable:
        query = Q()
        for ident in matchable:
            query |= Q(kind=ident.kind, value=ident.value)
        for point in ContactPoint.objects.filter(query, is_blocked=False).select_related("customer"):
            owners[(point.kind, point.value)] = point.customer.merged_into_id or point.customer_id
            loaded[point.customer_id] = point.customer
    scores: dict[int, int] = {}
    for (kind, _value), customer_id in owners.items():
        scores[customer_id] = scores.get(customer_id, 0) + _WEIGHT.get(kind, 10)
    if scores:
        best_id = sorted(scores, key=lambda cid: (-scores[cid], cid))[0]
        customer = loaded.get(best_id)
        nothing_to_write = (
            customer is not None
            and not customer.merged_into_id
            and len(scores) == 1
            and not (full_name and not customer.full_name)
            and all((i.kind, i.value) in owners for i in matchable)
            and not any((i.kind, i.value) in blocked for i in identifiers)
        )
        if nothing_to_write:
            return ResolveResult(customer=customer, created=False, merge_candidate=False)
    with transaction.atomic():
        return _resolve_write(
            identifiers,
            full_name=full_name,
            source=source,
            blocked=blocked,
            owners=owners,
            loaded=loaded,
            scores=scores,
            matchable=matchable,
        )


def _resolve_write(
    identifiers: list[Identifier],
    *,
    full_name: str,
    source: str,
    blocked: set[tuple[str, str]],
    owners: dict[tuple[str, str], int],
    loaded: dict[int, Customer],
    scores: dict[int, int],
    matchable: list[Identifier],
) -> ResolveResult:
    created = False
    conflict = False
    if scores:
        best_id = sorted(scores, key=lambda cid: (-scores[cid], cid))[0]
        customer = loaded.get(best_id) or Customer.objects.get(pk=best_id)
        if customer.merged_into_id:  # a tombstone chain longer than one step
            customer = _follow_tombstone(customer)
        others = {cid for cid in scores if cid != best_id}
        if others:
            conflict = True
            MergeCandidate.objects.bulk_create(
                [
                    MergeCandidate(
                        customer_a_id=min(best_id, other),
                        customer_b_id=max(best_id, other),
                        reason=_("Cùng lúc khớp nhiều hồ sơ khi nhận diện"),
                        score=90,
                    )
                    for other in others
                ],
                ignore_conflicts=True,
            )
        if full_name and not customer.full_name:
            customer.full_name = full_name
            customer.search_name = fold(full_name)
            customer.save(update_fields=["full_name", "search_name", "updated_at"])
    else:
        customer = Customer.objects.create(full_name=full_name, search_name=fold(full_name), source=source)
        created = True
    new_points = [
        ContactPoint(
            customer=customer,
            kind=i.kind,
            value=i.value,
            raw=i.raw[:254],
            search_value=i.search_value,
            unlisted=i.unlisted,
            source=source,
        )
        for i in matchable
        if (i.kind, i.value) not in owners
    ]
    blocked_new = [i for i in identifiers if (i.kind, i.value) in blocked]
    if blocked_new:
        have = set(ContactPoint.objects.filter(customer=customer, is_blocked=True).values_list("kind", "value"))
        new_points += [
            ContactPoint(
                customer=customer,
                kind=i.kind,
                value=i.value,
                raw=i.raw[:254],
                search_value=i.search_value,
                is_blocked=True,
                source=source,
            )
            for i in blocked_new
            if (i.kind, i.value) not in have
        ]
    if new_points:
        ContactPoint.objects.bulk_create(new_points)
    return ResolveResult(customer=customer, created=created, merge_candidate=conflict)


def _follow_tombstone(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _live(customer: Customer | int) -> Customer:
    """The customer itself, or the survivor it was merged into."""
    if not isinstance(customer, Customer):
        try:
            customer = Customer.objects.get(pk=customer)
        except (Customer.DoesNotExist, ValueError, TypeError):
            raise NotFound(_("Không tìm thấy khách hàng."))
    return _follow_tombstone(customer) if customer.merged_into_id else customer


def customer_update(
    *,
    customer: Customer,
    full_name: str | None = None,
    birthday=None,
    gender: str | None = None,
    district: str | None = None,
    city: str | None = None,
) -> Customer:
    """Edits the profile fields people type (name, birthday, address) and keeps search columns in step."""
    customer = _live(customer)
    if customer.is_erased:
        raise Conflict(_("Hồ sơ đã bị xoá dữ liệu cá nhân."), code="customer_erased")
    fields = ["updated_at"]
    if full_name is not None:
        customer.full_name = full_name.strip()[:200]
        customer.search_name = fold(customer.full_name)
        fields += ["full_name", "search_name"]
    if birthday is not None:
        customer.birthday = birthday
        fields.append("birthday")
    if gender is not None:
        customer.gender = gender[:10]
        fields.append("gender")
    if district is not None:
        customer.district = district.strip()[:100]
        customer.search_district = fold(customer.district)
        fields += ["district", "search_district"]
    if city is not None:
        customer.city = city.strip()[:100]
        fields.append("city")
    customer.save(update_fields=fields)
    if birthday is not None or district is not None:
        candidate_find_duplicates(customer=customer)
    return customer


def customer_add_contact(*, customer: Customer, kind: str, value: str, source: str = "staff") -> ContactPoint:
    """Adds an identifier to a customer. Refuses (409 `identifier_taken`) one that belongs to someone else."""
    customer = _live(customer)
    ident = identifier_normalize(kind, value, field="value")
    blocked = (ident.kind, ident.value) in _blocked_pairs([ident])
    existing = ContactPoint.objects.filter(kind=ident.kind, value=ident.value, is_blocked=False).first()
    if existing and not blocked:
        if existing.customer_id == customer.pk:
            return existing
        raise Conflict(
            _("Định danh này đã thuộc về khách hàng khác (#%(id)s).") % {"id": existing.customer_id},
            code="identifier_taken",
            fields={"value": [_("Đã thuộc về khách hàng khác.")]},
        )
    try:
        with transaction.atomic():
            return ContactPoint.objects.create(
                customer=customer,
                kind=ident.kind,
                value=ident.value,
                raw=ident.raw[:254],
                search_value=ident.search_value,
                unlisted=ident.unlisted,
                is_blocked=blocked,
                source=source,
            )
    except IntegrityError:
        raise Conflict(_("Định danh này vừa được gán cho khách hàng khác."), code="identifier_taken")


def customer_set_preferred_store(*, customer: Customer, store_code: str) -> None:
    """Called by channels (which owns stores) to remember the store a customer uses most."""
    Customer.objects.filter(pk=_live(customer).pk).update(preferred_store_code=(store_code or "")[:50])


def customer_set_lead_score(*, customer: Customer, score: int) -> None:
    Customer.objects.filter(pk=_live(customer).pk).update(lead_score=int(score))


@transaction.atomic
def blocklist_add(*, kind: str, value: str, reason: str = "") -> BlockedIdentifier:
    """Blocks an identifier from matching; existing live contact points with it stop matching too."""
    ident = identifier_normalize(kind, value, field="value")
    blocked, _created = BlockedIdentifier.objects.get_or_create(
        kind=ident.kind, value=ident.value, defaults={"reason": reason[:200]}
    )
    ContactPoint.objects.filter(kind=ident.kind, value=ident.value).update(is_blocked=True)
    return blocked


# --- timeline --------------------------------------------------------------------------------


def record_activity(
    *,
    customer: Customer,
    kind: str,
    occurred_at: datetime | None = None,
    channel: str = "",
    store_code: str = "",
    summary: str = "",
    ref_type: str = "",
    ref_id: str = "",
    amount: int | None = None,
    campaign_id: int | None = None,
    utm: dict | None = None,
    data: dict | None = None,
) -> Activity:
    """Appends to the customer's timeline; idempotent on (customer, kind, ref_type, ref_id) when ref_id is given."""
    if kind not in Activity.Kind.values:
        raise DomainError(_("Loại hoạt động không hợp lệ."), code="invalid_kind", status_code=400)
    customer = _live(customer)
    values = {
        "occurred_at": occurred_at or timezone.now(),
        "channel": (channel or "")[:50],
        "store_code": (store_code or "")[:50],
        "summary": (summary or "")[:300],
        "amount": None if amount is None else int(amount),
        "campaign_id": campaign_id,
        "utm": utm or {},
        "data": data or {},
    }
    ref_type, ref_id = (ref_type or "")[:50], str(ref_id or "")[:100]
    if ref_id and connection.vendor == "postgresql":
        return _activity_upsert(customer=customer, kind=kind, ref_type=ref_type, ref_id=ref_id, values=values)
    with transaction.atomic():
        if ref_id:
            key = {"customer": customer, "kind": kind, "ref_type": ref_type, "ref_id": ref_id}
            existing = Activity.objects.filter(**key).first()
            if existing is None:
                try:
                    with transaction.atomic():
                        return Activity.objects.create(**key, **values)
                except IntegrityError:
                    existing = Activity.objects.get(**key)
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(values))
            return existing
        return Activity.objects.create(customer=customer, kind=kind, ref_type=ref_type, ref_id=ref_id, **values)


def _db_params(instance: models.Model, attnames: Sequence[str]) -> list:
    meta = type(instance)._meta
    return [meta.get_field(name).get_db_prep_save(getattr(instance, name), connection) for name in attnames]


def _announce_saved(instance: models.Model, *, created: bool, update_fields: Iterable[str] | None = None) -> None:
    """Rows written in raw SQL skip `Model.save()`: announce them as it would, so listeners
    (reports refreshes segments on Activity and Purchase) hear about every row."""
    instance._state.adding = False
    instance._state.db = connection.alias
    models.signals.post_save.send(
        sender=type(instance),
        instance=instance,
        created=created,
        update_fields=None if update_fields is None else frozenset(update_fields),
        raw=False,
        using=connection.alias,
    )


def _activity_upsert(*, customer: Customer, kind: str, ref_type: str, ref_id: str, values: dict) -> Activity:
    """`record_activity` for a keyed entry in one statement (PostgreSQL), instead of a look, an
    insert and an update in two savepoints: INSERT … ON CONFLICT on `activity_unique_ref`, whose
    WHERE is repeated so the partial index can be inferred. `xmax = 0` only on a fresh row."""
    activity = Activity(customer=customer, kind=kind, ref_type=ref_type, ref_id=ref_id, **values)
    activity.created_at = timezone.now()
    models.signals.pre_save.send(
        sender=Activity, instance=activity, raw=False, using=connection.alias, update_fields=None
    )
    columns = ["customer_id", "kind", "ref_type", "ref_id", *values, "created_at"]
    table = Activity._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        " ON CONFLICT (customer_id, kind, ref_type, ref_id) WHERE NOT (ref_id = '')"
        f" DO UPDATE SET {', '.join(f'{name} = EXCLUDED.{name}' for name in values)}"
        " RETURNING id, created_at, (xmax = 0)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, _db_params(activity, columns))
        activity.pk, activity.created_at, created = cursor.fetchone()
    _announce_saved(activity, created=created, update_fields=None if created else list(values))
    return activity


@dataclass(frozen=True)
class ActivityEntry:
    """One timeline row for `activities_record_bulk` (the fields of `record_activity`)."""

    customer_id: int
    kind: str
    occurred_at: datetime
    channel: str = ""
    store_code: str = ""
    summary: str = ""
    ref_type: str = ""
    ref_id: str = ""
    amount: int | None = None
    campaign_id: int | None = None
    utm: dict | None = None
    data: dict | None = None


def activities_record_bulk(*, entries: Sequence[ActivityEntry], batch_size: int = 1000) -> int:
    """Appends many timeline rows with one multi-row INSERT per `batch_size` (an event collector
    turns thousands of events a second into rows: one `record_activity` each would not keep up).

    Unlike `record_activity`, an entry whose (customer, kind, ref_type, ref_id) already exists is
    left as it is (ON CONFLICT DO NOTHING), so replaying the same entries adds nothing. Merged
    customers are followed to their survivor. Every row is announced as `post_save` (created)
    so listeners hear about it as they do for `record_activity`. Raises DomainError
    `invalid_kind` for an unknown kind. Answers the number of entries handed to the database.
    """
    if not entries:
        return 0
    bad = {e.kind for e in entries if e.kind not in Activity.Kind.values}
    if bad:
        raise DomainError(_("Loại hoạt động không hợp lệ."), code="invalid_kind", status_code=400)
    customer_ids = {e.customer_id for e in entries}
    survivors = dict(
        Customer.objects.filter(pk__in=customer_ids, merged_into__isnull=False).values_list("pk", "merged_into_id")
    )
    for customer_id, target in list(survivors.items()):
        seen = {customer_id}
        while target is not None and target not in seen:
            seen.add(target)
            survivors[customer_id] = target
            target = Customer.objects.filter(pk=target).values_list("merged_into_id", flat=True).first()
    now = timezone.now()
    rows = [
        Activity(
            customer_id=survivors.get(e.customer_id, e.customer_id),
            kind=e.kind,
            occurred_at=e.occurred_at,
            channel=(e.channel or "")[:50],
            store_code=(e.store_code or "")[:50],
            summary=(e.summary or "")[:300],
            ref_type=(e.ref_type or "")[:50],
            ref_id=str(e.ref_id or "")[:100],
            amount=None if e.amount is None else int(e.amount),
            campaign_id=e.campaign_id,
            utm=e.utm or {},
            data=e.data or {},
            created_at=now,
        )
        for e in entries
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _activities_insert_pg(rows, batch_size=batch_size)
        else:
            Activity.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
        for row in rows:
            models.signals.post_save.send(
                sender=Activity, instance=row, created=True, update_fields=None, raw=False, using=connection.alias
            )
    return len(rows)


_BULK_COLUMNS = (
    "customer_id",
    "kind",
    "occurred_at",
    "channel",
    "store_code",
    "summary",
    "ref_type",
    "ref_id",
    "amount",
    "campaign_id",
    "utm",
    "data",
    "created_at",
)


def _activities_insert_pg(rows: Sequence[Activity], *, batch_size: int) -> None:
    """One multi-row INSERT … ON CONFLICT DO NOTHING per batch, parameters built by hand: the
    ORM's bulk_create spends most of its time preparing each field of each row (0.6 s of 1 s
    for 2,200 rows), which an event collector turning thousands of events a second cannot pay."""
    import json

    placeholder = "(" + ", ".join(["%s"] * len(_BULK_COLUMNS)) + ")"
    sql = f"INSERT INTO {Activity._meta.db_table} ({', '.join(_BULK_COLUMNS)}) VALUES "
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            params: list = []
            for r in chunk:
                params += [
                    r.customer_id,
                    r.kind,
                    r.occurred_at,
                    r.channel,
                    r.store_code,
                    r.summary,
                    r.ref_type,
                    r.ref_id,
                    r.amount,
                    r.campaign_id,
                    json.dumps(r.utm, ensure_ascii=False),
                    json.dumps(r.data, ensure_ascii=False),
                    r.created_at,
                ]
            cursor.execute(sql + ", ".join([placeholder] * len(chunk)) + " ON CONFLICT DO NOTHING", params)


# --- purchases and points --------------------------------------------------------------------


def _points_for(amount: int) -> int:
    return max(0, int(amount) // conf.points_vnd_per_point())


def record_purchase(
    *, customer: Customer, amount: int, channel: str, occurred_at: datetime, order_ref: str, store_code: str = ""
) -> None:
    """Counts a purchase (order count, lifetime value, first/last purchase) and earns points.

    Idempotent on order_ref: a second call for the same order changes nothing.
    """
    amount = int(amount)
    if amount < 0:
        raise DomainError(_("Giá trị đơn không được âm."), code="invalid_amount", status_code=400)
    if not order_ref:
        raise DomainError(_("Thiếu mã đơn."), code="invalid_order_ref", status_code=400)
    customer = _live(customer)
    points = _points_for(amount)
    if connection.vendor == "postgresql":
        _purchase_record_pg(
            customer=customer,
            amount=amount,
            channel=channel,
            occurred_at=occurred_at,
            order_ref=order_ref,
            store_code=store_code,
            points=points,
        )
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                Purchase.objects.create(
                    customer=customer,
                    order_ref=order_ref[:100],
                    amount=amount,
                    channel=(channel or "")[:50],
                    store_code=(store_code or "")[:50],
                    occurred_at=occurred_at,
                    points_earned=points,
                )
        except IntegrityError:
            return  # already counted
        Customer.objects.filter(pk=customer.pk).update(
            order_count=F("order_count") + 1,
            lifetime_value=F("lifetime_value") + amount,
            first_purchase_at=Least(Coalesce("first_purchase_at", Value(occurred_at)), Value(occurred_at)),
            last_purchase_at=Greatest(Coalesce("last_purchase_at", Value(occurred_at)), Value(occurred_at)),
            lifecycle=Lifecycle.CUSTOMER,
            points_balance=F("points_balance") + points,
        )
        if points:
            PointsEntry.objects.create(
                customer=customer,
                kind=PointsEntry.Kind.EARN,
                points=points,
                remaining=points,
                expires_at=occurred_at + timedelta(days=conf.points_valid_days()),
                reference=order_ref[:100],
                reason=_("Tích điểm đơn %(ref)s") % {"ref": order_ref},
                created_at=occurred_at,
            )


def _purchase_record_pg(
    *,
    customer: Customer,
    amount: int,
    channel: str,
    occurred_at: datetime,
    order_ref: str,
    store_code: str,
    points: int,
) -> None:
    """`record_purchase` in one statement: the purchase row (ON CONFLICT on `order_ref` is the
    idempotency the savepoint and IntegrityError gave), and only when it was new, the customer's
    figures (moved with their own column values, as the F() update did) and the points earned."""
    purchase = Purchase(
        customer=customer,
        order_ref=order_ref[:100],
        amount=amount,
        channel=(channel or "")[:50],
        store_code=(store_code or "")[:50],
        occurred_at=occurred_at,
        points_earned=points,
    )
    models.signals.pre_save.send(
        sender=Purchase, instance=purchase, raw=False, using=connection.alias, update_fields=None
    )
    purchase_columns = ["customer_id", "order_ref", "amount", "channel", "store_code", "occurred_at", "points_earned"]
    params = _db_params(purchase, purchase_columns)
    moment = Purchase._meta.get_field("occurred_at").get_db_prep_save(occurred_at, connection)
    params += [amount, moment, moment, moment, moment, Lifecycle.CUSTOMER, points, customer.pk]
    entry = None
    entry_sql = ""
    if points:
        entry = PointsEntry(
            customer=customer,
            kind=PointsEntry.Kind.EARN,
            points=points,
            remaining=points,
            expires_at=occurred_at + timedelta(days=conf.points_valid_days()),
            reference=order_ref[:100],
            reason=_("Tích điểm đơn %(ref)s") % {"ref": order_ref},
            created_at=occurred_at,
        )
        entry_columns = [
            "customer_id",
            "kind",
            "points",
            "remaining",
            "expires_at",
            "reference",
            "reason",
            "created_at",
        ]
        entry_sql = (
            f", e AS (INSERT INTO {PointsEntry._meta.db_table} ({', '.join(entry_columns)})"
            f" SELECT {', '.join(['%s'] * len(entry_columns))} FROM p RETURNING id)"
        )
        params += _db_params(entry, entry_columns)
    customer_t = Customer._meta.db_table
    sql = (
        f"WITH p AS (INSERT INTO {Purchase._meta.db_table} ({', '.join(purchase_columns)})"
        f" VALUES ({', '.join(['%s'] * len(purchase_columns))}) ON CONFLICT (order_ref) DO NOTHING RETURNING id),"
        f" c AS (UPDATE {customer_t} SET order_count = order_count + 1, lifetime_value = lifetime_value + %s,"
        " first_purchase_at = LEAST(COALESCE(first_purchase_at, %s), %s),"
        " last_purchase_at = GREATEST(COALESCE(last_purchase_at, %s), %s),"
        " lifecycle = %s, points_balance = points_balance + %s"
        " WHERE id = %s AND EXISTS (SELECT 1 FROM p))"
        f"{entry_sql}"
        f" SELECT (SELECT id FROM p), {'(SELECT id FROM e)' if entry is not None else 'NULL'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        purchase_id, entry_id = cursor.fetchone()
    if purchase_id is None:
        return  # already counted
    purchase.pk = purchase_id
    _announce_saved(purchase, created=True)
    if entry is not None:
        entry.pk = entry_id
        _announce_saved(entry, created=True)


def record_purchase_reversal(*, customer: Customer, order_ref: str) -> None:
    """Undoes a purchase's figures and its points (as far as the balance allows). Idempotent."""
    customer = _live(customer)
    now = timezone.now()
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().filter(order_ref=order_ref, reversed_at__isnull=True).first()
        if purchase is None:
            return
        purchase.reversed_at = now
        purchase.save(update_fields=["reversed_at"])
        owner = purchase.customer_id
        _purchase_stats_recompute(owner)
        if purchase.points_earned:
            current = Customer.objects.select_for_update().get(pk=owner)
            take = min(purchase.points_earned, current.points_balance)
            if take:
                _points_debit(
                    customer_id=owner,
                    points=take,
                    kind=PointsEntry.Kind.REVERSE,
                    reference=order_ref[:100],
                    reason=_("Thu hồi điểm đơn %(ref)s") % {"ref": order_ref},
                    prefer_reference=order_ref[:100],
                )


def _purchase_stats_recompute(customer_id: int) -> None:
    live = Purchase.objects.filter(customer_id=customer_id, reversed_at__isnull=True)
    figures = live.aggregate(
        n=models.Count("pk"), total=Sum("amount"), first=Min("occurred_at"), last=Max("occurred_at")
    )
    Customer.objects.filter(pk=customer_id).update(
        order_count=figures["n"] or 0,
        lifetime_value=figures["total"] or 0,
        first_purchase_at=figures["first"],
        last_purchase_at=figures["last"],
        lifecycle=Case(When(lifecycle=Lifecycle.LEAD, then=Value(Lifecycle.CUSTOMER)), default=F("lifecycle"))
        if figures["n"]
        else Value(Lifecycle.LEAD),
    )


def _points_debit(
    *, customer_id: int, points: int, kind: str, reference: str = "", reason: str = "", user=None, prefer_reference=""
) -> PointsEntry:
    """Takes points off the balance (guarded: never below zero) and off the oldest earn rows.

    Must run inside a transaction. Raises InsufficientPoints. The guarded UPDATE takes the
    customer's row lock, so concurrent debits are serialized by PostgreSQL and each re-checks
    the balance after the previous one commits.
    """
    updated = Customer.objects.filter(pk=customer_id, points_balance__gte=points).update(
        points_balance=F("points_balance") - points
    )
    if not updated:
        raise InsufficientPoints(fields={"points": [_("Số điểm vượt quá số dư.")]})
    entry = PointsEntry.objects.create(
        customer_id=customer_id, kind=kind, points=-points, reference=reference, reason=reason[:200], created_by=user
    )
    left = points
    # Oldest-expiring points go first (FIFO), except that a reversal takes back its own order's points.
    buckets = PointsEntry.objects.select_for_update().filter(customer_id=customer_id, remaining__gt=0)
    order = [F("expires_at").asc(nulls_last=True), "pk"]
    if prefer_reference:
        buckets = buckets.annotate(preferred=Case(When(reference=prefer_reference, then=Value(0)), default=Value(1)))
        order.insert(0, "preferred")
    buckets = buckets.order_by(*order)
    for bucket in buckets:
        if left <= 0:
            break
        take = min(left, bucket.remaining)
        PointsEntry.objects.filter(pk=bucket.pk).update(remaining=F("remaining") - take)
        left -= take
    return entry


def _points_replay(entry: PointsEntry, points: int) -> PointsEntry:
    """The entry a request with the same reference already made, marked `replayed` (not stored)
    for the API to say so; the same reference for other points is a Conflict, never a 500."""
    if abs(entry.points) != abs(points):
        raise Conflict(
            _("Mã tham chiếu này đã được dùng cho %(n)s điểm.") % {"n": abs(entry.points)},
            code="reference_reused",
            fields={"reference": [_("Đã dùng cho một thao tác khác.")]},
        )
    entry.replayed = True
    return entry


def points_spend(*, customer: Customer, points: int, reference: str = "", reason: str = "", user=None) -> PointsEntry:
    """Spends points. Idempotent on reference (a replay answers the first entry, `replayed`
    set; other points under the same reference raise Conflict); never lets the balance go
    negative, even under races."""
    points = int(points)
    if points <= 0:
        raise DomainError(
            _("Số điểm phải lớn hơn 0."), code="invalid_points", status_code=400, fields={"points": [_("Phải > 0.")]}
        )
    customer = _live(customer)
    reference = (reference or "")[:100]
    with transaction.atomic():
        if reference:
            existing = PointsEntry.objects.filter(
                customer=customer, kind=PointsEntry.Kind.SPEND, reference=reference
            ).first()
            if existing:
                return _points_replay(existing, points)
        try:
            with transaction.atomic():
                return _points_debit(
                    customer_id=customer.pk,
                    points=points,
                    kind=PointsEntry.Kind.SPEND,
                    reference=reference,
                    reason=reason or _("Dùng điểm"),
                    user=user,
                )
        except IntegrityError:
            existing = PointsEntry.objects.get(customer=customer, kind=PointsEntry.Kind.SPEND, reference=reference)
            return _points_replay(existing, points)


def points_adjust(*, customer: Customer, points: int, reason: str, user=None, reference: str = "") -> PointsEntry:
    """A manual correction by a manager: positive adds (with the usual validity), negative removes.
    Idempotent on reference like `points_spend` (a replay answers the first entry, `replayed`)."""
    points = int(points)
    if points == 0:
        raise DomainError(_("Số điểm điều chỉnh phải khác 0."), code="invalid_points", status_code=400)
    if not (reason or "").strip():
        message = _("Cần ghi lý do điều chỉnh điểm.")
        raise DomainError(message, code="reason_required", status_code=400, fields={"reason": [message]})
    customer = _live(customer)
    reference = (reference or "")[:100]
    if reference:
        existing = PointsEntry.objects.filter(
            customer=customer, kind=PointsEntry.Kind.ADJUST, reference=reference
        ).first()
        if existing:
            return _points_replay(existing, points)
    try:
        with transaction.atomic():
            return _points_adjust_write(customer=customer, points=points, reason=reason, user=user, reference=reference)
    except IntegrityError:  # the same reference, committed by a racing request a moment ago
        if not reference:
            raise
        existing = PointsEntry.objects.get(customer=customer, kind=PointsEntry.Kind.ADJUST, reference=reference)
        return _points_replay(existing, points)


def _points_adjust_write(*, customer: Customer, points: int, reason: str, user, reference: str) -> PointsEntry:
    """Writes one adjustment (inside the caller's transaction)."""
    if points < 0:
        return _points_debit(
            customer_id=customer.pk,
            points=-points,
            kind=PointsEntry.Kind.ADJUST,
            reference=reference,
            reason=reason,
            user=user,
        )
    Customer.objects.filter(pk=customer.pk).update(points_balance=F("points_balance") + points)
    return PointsEntry.objects.create(
        customer=customer,
        kind=PointsEntry.Kind.ADJUST,
        points=points,
        remaining=points,
        expires_at=timezone.now() + timedelta(days=conf.points_valid_days()),
        reference=reference,
        reason=reason[:200],
        created_by=user,
    )


def points_expire_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Expires earn rows past their date (the periodic task). Returns the number of rows expired.

    Each customer's rows are handled under the customer's row lock, in pk order.
    """
    now = now or timezone.now()
    expired = 0
    customer_ids = list(
        PointsEntry.objects.filter(remaining__gt=0, expires_at__lte=now)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:batch_size]
    )
    for customer_id in customer_ids:
        with transaction.atomic():
            Customer.objects.select_for_update().filter(pk=customer_id).first()
            rows = list(
                PointsEntry.objects.select_for_update()
                .filter(customer_id=customer_id, remaining__gt=0, expires_at__lte=now)
                .order_by("pk")
            )
            total = sum(r.remaining for r in rows)
            if not total:
                continue
            PointsEntry.objects.filter(pk__in=[r.pk for r in rows]).update(remaining=0)
            Customer.objects.filter(pk=customer_id).update(
                points_balance=Greatest(F("points_balance") - total, Value(0))
            )
            PointsEntry.objects.create(
                customer_id=customer_id,
                kind=PointsEntry.Kind.EXPIRE,
                points=-total,
                reason=_("Điểm hết hạn"),
                created_at=now,
            )
            expired += len(rows)
    return expired


# --- consent --------------------------------------------------------------------------------


def consent_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    text: ConsentText | None = None,
    evidence: str = "",
    user=None,
    occurred_at: datetime | None = None,
) -> ConsentEvent:
    """Records a grant or withdrawal (append-only) and moves the current state with it.

    A grant must be explicit and provable: it needs a source and either the consent text the
    customer agreed to (self-service: web form, Zalo) or evidence (a form id, a call recording);
    a grant recorded by staff always needs evidence. Withdrawal needs only a source.
    """
    fields: dict[str, list[str]] = {}
    if channel not in ContactChannel.values:
        fields["channel"] = [_("Kênh không hợp lệ.")]
    if purpose not in Purpose.values:
        fields["purpose"] = [_("Mục đích không hợp lệ.")]
    if not (source or "").strip():
        fields["source"] = [_("Cần ghi nguồn (quầy, web, tổng đài...).")]
    if granted and not (evidence or "").strip():
        if text is None:
            fields["evidence"] = [_("Đồng ý phải có văn bản đồng ý hoặc bằng chứng.")]
        elif user is not None:
            # Staff recording a grant (hotline, counter) must say how it can be proven.
            fields["evidence"] = [_("Ghi rõ bằng chứng: mã cuộc gọi ghi âm, số phiếu đăng ký…")]
    if fields:
        raise DomainError(_("Thông tin đồng ý không hợp lệ."), code="invalid_consent", status_code=400, fields=fields)
    customer = _live(customer)
    if customer.is_erased and granted:
        raise Conflict(_("Hồ sơ đã bị xoá dữ liệu cá nhân."), code="customer_erased")
    now = occurred_at or timezone.now()
    with transaction.atomic():
        event = ConsentEvent.objects.create(
            customer=customer,
            channel=channel,
            purpose=purpose,
            granted=bool(granted),
            source=source.strip()[:50],
            text=text,
            evidence=evidence or "",
            recorded_by=user,
            occurred_at=now,
        )
        _consent_state_apply(event)
        record_activity(
            customer=customer,
            kind=Activity.Kind.CONSENT,
            occurred_at=now,
            summary=(
                _("Đồng ý %(purpose)s qua %(channel)s") if granted else _("Rút đồng ý %(purpose)s qua %(channel)s")
            )
            % {"purpose": Purpose(purpose).label, "channel": ContactChannel(channel).label},
            ref_type="consent",
            ref_id=str(event.pk),
        )
    return event


def _consent_state_apply(event: ConsentEvent) -> None:
    """The newest event wins; an older event arriving late does not overwrite a newer state."""
    updated = ConsentState.objects.filter(
        customer_id=event.customer_id,
        channel=event.channel,
        purpose=event.purpose,
        updated_at__lte=event.occurred_at,
    ).update(granted=event.granted, updated_at=event.occurred_at, last_event=event)
    if not updated:
        try:
            with transaction.atomic():
                ConsentState.objects.create(
                    customer_id=event.customer_id,
                    channel=event.channel,
                    purpose=event.purpose,
                    granted=event.granted,
                    updated_at=event.occurred_at,
                    last_event=event,
                )
        except IntegrityError:
            pass  # a newer state exists


def _consent_states_rebuild(customer_id: int) -> None:
    ConsentState.objects.filter(customer_id=customer_id).delete()
    latest: dict[tuple[str, str], ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(customer_id=customer_id).order_by("occurred_at", "pk"):
        latest[(event.channel, event.purpose)] = event
    ConsentState.objects.bulk_create(
        [
            ConsentState(
                customer_id=customer_id,
                channel=e.channel,
                purpose=e.purpose,
                granted=e.granted,
                updated_at=e.occurred_at,
                last_event=e,
            )
            for e in latest.values()
        ]
    )


def customer_can_contact(customer: Customer, channel: str, purpose: str) -> bool:
    """The one check every sender uses.

    Marketing needs an explicit, current marketing grant on that channel (silence is never
    consent). Service messages about the customer's own case need no grant, unless the customer
    withdrew service contact on that channel. Never to an erased or merged-away profile.
    """
    if customer is None or channel not in ContactChannel.values or purpose not in Purpose.values:
        return False
    if customer.merged_into_id:
        customer = _follow_tombstone(customer)
    if customer.is_erased:
        return False
    state = (
        ConsentState.objects.filter(customer_id=customer.pk, channel=channel, purpose=purpose)
        .values_list("granted", flat=True)
        .first()
    )
    if purpose == Purpose.SERVICE:
        return state is not False
    return state is True


# --- messages -------------------------------------------------------------------------------


def _address_for(customer: Customer, channel: str) -> str:
    kind = ContactKind.EMAIL if channel == ContactChannel.EMAIL else ContactKind.PHONE
    return (
        ContactPoint.objects.filter(customer=customer, kind=kind, is_blocked=False)
        .order_by("-is_primary", "-created_at", "-pk")
        .values_list("value", flat=True)
        .first()
        or ""
    )


def message_send(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    body: str = "",
    template_id: str = "",
    params: dict | None = None,
    idempotency_key: str,
    fallback_channel: str = "",
    ref_type: str = "",
    ref_id: str = "",
    to_address: str = "",
    campaign_id: int | None = None,
) -> Message:
    """Queues a message: checks consent, writes the row (pending), sends after commit in a task.

    `to_address` (service messages only) sends to that exact phone or email instead of the
    profile's primary one — a one-time code must reach the number typed in front of us. With
    `customer=None` it reaches a phone no profile holds yet (a new phone confirming a check-in).
    Every http(s) link in the body (and every link-valued template param) of a customer's message
    is sent as a tracked short link `/l/<token>` tied to the message and `campaign_id`, so a click
    is on the timeline.

    Idempotent on `idempotency_key`: the same key answers the first message and sends nothing
    new. When the customer cannot be reached on `channel` (no consent or no address) and a
    `fallback_channel` is allowed, the message goes there instead. Raises ConsentRequired
    (`no_consent`) or DomainError `no_address`.
    """
    fields: dict[str, list[str]] = {}
    if channel not in (ContactChannel.SMS, ContactChannel.ZNS, ContactChannel.EMAIL):
        fields["channel"] = [_("Kênh gửi phải là sms, zns hoặc email.")]
    if fallback_channel and fallback_channel not in (ContactChannel.SMS, ContactChannel.ZNS, ContactChannel.EMAIL):
        fields["fallback_channel"] = [_("Kênh dự phòng không hợp lệ.")]
    if purpose not in Purpose.values:
        fields["purpose"] = [_("Mục đích không hợp lệ.")]
    if not idempotency_key:
        fields["idempotency_key"] = [_("Thiếu khoá chống gửi trùng.")]
    if not body and not template_id:
        fields["body"] = [_("Cần nội dung hoặc mẫu tin.")]
    if (to_address or customer is None) and purpose != Purpose.SERVICE:
        fields["to_address"] = [_("Chỉ tin dịch vụ mới được gửi tới một địa chỉ chỉ định.")]
    if customer is None and not to_address:
        fields["to_address"] = [_("Cần địa chỉ gửi khi chưa có hồ sơ khách hàng.")]
    if fields:
        raise DomainError(_("Tin nhắn không hợp lệ."), code="invalid_message", status_code=400, fields=fields)
    existing = Message.objects.filter(idempotency_key=idempotency_key[:200]).first()
    if existing:
        return existing
    customer = _live(customer) if customer is not None else None
    chosen, address = "", ""
    no_consent = False
    for candidate in [channel, fallback_channel]:
        if not candidate:
            continue
        if customer is not None and not customer_can_contact(customer, candidate, purpose):
            no_consent = True
            continue
        address = to_address[:254] if to_address else _address_for(customer, candidate)
        if address:
            chosen = candidate
            break
    if not chosen:
        if no_consent:
            raise ConsentRequired(fields={"channel": [_("Khách hàng chưa đồng ý nhận tin qua kênh này.")]})
        raise DomainError(_("Khách hàng chưa có số điện thoại/email để gửi."), code="no_address", status_code=409)
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    customer=customer,
                    channel=chosen,
                    purpose=purpose,
                    to_address=address,
                    body=body,
                    template_id=template_id[:100],
                    params=params or {},
                    idempotency_key=idempotency_key[:200],
                    fallback_channel=fallback_channel if chosen == channel else "",
                    ref_type=ref_type[:50],
                    ref_id=str(ref_id)[:100],
                )
        except IntegrityError:
            return Message.objects.get(idempotency_key=idempotency_key[:200])
        if customer is not None:
            _message_links_wrap(message, campaign_id)
            record_activity(
                customer=customer,
                kind=Activity.Kind.MESSAGE,
                channel=chosen,
                # A one-time code never shows on the timeline staff read.
                summary=(template_id if ref_type == "one_time_code" else (body or template_id))[:300],
                ref_type="message",
                ref_id=str(message.pk),
            )
        _enqueue_delivery(message.pk)
    return message


def _message_links_wrap(message: Message, campaign_id: int | None) -> None:
    """Puts the message's links behind tracked short links (the row is already written: the
    link rows point at it)."""
    wrap = {"customer": message.customer, "message": message, "campaign_id": campaign_id}
    body = links_wrap_text(text=message.body, **wrap) if "http" in (message.body or "") else message.body
    params = dict(message.params or {})
    for name, value in params.items():
        if isinstance(value, str) and _URL_RE.fullmatch(value.strip()):
            params[name] = links_wrap_text(text=value.strip(), **wrap)
    if body != message.body or params != (message.params or {}):
        message.body, message.params = body, params
        message.save(update_fields=["body", "params"])


def _enqueue_delivery(message_id: int) -> None:
    from o2o_site.outbox import enqueue_after_commit

    from .tasks import message_deliver_task

    enqueue_after_commit(message_deliver_task, message_id)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def message_deliver(*, message_id: int) -> str:
    """Sends one pending message through its adapter; answers the resulting status.

    Holds the message's row lock (skip_locked: a second worker skips it) for the call, so two
    workers never send the same row; a message already sent is never sent again. A transient
    error leaves it pending with `next_attempt_at` (the periodic task retries it with backoff);
    after the last attempt, or on a permanent error, it fails and the fallback channel is tried.
    """
    from .adapters import DeliveryError, OutboundMessage, adapter_for

    with transaction.atomic():
        # Not before its next attempt: a redelivered task never jumps a backoff or a Retry-After.
        message = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Message.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
            .first()
        )
        if message is None:
            return "skipped"
        message.attempts += 1
        outbound = OutboundMessage(
            channel=message.channel,
            to_address=message.to_address,
            body=message.body,
            template_id=message.template_id,
            params=message.params,
            idempotency_key=message.idempotency_key,
        )
        adapter = adapter_for(message.channel)
        if adapter is None:
            # No gateway: say so on the row (and on the screens) instead of claiming it went out.
            message.status = Message.Status.NOT_CONFIGURED
            message.next_attempt_at = None
            message.last_error = _("Chưa cấu hình cổng gửi %(channel)s: tin nhắn chưa được gửi.") % {
                "channel": message.get_channel_display()
            }
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if message.fallback_channel:
                _message_fallback(message)
            return message.status
        try:
            provider_id = adapter.send(outbound)
        except DeliveryError as exc:
            message.last_error = str(exc)[:2000]
            if exc.permanent or message.attempts >= conf.message_max_attempts():
                message.status = Message.Status.FAILED
                message.next_attempt_at = None
            else:
                # Our backoff, or later if the gateway said when (its Retry-After), never sooner.
                wait = max(_backoff(message.attempts), timedelta(seconds=exc.retry_after or 0))
                message.next_attempt_at = timezone.now() + wait
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            if message.status == Message.Status.FAILED and message.fallback_channel:
                _message_fallback(message)
            return message.status
        message.status = Message.Status.SENT
        message.provider_id = (provider_id or "")[:200]
        message.sent_at = timezone.now()
        message.next_attempt_at = None
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "provider_id", "sent_at", "next_attempt_at", "last_error"])
        return message.status


def _message_fallback(message: Message) -> None:
    try:
        message_send(
            customer=message.customer,
            channel=message.fallback_channel,
            purpose=message.purpose,
            body=message.body,
            template_id=message.template_id,
            params=message.params,
            idempotency_key=f"{message.idempotency_key}:fallback",
            ref_type=message.ref_type,
            ref_id=message.ref_id,
        )
    except DomainError as exc:
        logger.info("message %s: fallback not possible: %s", message.pk, exc.message)


def messages_retry_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Re-enqueues pending messages whose retry time has come (or that never got a task)."""
    from .tasks import message_deliver_task

    now = now or timezone.now()
    stale = now - timedelta(minutes=2)
    ids = list(
        Message.objects.filter(status=Message.Status.PENDING)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=stale))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    from o2o_site.outbox import enqueue_now

    for message_id in ids:
        if not enqueue_now(message_deliver_task, message_id):
            break  # the broker is down: the rows stay pending for the next run
    return len(ids)


# --- tracked links --------------------------------------------------------------------------

# http(s) URLs in a message body; a trailing full stop or bracket belongs to the sentence.
_URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _link_base() -> str:
    from django.conf import settings

    return f"{settings.SITE_URL}/l/"


def link_wrap(
    *, url: str, customer: Customer, message: Message | None = None, campaign_id: int | None = None
) -> TrackedLink:
    """A short tracked link for `url` sent to `customer` (in `message`, for `campaign_id`).
    Expires after `CUSTOMERS_LINK_DAYS` (90). Raises DomainError `invalid_url`."""
    if not re.fullmatch(r"https?://\S+", url or "") or len(url) > 2000:
        raise DomainError(_("Đường dẫn không hợp lệ."), code="invalid_url", status_code=400)
    expires = timezone.now() + timedelta(days=conf.link_days())
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return TrackedLink.objects.create(
                    token=secrets.token_urlsafe(7)[:10],
                    url=url,
                    customer=_live(customer),
                    message=message,
                    campaign_id=campaign_id,
                    expires_at=expires,
                )
        except IntegrityError:  # a token collision (1 in 10^17): draw again
            continue
    raise AssertionError("no free link token")


def links_wrap_text(
    *, text: str, customer: Customer, message: Message | None = None, campaign_id: int | None = None
) -> str:
    """`text` with every http(s) link replaced by its tracked short link (our own short links
    are left as they are)."""
    base = _link_base()
    from django.conf import settings

    own = settings.SITE_URL + "/"

    def wrap(match: re.Match) -> str:
        url = match.group(0)
        # Our own pages (voucher, pickup QR, signed confirm links) are left as they are: their
        # flows count their own visits, and a redirect in front of a signed link adds nothing.
        if url.startswith((base, own)) or len(url) > 2000:
            return url
        return base + link_wrap(url=url, customer=customer, message=message, campaign_id=campaign_id).token

    return _URL_RE.sub(wrap, text or "")


def link_click(*, token: str) -> str | None:
    """Counts a click on a tracked link and answers where it goes; None for an unknown or
    expired token. The first click goes on the customer's timeline (link_click, with the
    message and campaign); later ones only move the counters (guarded UPDATE with F())."""
    now = timezone.now()
    link = TrackedLink.objects.filter(token=(token or "")[:16]).first()
    if link is None or link.expires_at < now:
        return None
    with transaction.atomic():
        TrackedLink.objects.filter(pk=link.pk).update(click_count=F("click_count") + 1, last_clicked_at=now)
        first = TrackedLink.objects.filter(pk=link.pk, first_clicked_at__isnull=True).update(first_clicked_at=now)
        if first:
            record_activity(
                customer=link.customer,
                kind=Activity.Kind.LINK_CLICK,
                occurred_at=now,
                summary=link.url[:300],
                ref_type="link",
                ref_id=str(link.pk),
                campaign_id=link.campaign_id,
                data={"message_id": link.message_id, "url": link.url[:1000], "token": link.token},
            )
    return link.url


# --- merge ----------------------------------------------------------------------------------

# Own tables whose customer FK moves on merge. Rows that would collide with a unique key on the
# survivor get their reference suffixed (and restored on undo), so nothing is ever dropped.
_OWN_MOVES: list[tuple[type[models.Model], str, str | None]] = [
    (ContactPoint, "customer", None),
    (ConsentEvent, "customer", None),
    (Purchase, "customer", None),
    (PointsEntry, "customer", "reference"),
    (Activity, "customer", "ref_id"),
    (Message, "customer", None),
    (TrackedLink, "customer", None),
]


def _model_label(model: type[models.Model], field: str) -> str:
    return f"{model._meta.label}.{field}"


def candidate_find_duplicates(*, customer: Customer) -> int:
    """Looks for profiles of the same person (same folded name + birthday or + district).

    Same phone/email cannot happen between live profiles (unique constraint); resolve records
    those conflicts itself. Answers the number of candidates recorded.
    """
    customer = _live(customer)
    if not customer.search_name:
        return 0
    query = Q()
    reasons = []
    if customer.birthday:
        query |= Q(birthday=customer.birthday)
        reasons.append(_("cùng tên và ngày sinh"))
    if customer.search_district:
        query |= Q(search_district=customer.search_district)
        reasons.append(_("cùng tên và quận/huyện"))
    if not query:
        return 0
    others = (
        Customer.objects.filter(
            query, search_name=customer.search_name, merged_into__isnull=True, erased_at__isnull=True
        )
        .exclude(pk=customer.pk)
        .values_list("pk", "birthday")
    )
    rows = []
    for other_id, birthday in others:
        same_birthday = customer.birthday is not None and birthday == customer.birthday
        rows.append(
            MergeCandidate(
                customer_a_id=min(customer.pk, other_id),
                customer_b_id=max(customer.pk, other_id),
                reason=str(_("Cùng tên và ngày sinh") if same_birthday else _("Cùng tên và quận/huyện")),
                score=80 if same_birthday else 60,
            )
        )
    MergeCandidate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def duplicates_scan() -> int:
    """Set-based scan of the whole base for same folded name + birthday / + district pairs."""
    created = 0
    live = Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True).exclude(search_name="")
    for key, reason, score in (
        ("birthday", _("Cùng tên và ngày sinh"), 80),
        ("search_district", _("Cùng tên và quận/huyện"), 60),
    ):
        groups = (
            live.exclude(**{f"{key}__isnull": True})
            .exclude(**{key: ""} if key == "search_district" else {})
            .values("search_name", key)
            .annotate(n=models.Count("pk"))
            .filter(n__gt=1)
        )
        for group in groups.iterator():
            ids = sorted(
                live.filter(search_name=group["search_name"], **{key: group[key]}).values_list("pk", flat=True)[:20]
            )
            rows = [
                MergeCandidate(customer_a_id=a, customer_b_id=b, reason=str(reason), score=score)
                for i, a in enumerate(ids)
                for b in ids[i + 1 :]
            ]
            created += len(MergeCandidate.objects.bulk_create(rows, ignore_conflicts=True))
    return created


def customer_merge(*, survivor: Customer, duplicate: Customer, merged_by=None) -> MergeRecord:
    """Merges `duplicate` into `survivor` in one transaction and returns the audit record.

    Moves contact points, consents, purchases, points, timeline, messages and every row other
    apps registered (`customers.registry.register_customer_fk`); the duplicate becomes a
    tombstone pointing at the survivor. Refuses merging a customer into itself, a tombstone,
    or an erased profile (409 `merge_refused`).
    """
    if survivor.pk == duplicate.pk:
        raise MergeRefused(_("Không thể gộp một khách hàng vào chính nó."), code="merge_self")
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk]).order_by("pk")
        }
        survivor, duplicate = locked.get(survivor.pk), locked.get(duplicate.pk)
        if survivor is None or duplicate is None:
            raise NotFound(_("Không tìm thấy khách hàng."))
        if survivor.merged_into_id or duplicate.merged_into_id:
            raise MergeRefused(_("Một trong hai hồ sơ đã được gộp trước đó."), code="already_merged")
        if survivor.is_erased or duplicate.is_erased:
            raise MergeRefused(_("Không gộp hồ sơ đã xoá dữ liệu cá nhân."), code="customer_erased")
        moved: dict[str, list] = {}
        renamed: dict[str, dict[str, str]] = {}
        for model, field, ref_field in _OWN_MOVES:
            label = _model_label(model, field)
            if ref_field:
                renamed[label] = _rename_collisions(model, ref_field, survivor.pk, duplicate.pk)
            pks = list(model.objects.filter(customer_id=duplicate.pk).values_list("pk", flat=True))
            model.objects.filter(pk__in=pks).update(customer_id=survivor.pk)
            moved[label] = pks
        # Segment stays are not moved: the duplicate's open ones close (the survivor's segments
        # are recomputed by the segment rules); undo reopens them.
        closed = list(
            SegmentMembership.objects.filter(customer_id=duplicate.pk, left_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        SegmentMembership.objects.filter(pk__in=closed).update(left_at=timezone.now())
        moved["customers.SegmentMembership.closed"] = closed
        for model_label, field in registry.customer_fks():
            model = apps.get_model(model_label)
            pks = list(model.objects.filter(**{f"{field}_id": duplicate.pk}).values_list("pk", flat=True))
            try:
                with transaction.atomic():
                    model.objects.filter(pk__in=pks).update(**{f"{field}_id": survivor.pk})
            except IntegrityError:
                # e.g. both profiles used the same single-use voucher: a person must decide.
                raise MergeRefused(
                    _("Không gộp được: dữ liệu %(model)s của hai hồ sơ trùng nhau, cần xử lý tay trước.")
                    % {"model": model._meta.verbose_name},
                    code="merge_conflict",
                )
            moved[f"{model_label}.{field}"] = [str(pk) if not isinstance(pk, int) else pk for pk in pks]
        moved["_renamed"] = renamed  # type: ignore[assignment]
        ConsentState.objects.filter(customer_id=duplicate.pk).delete()
        _consent_states_rebuild(survivor.pk)
        _purchase_stats_recompute(survivor.pk)
        _purchase_stats_recompute(duplicate.pk)
        _points_balance_recompute(survivor.pk)
        _points_balance_recompute(duplicate.pk)
        now = timezone.now()
        fill = {}
        for name in ("full_name", "birthday", "gender", "district", "city", "preferred_store_code"):
            if not getattr(survivor, name) and getattr(duplicate, name):
                fill[name] = getattr(duplicate, name)
        if fill:
            if "full_name" in fill:
                fill["search_name"] = fold(fill["full_name"])
            if "district" in fill:
                fill["search_district"] = fold(fill["district"])
            Customer.objects.filter(pk=survivor.pk).update(**fill)
        moved["_filled"] = list(fill)  # type: ignore[assignment]
        Customer.objects.filter(pk=duplicate.pk).update(merged_into_id=survivor.pk, merged_at=now)
        MergeCandidate.objects.filter(
            customer_a_id=min(survivor.pk, duplicate.pk), customer_b_id=max(survivor.pk, duplicate.pk)
        ).update(status=MergeCandidate.Status.MERGED, decided_at=now, decided_by=merged_by)
        record = MergeRecord.objects.create(
            survivor_id=survivor.pk, duplicate_id=duplicate.pk, merged_by=merged_by, merged_at=now, moved=moved
        )
        record_activity(
            customer=Customer.objects.get(pk=survivor.pk),
            kind=Activity.Kind.MERGE,
            occurred_at=now,
            summary=_("Gộp hồ sơ #%(dup)s vào hồ sơ này") % {"dup": duplicate.pk},
            ref_type="merge",
            ref_id=str(record.pk),
        )
    survivor.refresh_from_db()
    return record


def _rename_collisions(
    model: type[models.Model], ref_field: str, survivor_id: int, duplicate_id: int
) -> dict[str, str]:
    """Rows of the duplicate whose unique (customer, kind, ref_type?, ref) already exists on the survivor."""
    key_fields = ["kind", "ref_type", ref_field] if model is Activity else ["kind", ref_field]
    survivor_rows = model.objects.filter(customer_id=survivor_id).exclude(**{ref_field: ""})
    clash = model.objects.filter(customer_id=duplicate_id).exclude(**{ref_field: ""})
    survivor_keys = set(survivor_rows.values_list(*key_fields))
    renamed: dict[str, str] = {}
    for row in clash.values_list("pk", *key_fields):
        pk, key = row[0], tuple(row[1:])
        if key in survivor_keys:
            original = key[-1]
            new_value = f"{original}~m{duplicate_id}"[:100]
            model.objects.filter(pk=pk).update(**{ref_field: new_value})
            renamed[str(pk)] = original
    return renamed


def _points_balance_recompute(customer_id: int) -> int:
    total = PointsEntry.objects.filter(customer_id=customer_id).aggregate(s=Sum("points"))["s"] or 0
    if total < 0:
        raise Conflict(
            _("Thao tác làm số điểm của khách hàng #%(id)s âm.") % {"id": customer_id}, code="points_negative"
        )
    Customer.objects.filter(pk=customer_id).update(points_balance=total)
    return total


def customer_merge_undo(*, record: MergeRecord, undone_by=None) -> MergeRecord:
    """Undoes a merge within the undo window: every row that moved goes back to the duplicate.

    Refused (409) after the window, twice, when the survivor was itself merged since, or when
    the survivor has spent the points that would go back.
    """
    now = timezone.now()
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().get(pk=record.pk)
        if record.undone_at:
            raise Conflict(_("Lần gộp này đã được hoàn tác."), code="already_undone")
        if now - record.merged_at > timedelta(days=conf.merge_undo_days()):
            raise Conflict(
                _("Chỉ hoàn tác được trong %(days)s ngày sau khi gộp.") % {"days": conf.merge_undo_days()},
                code="undo_window_passed",
            )
        list(
            Customer.objects.select_for_update().filter(pk__in=[record.survivor_id, record.duplicate_id]).order_by("pk")
        )
        survivor = Customer.objects.get(pk=record.survivor_id)
        if survivor.merged_into_id:
            raise Conflict(_("Hồ sơ giữ lại đã được gộp tiếp vào hồ sơ khác."), code="survivor_merged")
        moved = dict(record.moved)
        renamed = moved.pop("_renamed", {})
        filled = moved.pop("_filled", [])
        closed = moved.pop("customers.SegmentMembership.closed", [])
        own = {_model_label(model, field): (model, field) for model, field, _ref in _OWN_MOVES}
        for label, pks in moved.items():
            if label in own:
                model, field = own[label]
            else:
                model_label, field = label.rsplit(".", 1)
                try:
                    model = apps.get_model(model_label)
                except LookupError:
                    continue
            model.objects.filter(pk__in=pks, **{f"{field}_id": record.survivor_id}).update(
                **{f"{field}_id": record.duplicate_id}
            )
        for label, rows in renamed.items():
            model, _field = own[label]
            ref_field = "ref_id" if model is Activity else "reference"
            for pk, original in rows.items():
                model.objects.filter(pk=int(pk)).update(**{ref_field: original})
        SegmentMembership.objects.filter(pk__in=closed).update(left_at=None)
        Customer.objects.filter(pk=record.duplicate_id).update(merged_into=None, merged_at=None)
        # Profile fields the merge copied from the duplicate go back to empty on the survivor,
        # unless someone has changed them since.
        duplicate = Customer.objects.get(pk=record.duplicate_id)
        revert = {f: "" if f != "birthday" else None for f in filled if getattr(survivor, f) == getattr(duplicate, f)}
        if "full_name" in revert:
            revert["search_name"] = ""
        if "district" in revert:
            revert["search_district"] = ""
        if revert:
            Customer.objects.filter(pk=survivor.pk).update(**revert)
        for customer_id in (record.survivor_id, record.duplicate_id):
            _consent_states_rebuild(customer_id)
            _purchase_stats_recompute(customer_id)
            _points_balance_recompute(customer_id)
        record.undone_at = now
        record.undone_by = undone_by
        record.save(update_fields=["undone_at", "undone_by"])
        MergeCandidate.objects.filter(
            customer_a_id=min(record.survivor_id, record.duplicate_id),
            customer_b_id=max(record.survivor_id, record.duplicate_id),
        ).update(status=MergeCandidate.Status.DISMISSED, decided_at=now, decided_by=undone_by)
    return record


def candidate_dismiss(*, candidate: MergeCandidate, user=None) -> MergeCandidate:
    MergeCandidate.objects.filter(pk=candidate.pk, status=MergeCandidate.Status.OPEN).update(
        status=MergeCandidate.Status.DISMISSED, decided_at=timezone.now(), decided_by=user
    )
    candidate.refresh_from_db()
    return candidate


# --- personal data: export and erase ----------------------------------------------------------


def customer_export(*, customer: Customer) -> dict:
    """Everything every app holds about the customer, as JSON-ready data (Law 91/2025 access right)."""
    from .selectors import customer_export_data

    customer = _live(customer)
    data = customer_export_data(customer)
    for section, fn in registry.exporters().items():
        data[section] = fn(customer)
    return data


def customer_erase(*, customer: Customer, erased_by=None, reason: str = "") -> Customer:
    """Removes the person from the data (Law 91/2025 erasure right) in one transaction.

    Contact points go; name, birthday and address are blanked; message contents and timeline
    free text are cleared; consents are withdrawn. Purchases, points and orders stay for
    accounting, attached to an anonymous profile. Other apps' erasers run in the same transaction.
    """
    customer = _live(customer)
    if customer.is_erased:
        return customer
    now = timezone.now()
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        for state in ConsentState.objects.filter(customer=customer, granted=True):
            event = ConsentEvent.objects.create(
                customer=customer,
                channel=state.channel,
                purpose=state.purpose,
                granted=False,
                source="erasure",
                recorded_by=erased_by,
                occurred_at=now,
            )
            _consent_state_apply(event)
        ConsentEvent.objects.filter(customer=customer).update(evidence="")
        ContactPoint.objects.filter(customer=customer).delete()
        Message.objects.filter(customer=customer).update(to_address="", body="", params={})
        Activity.objects.filter(customer=customer).update(summary="", utm={}, data={})
        Customer.objects.filter(pk=customer.pk).update(
            full_name="",
            search_name="",
            birthday=None,
            gender="",
            district="",
            search_district="",
            city="",
            erased_at=now,
        )
        # Profiles merged into this one keep their old name and address as tombstones: blank them too.
        tombstones = [customer.pk]
        while tombstones:
            tombstones = list(Customer.objects.filter(merged_into__in=tombstones).values_list("pk", flat=True))
            Customer.objects.filter(pk__in=tombstones).update(
                full_name="",
                search_name="",
                birthday=None,
                gender="",
                district="",
                search_district="",
                city="",
                erased_at=now,
            )
        MergeCandidate.objects.filter(
            Q(customer_a=customer) | Q(customer_b=customer), status=MergeCandidate.Status.OPEN
        ).update(status=MergeCandidate.Status.DISMISSED, decided_at=now)
        for fn in registry.erasers():
            fn(customer)
        record_activity(
            customer=customer,
            kind=Activity.Kind.OTHER,
            occurred_at=now,
            summary=_("Đã xoá dữ liệu cá nhân theo yêu cầu"),
            ref_type="erase",
            ref_id=str(customer.pk),
            data={"reason": reason[:200]} if reason else {},
        )
    customer.refresh_from_db()
    return customer


# --- segments -------------------------------------------------------------------------------


def segment_sync_members(
    *,
    segment: Segment,
    customer_ids: models.QuerySet | Iterable[int],
    at: datetime | None = None,
    scope: Iterable[int] | None = None,
) -> tuple[int, int]:
    """Makes the segment's current members exactly `customer_ids`; answers (joined, left).

    With `scope` (customer ids), only those customers' memberships change: the per-customer
    refresh after an order passes the one customer, and every other member's stay stays open.

    Set-based: one UPDATE closes the stays of those no longer in the set, one INSERT … SELECT
    opens stays for the newcomers — no per-customer loop. `customer_ids` is a queryset (of
    customers, or a `values("pk")` / `values_list` of ids) or a list of ids. History is kept:
    a stay is closed (`left_at`), never deleted. The segment row is locked so two syncs of the
    same segment do not interleave. Merged-away and erased profiles never join.
    """
    at = at or timezone.now()
    if isinstance(customer_ids, models.QuerySet):
        if customer_ids.model is Customer and not customer_ids.query.values_select:
            ids_qs = customer_ids.values("pk")
        else:
            ids_qs = customer_ids
        wanted = Customer.objects.filter(pk__in=ids_qs)
    else:
        wanted = Customer.objects.filter(pk__in=list({int(i) for i in customer_ids}))
    wanted = wanted.filter(merged_into__isnull=True, erased_at__isnull=True)
    current = SegmentMembership.objects.filter(segment=segment, left_at__isnull=True)
    if scope is not None:
        scope_ids = sorted({int(i) for i in scope})
        wanted = wanted.filter(pk__in=scope_ids)
        current = current.filter(customer_id__in=scope_ids)
    with transaction.atomic():
        Segment.objects.select_for_update().filter(pk=segment.pk).first()
        # NOT EXISTS, not NOT IN (subquery): PostgreSQL plans the former as an anti-join, the
        # latter as a per-row subplan that went quadratic at 1M customers once it spilled work_mem.
        left = current.filter(~Exists(wanted.filter(pk=OuterRef("customer_id")))).update(left_at=at)
        newcomers = wanted.filter(
            ~Exists(SegmentMembership.objects.filter(segment=segment, left_at__isnull=True, customer_id=OuterRef("pk")))
        ).values("pk")
        try:
            select_sql, params = newcomers.query.sql_with_params()
        except EmptyResultSet:  # an empty id list: nobody joins
            return 0, left
        table = SegmentMembership._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (segment_id, customer_id, joined_at, left_at) "
                f"SELECT %s, c.id, %s, NULL FROM {Customer._meta.db_table} c WHERE c.id IN ({select_sql})",
                [segment.pk, at, *params],
            )
            joined = max(cursor.rowcount, 0)
    return joined, left


def segment_upsert(
    *, code: str, name: str, kind: str = Segment.Kind.BUILTIN, description: str = "", definition=None, thresholds=None
) -> Segment:
    segment, _created = Segment.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "description": description,
            "definition": definition or {},
            "thresholds": thresholds or {},
        },
    )
    return segment


__all__ = [
    "ConsentRequired",
    "InsufficientPoints",
    "InvalidIdentifier",
    "MergeRefused",
    "ResolveResult",
    "blocklist_add",
    "consent_record",
    "customer_add_contact",
    "customer_can_contact",
    "customer_erase",
    "customer_export",
    "customer_merge",
    "customer_merge_undo",
    "customer_resolve",
    "customer_set_preferred_store",
    "customer_update",
    "message_deliver",
    "message_send",
    "points_adjust",
    "points_expire_due",
    "points_spend",
    "record_activity",
    "record_purchase",
    "record_purchase_reversal",
    "segment_sync_members",
]


# --- CSV import ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    matched: int = 0
    errors: list[tuple[int, str]] = None  # (line number, reason)

    def __post_init__(self):
        self.errors = self.errors or []


_CSV_ALIASES = {
    "ho_ten": "full_name",
    "họ tên": "full_name",
    "name": "full_name",
    "so_dien_thoai": "phone",
    "số điện thoại": "phone",
    "sdt": "phone",
    "ngay_sinh": "birthday",
    "ngày sinh": "birthday",
    "quan_huyen": "district",
    "quận/huyện": "district",
    "tinh_thanh": "city",
    "tỉnh/thành phố": "city",
}
_CSV_IDENTIFIERS = ("full_name", "phone", "email", *_ID_FIELDS)


def _parse_birthday(value: str):
    value = (value or "").strip()
    if not value:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DomainError(_("Ngày sinh không đúng dạng dd/mm/yyyy."), code="invalid_birthday", status_code=400)


def customers_import_csv(*, lines: Iterable[str], source: str = "import", progress=None) -> ImportReport:
    """Imports customers from CSV text lines (header row first), deduplicating through customer_resolve.

    Each row is its own savepoint: a bad row is reported (line number, reason) and the good ones
    are kept. Re-running the same file creates no duplicates. `progress(done)` is called every
    200 rows.
    """
    import csv

    report = ImportReport()
    reader = csv.DictReader(lines)
    if reader.fieldnames is None:
        report.errors.append((1, str(_("Tệp trống hoặc thiếu dòng tiêu đề."))))
        return report
    reader.fieldnames = [_CSV_ALIASES.get(name.strip().lower(), name.strip().lower()) for name in reader.fieldnames]
    for index, row in enumerate(reader, start=2):
        try:
            with transaction.atomic():
                values = {k: (row.get(k) or "").strip() for k in _CSV_IDENTIFIERS}
                birthday = _parse_birthday(row.get("birthday") or "")
                result = customer_resolve(source=source, **values)
                extra = {}
                if birthday and not result.customer.birthday:
                    extra["birthday"] = birthday
                for name in ("district", "city"):
                    if (row.get(name) or "").strip() and not getattr(result.customer, name):
                        extra[name] = row[name]
                if extra:
                    customer_update(customer=result.customer, **extra)
                    if "birthday" in extra or "district" in extra:
                        candidate_find_duplicates(customer=result.customer)
        except DomainError as exc:
            details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
            report.errors.append((index, details or exc.message))
            continue
        if result.created:
            report.created += 1
        else:
            report.matched += 1
        if progress and (index - 1) % 200 == 0:
            progress(index - 1)
    if report.created >= IMPORT_ANALYZE_ROWS:
        # A big import changes the tables' size by a lot: fresh planner statistics now, not
        # whenever autovacuum gets there (or never, where it is off).
        from o2o_site.db import tables_analyze

        tables_analyze(Customer, ContactPoint, Activity, ConsentState)
    return report


# From this many new customers on, an import refreshes the planner's statistics (o2o_site.db).
IMPORT_ANALYZE_ROWS = 500


# --- access log -----------------------------------------------------------------------------


def access_record(
    *,
    user,
    action: str,
    source: str,
    customer: Customer | int | None = None,
    query: str = "",
    result_ids: Sequence[int] = (),
    ip: str | None = None,
) -> AccessLog:
    """Writes who looked at whom, when and from where (one INSERT; the log is append-only).

    `action` is an `AccessLog.Action`; `source` names the screen or endpoint (its URL name).
    A lookup logs the query typed and the ids of the customers it showed.
    """
    if action not in AccessLog.Action.values:
        raise DomainError(_("Thao tác không hợp lệ."), code="invalid_action", status_code=400)
    customer_id = customer.pk if isinstance(customer, Customer) else customer
    return AccessLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        customer_id=customer_id,
        action=action,
        source=str(source)[:100],
        query=str(query or "")[:200],
        result_ids=[int(i) for i in list(result_ids)[:100]],
        ip=ip or None,
    )


from .verification import (  # noqa: E402  (the verification services send through message_send above)
    VerificationFailed,
    customer_member_code,
    otp_send,
    otp_verify,
)

__all__ += ["VerificationFailed", "access_record", "customer_member_code", "otp_send", "otp_verify"]
