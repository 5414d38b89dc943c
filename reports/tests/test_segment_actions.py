"""Segment actions and custom segments: consented export, message campaign, vouchers, custom
conditions with preview, sizes over time, RFM and lead scores."""

import datetime as dt

import pytest
from django.urls import reverse

from customers import services as customer_services
from customers.models import Message, Segment
from customers.selectors import segment_members
from reports import selectors, services
from reports.custom_segments import InvalidDefinition
from reports.forms import DateRange
from reports.models import CustomerScore, SegmentMessageCampaign

from . import factories as f

pytestmark = pytest.mark.django_db


def grant(cust, channel="sms", purpose="marketing"):
    customer_services.consent_record(
        customer=cust, channel=channel, purpose=purpose, granted=True, source="web", evidence="form-1"
    )


def withdraw(cust, channel="sms", purpose="marketing"):
    customer_services.consent_record(customer=cust, channel=channel, purpose=purpose, granted=False, source="web")


@pytest.fixture
def prospects_segment(now):
    """Four prospects: consented, never asked, withdrew, consented only to service messages."""
    people = {
        "consented": f.customer("Đồng Ý", phone="0901000001"),
        "silent": f.customer("Im Lặng", phone="0901000002"),
        "withdrew": f.customer("Rút Lại", phone="0901000003"),
        "service_only": f.customer("Chỉ Dịch Vụ", phone="0901000004"),
    }
    grant(people["consented"])
    grant(people["withdrew"])
    withdraw(people["withdrew"])
    grant(people["service_only"], purpose="service")
    services.segments_recompute(at=now)
    return Segment.objects.get(code="prospects"), people


def test_the_export_holds_only_consented_contacts(client, marketer, prospects_segment):
    # given
    segment, people = prospects_segment
    client.force_login(marketer)
    # when
    response = client.get(reverse("reports:segment-export", args=[segment.pk]) + "?channel=sms")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    # then
    assert response.status_code == 200
    lines = body.strip().splitlines()
    assert len(lines) == 2  # header + the one consented customer
    assert "+84901000001" in lines[1] and str(people["consented"].pk) in lines[1]
    assert "+84901000002" not in body and "+84901000003" not in body and "+84901000004" not in body


def test_the_export_leaves_out_erased_customers(client, marketer, prospects_segment):
    segment, people = prospects_segment
    customer_services.customer_erase(customer=people["consented"], reason="yêu cầu xoá")
    client.force_login(marketer)
    response = client.get(reverse("reports:segment-export", args=[segment.pk]) + "?channel=sms")
    assert len(b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()) == 1


def test_a_message_campaign_sends_only_to_consented_members_in_batches(
    prospects_segment, settings, django_capture_on_commit_callbacks
):
    # given
    segment, people = prospects_segment
    settings.REPORTS_MESSAGE_BATCH_SIZE = 2
    # when
    with django_capture_on_commit_callbacks(execute=True):
        campaign = services.segment_message_campaign_start(segment=segment, channel="sms", body="Ưu đãi tháng 6")
    campaign.refresh_from_db()
    while campaign.status != SegmentMessageCampaign.Status.DONE:
        campaign, _more = services.segment_message_campaign_run_batch(campaign_id=campaign.pk)
    # then
    sent_to = set(Message.objects.filter(ref_type="segment_campaign").values_list("customer_id", flat=True))
    assert sent_to == {people["consented"].pk}
    assert (campaign.total, campaign.sent, campaign.skipped_no_consent) == (4, 1, 3)
    assert campaign.progress_percent == 100


def test_a_message_campaign_run_twice_sends_once(prospects_segment):
    segment, _people = prospects_segment
    campaign = services.segment_message_campaign_start(segment=segment, channel="sms", body="Ưu đãi")
    services.segment_message_campaign_run_batch(campaign_id=campaign.pk)
    SegmentMessageCampaign.objects.filter(pk=campaign.pk).update(status="running", cursor=0)
    services.segment_message_campaign_run_batch(campaign_id=campaign.pk)
    assert Message.objects.filter(ref_type="segment_campaign", ref_id=str(campaign.pk)).count() == 1


