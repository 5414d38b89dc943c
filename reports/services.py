"""Reports' writes: segment recompute (full and per customer), RFM and lead scores, custom
segments, segment thresholds and the segment actions (message campaign, vouchers).

Segment storage is customers': this module computes member sets (segment_rules.py,
custom_segments.py) and hands them to `customers.services.segment_sync_members`, which writes
memberships set-based. Every public service is keyword-only and owns its transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, Sum, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import Power
from django.db.models.functions.window import CumeDist
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.models import Activity, Customer, Segment
from o2o_site.api import Conflict, DomainError, NotFound
from o2o_site.outbox import enqueue_after_commit

from . import conf
from .custom_segments import InvalidDefinition, definition_queryset, definition_validate
from .dbfunctions import EpochSeconds
from .models import CustomerScore, SegmentMessageCampaign
from .segment_rules import RULES, RULES_BY_CODE, live_customers, merged_thresholds

logger = logging.getLogger(__name__)

# Lead score: points per activity kind, halved every `half_life_days`, over `horizon_days`.
# Overridable in the "prospects" segment's thresholds as "lead_weights" / "lead_half_life_days".
DEFAULT_LEAD_WEIGHTS = {
    Activity.Kind.WEB_VISIT: 1,
    Activity.Kind.AD_CLICK: 2,
    Activity.Kind.PRODUCT_VIEW: 2,
    Activity.Kind.CART_ADD: 5,
    Activity.Kind.LEAD: 5,
    Activity.Kind.INQUIRY: 8,
    Activity.Kind.CHECKIN: 10,
}
DEFAULT_LEAD_HALF_LIFE_DAYS = 14
LEAD_HORIZON_DAYS = 180


# --- segment definitions ---------------------------------------------------------------------


def builtin_segments_ensure() -> dict[str, Segment]:
    """Creates the built-in segments that do not exist yet (with their default thresholds, so
    an admin sees which keys can be changed); never overwrites an existing one."""
    existing = {s.code: s for s in Segment.objects.filter(code__in=list(RULES_BY_CODE))}
    for rule in RULES:
        if rule.code not in existing:
            existing[rule.code] = customer_services.segment_upsert(
                code=rule.code,
                name=str(rule.name),
                kind=Segment.Kind.BUILTIN,
                description=str(rule.description),
                thresholds=dict(rule.defaults),
            )
    return existing


def _members_queryset(segment: Segment, *, now: dt.datetime, scope=None):
    if segment.kind == Segment.Kind.CUSTOM:
        try:
            return definition_queryset(segment.definition, now=now, scope=scope)
        except InvalidDefinition as exc:
            # A definition edited by hand into something invalid must not stop the other
            # segments: it is skipped (members kept as they were) and logged.
            logger.warning("custom segment %s skipped: %s %s", segment.code, exc.message, exc.fields)
            return None
    rule = RULES_BY_CODE.get(segment.code)
    if rule is None:
        return None  # a builtin segment someone else fills (none today): leave it alone
    return rule.members(thresholds=merged_thresholds(rule, segment.thresholds), now=now, scope=scope)


def segments_recompute(
    *, at: dt.datetime | None = None, codes: Iterable[str] | None = None
) -> dict[str, tuple[int, int]]:
    """The full recompute: every active built-in and custom segment, then the scores.

    Set-based and idempotent: each segment is one member-set query handed to
    `segment_sync_members` (one UPDATE + one INSERT … SELECT); a second run changes nothing.
    Answers {segment code: (joined, left)}.
    """
    at = at or timezone.now()
    builtin_segments_ensure()
    segments = Segment.objects.filter(is_active=True).order_by("pk")
    if codes is not None:
        segments = segments.filter(code__in=list(codes))
    result = {}
    for segment in segments:
        ids_qs = _members_queryset(segment, now=at)
        if ids_qs is None:
            continue
        result[segment.code] = customer_services.segment_sync_members(segment=segment, customer_ids=ids_qs, at=at)
    if codes is None:
        scores_recompute(at=at)
    return result


def segments_refresh_customers(
    *, customer_ids: Sequence[int], at: dt.datetime | None = None
) -> dict[str, tuple[int, int]]:
    """The per-customer refresh after an order, a redemption or an activity: the same rules,
    restricted to these customers, changing only their memberships; then their lead score."""
    at = at or timezone.now()
    scope = sorted({int(c) for c in customer_ids if c})
    if not scope:
        return {}
    builtin_segments_ensure()
    result = {}
    for segment in Segment.objects.filter(is_active=True).order_by("pk"):
        ids_qs = _members_queryset(segment, now=at, scope=scope)
        if ids_qs is None:
            continue
        joined, left = customer_services.segment_sync_members(segment=segment, customer_ids=ids_qs, at=at, scope=scope)
        if joined or left:
            result[segment.code] = (joined, left)
    scores_recompute(at=at, scope=scope)
    return result


# --- scores ------------------------------------------------------------------------------------


def _lead_settings() -> tuple[dict[str, int], int]:
    prospects = Segment.objects.filter(code="prospects").values_list("thresholds", flat=True).first() or {}
    weights = dict(DEFAULT_LEAD_WEIGHTS)
    for kind, value in (prospects.get("lead_weights") or {}).items():
        if kind in Activity.Kind.values and isinstance(value, int) and 0 <= value <= 1000:
            weights[kind] = value
    half_life = prospects.get("lead_half_life_days")
    if not isinstance(half_life, int) or not 1 <= half_life <= 365:
        half_life = DEFAULT_LEAD_HALF_LIFE_DAYS
    return weights, half_life


def _lead_score_query(*, now: dt.datetime, scope=None):
    weights, half_life = _lead_settings()
    weights = {k: w for k, w in weights.items() if w}
    activities = Activity.objects.filter(
        kind__in=list(weights), occurred_at__gte=now - dt.timedelta(days=LEAD_HORIZON_DAYS), occurred_at__lte=now
    )
    if scope is not None:
        activities = activities.filter(customer_id__in=list(scope))
    age_days = (Value(now.timestamp()) - EpochSeconds("occurred_at")) / Value(86400.0)
    weight = Case(
        *[When(kind=k, then=Value(float(w))) for k, w in weights.items()], default=Value(0.0), output_field=FloatField()
    )
    return (
        activities.order_by()
        .values("customer_id")
        .annotate(score=Sum(weight * Power(Value(0.5), age_days / Value(float(half_life))), output_field=FloatField()))
        .values("customer_id", "score")
    )


def _rfm_query(scope=None):
    buyers = live_customers().filter(order_count__gt=0, last_purchase_at__isnull=False)
    # CUME_DIST gives equal values the same rank, so ties get the same score and reruns agree.
    return buyers.annotate(
        r=Window(CumeDist(), order_by=F("last_purchase_at").asc()),
        f=Window(CumeDist(), order_by=F("order_count").asc()),
        m=Window(CumeDist(), order_by=F("lifetime_value").asc()),
    ).values("pk", "r", "f", "m")


def _quintile_sql(column: str) -> str:
    """1–5 from a CUME_DIST in (0, 1]: 1 + the number of quintile edges it passes; 0 when null."""
    edges = " + ".join(
        f"CASE WHEN {column} > {edge} THEN 1 ELSE 0 END"
        for edge in ("0.200000001", "0.400000001", "0.600000001", "0.800000001")
    )
    return f"CASE WHEN {column} IS NULL THEN 0 ELSE 1 + {edges} END"


def scores_recompute(*, at: dt.datetime | None = None, scope: Sequence[int] | None = None) -> int:
    """RFM scores (1–5 by quintile of recency, order count and lifetime value among buyers; 0 for
    non-buyers) and lead scores (prospects only) for every live customer, as ONE upsert
    (INSERT … SELECT … ON CONFLICT DO UPDATE). With `scope`, only those customers' lead scores
    move (RFM is relative to everyone, so it is refreshed by the nightly run)."""
    at = at or timezone.now()
    lead_sql, lead_params = _lead_score_query(now=at, scope=scope).query.sql_with_params()
    table = CustomerScore._meta.db_table
    customer_table = Customer._meta.db_table
    if scope is None:
        rfm_sql, rfm_params = _rfm_query().query.sql_with_params()
        rfm_join = f"LEFT JOIN ({rfm_sql}) q ON q.pk = c.id"
        rfm_cols = ", ".join(_quintile_sql(f"q.{col}") for col in ("r", "f", "m"))
        update = (
            "recency_score = excluded.recency_score, frequency_score = excluded.frequency_score, "
            "monetary_score = excluded.monetary_score, lead_score = excluded.lead_score, computed_at = excluded.computed_at"
        )
        changed = " OR ".join(
            f"{table}.{col} <> excluded.{col}"
            for col in ("recency_score", "frequency_score", "monetary_score", "lead_score")
        )
        where_scope = ""
    else:
        rfm_join, rfm_params = "", ()
        rfm_cols = "0, 0, 0"
        update = "lead_score = excluded.lead_score, computed_at = excluded.computed_at"
        changed = f"{table}.lead_score <> excluded.lead_score"
        where_scope = f" AND c.id IN ({', '.join(['%s'] * len(scope))})" if scope else " AND 1 = 0"
    sql = (
        f"INSERT INTO {table} (customer_id, recency_score, frequency_score, monetary_score, lead_score, computed_at) "
        f"SELECT c.id, {rfm_cols}, "
        f"CASE WHEN c.order_count = 0 THEN COALESCE(CAST(ROUND(l.score) AS INTEGER), 0) ELSE 0 END, %s "
        f"FROM {customer_table} c {rfm_join} LEFT JOIN ({lead_sql}) l ON l.customer_id = c.id "
        f"WHERE c.merged_into_id IS NULL AND c.erased_at IS NULL{where_scope} "
        # Rows whose scores did not move are not rewritten (no dead tuples for unchanged rows):
        # computed_at is when the scores last changed.
        f"ON CONFLICT (customer_id) DO UPDATE SET {update} WHERE {changed}"
    )
    # Parameters in the order of the SQL text: computed_at, the two subqueries, the scope ids.
    ordered = [connection.ops.adapt_datetimefield_value(at), *rfm_params, *lead_params, *(scope or [])]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, ordered)
        count = max(cursor.rowcount, 0)
        CustomerScore.objects.filter(
            Q(customer__merged_into__isnull=False) | Q(customer__erased_at__isnull=False)
        ).delete()
    return count


# --- custom segments and thresholds ------------------------------------------------------------


class InvalidSegment(DomainError):
    code = "invalid_segment"
    status_code = 400


def custom_segment_preview(*, definition: dict, at: dt.datetime | None = None) -> int:
    """How many live customers the conditions select now (one COUNT query). Raises InvalidDefinition."""
    return definition_queryset(definition, now=at or timezone.now()).count()


def custom_segment_save(
    *, name: str, definition: dict, description: str = "", segment: Segment | None = None, at: dt.datetime | None = None
) -> tuple[Segment, tuple[int, int]]:
    """Creates (or updates) a custom segment from validated conditions and fills it at once.

    Raises InvalidDefinition / InvalidSegment with `fields`."""
    name = (name or "").strip()
    if not name:
        raise InvalidSegment(_("Hãy đặt tên cho phân khúc."), fields={"name": [_("Hãy đặt tên cho phân khúc.")]})
    definition = definition_validate(definition)
    if segment is not None and segment.kind != Segment.Kind.CUSTOM:
        raise Conflict(_("Chỉ sửa được điều kiện của phân khúc tự định nghĩa."))
    if segment is None:
        base = f"custom-{slugify(name)[:30] or 'segment'}"
        code, n = base, 1
        while Segment.objects.filter(code=code).exists():
            n += 1
            code = f"{base}-{n}"
    else:
        code = segment.code
    segment = customer_services.segment_upsert(
        code=code, name=name[:200], kind=Segment.Kind.CUSTOM, description=description[:2000], definition=definition
    )
    at = at or timezone.now()
    counts = customer_services.segment_sync_members(
        segment=segment, customer_ids=definition_queryset(definition, now=at), at=at
    )
    return segment, counts


def segment_thresholds_update(*, segment: Segment, thresholds: dict) -> Segment:
    """Saves an admin's thresholds for a built-in segment: whole numbers ≥ 0, known keys only.

    Raises InvalidSegment with per-key messages. The next recompute (nightly, or now from the
    screen) applies them."""
    rule = RULES_BY_CODE.get(segment.code)
    if rule is None or segment.kind != Segment.Kind.BUILTIN:
        raise Conflict(_("Phân khúc này không có ngưỡng để chỉnh."))
    clean, errors = dict(segment.thresholds or {}), {}
    for key in rule.defaults:
        if key not in thresholds:
            continue
        try:
            value = int(str(thresholds[key]).replace(".", "").strip())
        except (TypeError, ValueError):
            errors[key] = [_("Phải là số nguyên.")]
            continue
        if value < 0:
            errors[key] = [_("Không được âm.")]
            continue
        clean[key] = value
    if errors:
        raise InvalidSegment(_("Ngưỡng không hợp lệ."), fields=errors)
    return customer_services.segment_upsert(
        code=segment.code,
        name=segment.name,
        kind=segment.kind,
        description=segment.description,
        definition=segment.definition,
        thresholds=clean,
    )


# --- segment actions ---------------------------------------------------------------------------


class InvalidCampaign(DomainError):
    code = "invalid_message_campaign"
    status_code = 400


def segment_message_campaign_start(*, segment: Segment, channel: str, body: str, user=None) -> SegmentMessageCampaign:
    """Queues a marketing message to the segment's current members; the task sends it in
    throttled batches, each through `message_send` (which checks consent). Raises InvalidCampaign."""
    from customers.selectors import segment_members

    fields = {}
    if channel not in SegmentMessageCampaign.Channel.values:
        fields["channel"] = [_("Chọn kênh SMS, Zalo ZNS hoặc email.")]
    body = (body or "").strip()
    if not body:
        fields["body"] = [_("Hãy nhập nội dung tin nhắn.")]
    elif len(body) > 1000:
        fields["body"] = [_("Nội dung tối đa 1000 ký tự.")]
    if fields:
        raise InvalidCampaign(_("Chiến dịch tin nhắn chưa hợp lệ."), fields=fields)
    with transaction.atomic():
        campaign = SegmentMessageCampaign.objects.create(
            segment=segment,
            channel=channel,
            body=body,
            total=segment_members(segment).count(),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        from .tasks import segment_message_campaign_batch

        enqueue_after_commit(segment_message_campaign_batch, campaign.pk)
    return campaign


def segment_message_campaign_run_batch(*, campaign_id: int) -> tuple[SegmentMessageCampaign | None, bool]:
    """Sends the next batch (customers after the cursor, in id order). Answers (campaign, more).

    Safe to run twice: the cursor moves under a row lock and every message carries the key
    `segment-campaign-<id>-<customer>`, so message_send answers a repeat with the first row."""
    from customers.selectors import segment_members

    with transaction.atomic():
        campaign = SegmentMessageCampaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None or campaign.status in (
            SegmentMessageCampaign.Status.DONE,
            SegmentMessageCampaign.Status.CANCELLED,
        ):
            return campaign, False
        batch = list(
            segment_members(campaign.segment).filter(pk__gt=campaign.cursor).order_by("pk")[: conf.message_batch_size()]
        )
        sent = skipped = failed = 0
        last_error = ""
        for customer in batch:
            if not customer_services.customer_can_contact(customer, campaign.channel, "marketing"):
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    customer_services.message_send(
                        customer=customer,
                        channel=campaign.channel,
                        purpose="marketing",
                        body=campaign.body,
                        idempotency_key=f"segment-campaign-{campaign.pk}-{customer.pk}",
                        ref_type="segment_campaign",
                        ref_id=str(campaign.pk),
                    )
                sent += 1
            except customer_services.ConsentRequired:
                skipped += 1
            except DomainError as exc:  # no address, invalid: counted and shown, the run goes on
                failed += 1
                last_error = exc.message
        more = len(batch) == conf.message_batch_size()
        SegmentMessageCampaign.objects.filter(pk=campaign.pk).update(
            cursor=batch[-1].pk if batch else campaign.cursor,
            sent=F("sent") + sent,
            skipped_no_consent=F("skipped_no_consent") + skipped,
            failed=F("failed") + failed,
            last_error=last_error or campaign.last_error,
            status=SegmentMessageCampaign.Status.RUNNING if more else SegmentMessageCampaign.Status.DONE,
            finished_at=None if more else timezone.now(),
        )
    campaign.refresh_from_db()
    return campaign, more


def segment_message_campaign_cancel(*, campaign: SegmentMessageCampaign) -> SegmentMessageCampaign:
    """Stops a campaign that has not finished; messages already queued still go out."""
    updated = SegmentMessageCampaign.objects.filter(
        pk=campaign.pk, status__in=[SegmentMessageCampaign.Status.PENDING, SegmentMessageCampaign.Status.RUNNING]
    ).update(status=SegmentMessageCampaign.Status.CANCELLED, finished_at=timezone.now())
    if not updated:
        raise Conflict(_("Chiến dịch đã kết thúc, không thể dừng."))
    campaign.refresh_from_db()
    return campaign


def segment_vouchers_issue(
    *,
    segment: Segment,
    discount_type: str,
    discount_value: int,
    valid_days: int = 30,
    min_basket: int = 0,
    max_discount: int | None = None,
    message_channel: str = "",
    message_body: str = "",
    campaign=None,
    user=None,
):
    """One personal store voucher for each current member, through promotions' batch job
    (which issues them in chunks with progress and, if asked, messages each customer)."""
    from promotions import services as promotion_services

    if not Segment.objects.filter(pk=segment.pk).exists():
        raise NotFound(_("Không tìm thấy phân khúc."))
    template = {
        "discount_type": discount_type,
        "discount_value": int(discount_value),
        "min_basket": int(min_basket or 0),
        "valid_days": int(valid_days),
        "store_only": True,
    }
    if max_discount:
        template["max_discount"] = int(max_discount)
    return promotion_services.voucher_batch_create(
        template=template,
        created_by=user,
        campaign=campaign,
        segment_code=segment.code,
        message_channel=message_channel,
        message_body=message_body,
    )
