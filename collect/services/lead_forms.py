"""Hosted lead forms ("click to lead"): a visitor leaves a name and phone on `/f/<slug>/`.

A submission resolves the customer, records the lead (and the ad click it came from, with its
UTM codes and click id) on the timeline, records marketing consent only when the visitor ticked
the box (with the exact text version shown), and tells the chosen store after commit.
Bot resistance (honeypot, time check, rate limit) is checked here too, before anything is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ConsentText
from customers.services import consent_record, customer_resolve, record_activity
from o2o_site.api import DomainError
from o2o_site.outbox import enqueue_after_commit

from .. import conf
from ..mapping import CLICK_IDS, UTM_KEYS
from ..models import LeadForm, LeadSubmission

logger = logging.getLogger(__name__)

_SALT = "collect.lead_form"


class FormRefused(DomainError):
    code = "form_refused"
    status_code = 400


def form_token_make() -> str:
    """A signed 'shown at' stamp put in the form: the time check reads it back."""
    return signing.TimestampSigner(salt=_SALT).sign(str(timezone.now().timestamp()))


def _form_age_seconds(token: str) -> float | None:
    try:
        shown = float(signing.TimestampSigner(salt=_SALT).unsign(token, max_age=86400))
    except (signing.BadSignature, ValueError):
        return None
    return timezone.now().timestamp() - shown


@dataclass(frozen=True)
class LeadInput:
    full_name: str
    phone: str
    store_code: str = ""
    interest: str = ""
    marketing_consent: bool = False
    consent_text_id: int | None = None
    params: dict | None = None  # the landing URL's query (UTM codes, click ids)


def lead_form_guard(*, token: str, honeypot: str, ip: str | None) -> None:
    """Refuses bots before any write: a filled honeypot, a form sent too fast or with a stale
    or forged stamp, or too many submissions from one IP. Raises FormRefused / DomainError 429."""
    if honeypot:
        raise FormRefused(_("Không gửi được biểu mẫu."), code="bot_suspected")
    age = _form_age_seconds(token)
    if age is None:
        raise FormRefused(_("Biểu mẫu đã hết hạn, vui lòng tải lại trang."), code="form_expired")
    if age < conf.lead_form_min_seconds():
        raise FormRefused(_("Bạn gửi nhanh quá, vui lòng thử lại sau vài giây."), code="too_fast")
    limit = conf.lead_form_per_hour_per_ip()
    if ip and limit:
        key = f"collect:form:{ip}:{timezone.now():%Y%m%d%H}"
        cache.add(key, 0, timeout=3700)
        try:
            used = cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=3700)
            used = 1
        if used > limit:
            raise DomainError(_("Bạn đã gửi nhiều lần, vui lòng thử lại sau."), code="rate_limited", status_code=429)


def lead_form_submit(*, form: LeadForm, lead: LeadInput, ip: str | None = None) -> LeadSubmission:
    """Records one submission. Raises InvalidIdentifier (a bad phone) or DomainError."""
    fields: dict[str, list[str]] = {}
    if not lead.full_name.strip():
        fields["full_name"] = [_("Vui lòng nhập họ tên.")]
    if lead.interest and lead.interest not in form.interest_choices:
        fields["interest"] = [_("Lựa chọn không hợp lệ.")]
    if fields:
        raise DomainError(_("Vui lòng kiểm tra lại thông tin."), code="invalid", status_code=400, fields=fields)
    params = lead.params or {}
    utm = {k: str(params[k])[:200] for k in UTM_KEYS if params.get(k)}
    clicks = {k: str(params[k])[:200] for k in CLICK_IDS if params.get(k)}
    text = ConsentText.objects.filter(pk=lead.consent_text_id).first() if lead.consent_text_id else None
    consented = bool(lead.marketing_consent and text)
    # An ad click id is for the ad platforms (marketing): kept only with marketing consent.
    if not consented:
        clicks = {}
    click_id = next(iter(clicks.values()), "")
    with transaction.atomic():
        customer = customer_resolve(
            full_name=lead.full_name, phone=lead.phone, source=f"form:{form.slug}"[:50]
        ).customer
        submission = LeadSubmission.objects.create(
            form=form,
            customer=customer,
            store_code=lead.store_code[:50],
            interest=lead.interest[:200],
            marketing_consent=consented,
            consent_version=text.version if consented else "",
            utm=utm,
            click_id=click_id,
            ip=ip,
        )
        now = submission.created_at
        summary = _("Đăng ký qua form %(title)s") % {"title": form.title}
        if lead.interest:
            summary += f": {lead.interest}"
        record_activity(
            customer=customer,
            kind="lead",
            occurred_at=now,
            channel="landing",
            store_code=submission.store_code,
            summary=summary,
            ref_type="lead_form",
            ref_id=str(submission.pk),
            campaign_id=form.campaign_id,
            utm=utm,
            data={"form": form.slug, "interest": lead.interest, **clicks},
        )
        if utm or any(params.get(k) for k in CLICK_IDS):
            # The ad brought them to the form: the click, keyed as the collector keys it, so
            # the snippet on the same page does not count it twice.
            record_activity(
                customer=customer,
                kind="ad_click",
                occurred_at=now,
                channel="landing",
                summary=utm.get("utm_campaign") or form.campaign.utm_campaign,
                ref_type="collect",
                ref_id=f"click:{click_id}" if click_id else f"form:{submission.pk}",
                campaign_id=form.campaign_id,
                utm=utm,
                data={**clicks, "click_id": click_id, "marketing_consent": submission.marketing_consent}
                if click_id
                else {"marketing_consent": submission.marketing_consent},
            )
        if submission.marketing_consent:
            evidence = f"lead form {form.slug} #{submission.pk}, IP {ip or '-'}"
            for channel in ("sms", "zns"):
                consent_record(
                    customer=customer,
                    channel=channel,
                    purpose="marketing",
                    granted=True,
                    source="lead_form",
                    text=text,
                    evidence=evidence,
                    occurred_at=now,
                )
        if form.notify_store and submission.store_code:
            from ..tasks import lead_notify_store_task

            enqueue_after_commit(lead_notify_store_task, submission.pk)
    return submission


def lead_notify_store(*, submission_id: int) -> bool:
    """Emails the chosen store's staff about a new lead, once: the submission's row lock is held
    while sending and the stamp is set in the same transaction, so a failed send is retried and
    a sent one is never sent again."""
    from channels.models import Store

    with transaction.atomic():
        submission = (
            LeadSubmission.objects.select_for_update(of=("self",))
            .select_related("form", "customer")
            .filter(pk=submission_id, store_notified_at__isnull=True)
            .first()
        )
        if submission is None:
            return False
        store = Store.objects.filter(code=submission.store_code).first()
        emails = sorted({u.email for u in store.staff.all() if u.email}) if store else []
        if not emails:
            logger.info("lead %s: store %s has no staff email", submission_id, submission.store_code)
            return False
        phone = submission.customer.contact_points.filter(kind="phone").values_list("value", flat=True).first() or ""
        body = _('Khách %(name)s (%(phone)s) vừa đăng ký qua form "%(form)s" và chọn cửa hàng %(store)s.') % {
            "name": submission.customer.full_name,
            "phone": phone,
            "form": submission.form.title,
            "store": store.name,
        }
        if submission.interest:
            body += "\n" + _("Quan tâm: %(interest)s") % {"interest": submission.interest}
        send_mail(_("Khách tiềm năng mới: %(name)s") % {"name": submission.customer.full_name}, body, None, emails)
        submission.store_notified_at = timezone.now()
        submission.save(update_fields=["store_notified_at"])
    return True