def test_a_message_campaign_needs_a_body_and_a_channel(prospects_segment):
    segment, _people = prospects_segment
    with pytest.raises(services.InvalidCampaign) as exc:
        services.segment_message_campaign_start(segment=segment, channel="fax", body=" ")
    assert set(exc.value.fields) == {"channel", "body"}


def test_vouchers_are_queued_for_the_segment(client, marketer, prospects_segment):
    from promotions.models import VoucherBatch

    segment, _people = prospects_segment
    client.force_login(marketer)
    response = client.post(
        reverse("reports:segment-vouchers", args=[segment.pk]),
        {"discount_type": "fixed", "discount_value": 50000, "valid_days": 30, "min_basket": 0},
    )
    assert response.status_code == 302
    assert VoucherBatch.objects.filter(segment_code="prospects").exists()


def test_a_custom_segment_is_previewed_then_saved(now):
    # given
    big, small = f.customer(), f.customer()
    for d in (10, 20, 30):
        f.purchase(big, amount=1_000_000, when=f.at(d, now=now))
    f.purchase(small, amount=100_000, when=f.at(5, now=now))
    definition = {
        "match": "all",
        "conditions": [
            {"field": "order_count", "op": "gte", "value": "3"},
            {"field": "lifetime_value", "op": "gte", "value": "3.000.000"},
        ],
    }
    # when
    count = services.custom_segment_preview(definition=definition)
    segment, (joined, _left) = services.custom_segment_save(name="Khách VIP", definition=definition)
    # then
    assert count == 1 and joined == 1
    assert set(segment_members(segment).values_list("pk", flat=True)) == {big.pk}
    assert segment.kind == Segment.Kind.CUSTOM and segment.definition["conditions"][1]["value"] == 3_000_000


def test_a_custom_segment_with_any_and_days_since_last_purchase(now):
    lapsed, fresh, hanoi = f.customer(), f.customer(), f.customer()
    f.purchase(lapsed, amount=100_000, when=dt.datetime.now(tz=now.tzinfo) - dt.timedelta(days=90))
    f.purchase(fresh, amount=100_000, when=dt.datetime.now(tz=now.tzinfo) - dt.timedelta(days=5))
    customer_services.customer_update(customer=hanoi, city="Hà Nội")
    definition = {
        "match": "any",
        "conditions": [
            {"field": "days_since_last_purchase", "op": "gte", "value": 60},
            {"field": "city", "op": "eq", "value": "hà nội"},
        ],
    }
    segment, _counts = services.custom_segment_save(name="Xa hoặc Hà Nội", definition=definition)
    assert set(segment_members(segment).values_list("pk", flat=True)) == {lapsed.pk, hanoi.pk}


@pytest.mark.parametrize(
    "definition, bad_key",
    [
        ({"match": "all", "conditions": []}, "conditions"),
        ({"match": "all", "conditions": [{"field": "password", "op": "eq", "value": "x"}]}, "conditions.0.field"),
        ({"match": "all", "conditions": [{"field": "order_count", "op": "contains", "value": "1"}]}, "conditions.0.op"),
        (
            {"match": "all", "conditions": [{"field": "order_count", "op": "gte", "value": "nhiều"}]},
            "conditions.0.value",
        ),
        ({"match": "all", "conditions": [{"field": "lifecycle", "op": "eq", "value": "vip"}]}, "conditions.0.value"),
        ({"match": "maybe", "conditions": [{"field": "order_count", "op": "gte", "value": 1}]}, "match"),
    ],
)
def test_bad_conditions_are_refused_with_the_faulty_field(definition, bad_key):
    with pytest.raises(InvalidDefinition) as exc:
        services.custom_segment_preview(definition=definition)
    assert bad_key in exc.value.fields


def test_the_builder_screen_previews_a_count_then_saves(client, marketer, now):
    f.purchase(f.customer(), amount=100_000, when=f.at(5, now=now))
    client.force_login(marketer)
    data = {"name": "Đã mua", "match": "all", "cond-0-field": "order_count", "cond-0-op": "gte", "cond-0-value": "1"}
    preview = client.post(reverse("reports:segment-new"), {**data, "preview": "1"})
    assert preview.status_code == 200 and preview.context["preview"] == 1
    saved = client.post(reverse("reports:segment-new"), {**data, "save": "1"})
    assert saved.status_code == 302
    bad = client.post(reverse("reports:segment-new"), {**data, "cond-0-value": "abc", "save": "1"})
    assert bad.status_code == 200 and "Giá trị phải là số nguyên." in bad.content.decode()


def test_segment_sizes_over_time_follow_the_membership_history(now):
    # given: a buyer joins first-time buyers, then leaves when buying again
    cust = f.customer()
    day1 = now - dt.timedelta(days=3)
    f.purchase(cust, amount=100_000, when=day1 - dt.timedelta(hours=1))
    services.segments_recompute(at=day1, codes=["first_time_buyers"])
    f.purchase(cust, amount=100_000, when=now - dt.timedelta(days=1, hours=1))
    services.segments_recompute(at=now - dt.timedelta(days=1), codes=["first_time_buyers"])
    segment = Segment.objects.get(code="first_time_buyers")
    # when
    sizes = selectors.segment_sizes_over_time(
        date_range=DateRange(start=(now - dt.timedelta(days=4)).date(), end=now.date()), segment_ids=[segment.pk]
    )
    # then: days -4 … 0
    assert sizes[segment.pk] == [0, 1, 1, 0, 0]


def test_rfm_scores_are_quintiles_and_ties_share_a_score(now):
    # given: five buyers with 1..5 orders; a prospect with activity
    buyers = []
    for n in range(1, 6):
        c = f.customer()
        for i in range(n):
            f.purchase(c, amount=100_000 * n, when=f.at(60 - n * 10 + i, now=now))
        buyers.append(c)
    twin = f.customer()
    for i in range(5):
        f.purchase(twin, amount=500_000, when=f.at(10 + i, now=now))
    prospect = f.customer()
    f.activity(prospect, "cart_add", when=now - dt.timedelta(days=1))
    f.activity(prospect, "inquiry", when=now - dt.timedelta(days=30))
    # when
    services.scores_recompute(at=now)
    scores = {s.customer_id: s for s in CustomerScore.objects.all()}
    # then
    assert [scores[c.pk].frequency_score for c in buyers] == [1, 2, 3, 4, 5]
    assert scores[buyers[0].pk].frequency_score == 1
    assert scores[buyers[-1].pk].frequency_score == scores[twin.pk].frequency_score == 5
    assert scores[prospect.pk].rfm == "000"
    # lead score: cart_add 5 × ~1 + inquiry 8 × 0.5^(30/14) ≈ 5 + 1.8 → 7
    assert scores[prospect.pk].lead_score == 7
    assert all(scores[c.pk].lead_score == 0 for c in buyers)


def test_a_customers_scores_are_exported_and_erased_with_them(now):
    cust = f.customer()
    f.activity(cust, "inquiry", when=dt.datetime.now(tz=now.tzinfo))
    services.scores_recompute()
    assert customer_services.customer_export(customer=cust)["reports_scores"]["lead_score"] == 8
    customer_services.customer_erase(customer=cust, reason="yêu cầu xoá")
    assert not CustomerScore.objects.filter(customer_id=cust.pk).exists()


def test_a_broken_custom_definition_does_not_stop_the_nightly_recompute(now):
    customer_services.segment_upsert(
        code="custom-broken", name="Hỏng", kind="custom", definition={"match": "all", "conditions": [{"field": "x"}]}
    )
    buyer = f.customer()
    f.purchase(buyer, amount=100_000, when=f.at(1, now=now))
    result = services.segments_recompute(at=now)
    assert "custom-broken" not in result
    assert buyer.pk in set(segment_members(Segment.objects.get(code="first_time_buyers")).values_list("pk", flat=True))


def test_the_builder_preview_answers_a_fragment_to_htmx(client, marketer, now):
    f.purchase(f.customer(), amount=100_000, when=f.at(5, now=now))
    client.force_login(marketer)
    data = {"name": "", "match": "all", "cond-0-field": "order_count", "cond-0-op": "gte", "cond-0-value": "1"}
    response = client.post(reverse("reports:segment-new"), {**data, "preview": "1"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "1 khách hàng khớp" in body
    bad = client.post(
        reverse("reports:segment-new"), {**data, "cond-0-value": "x", "preview": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "Điều kiện 1:" in bad.content.decode()
