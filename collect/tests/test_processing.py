"""From raw events to the timeline: mapping, UTM and ad clicks, stitching, consent."""

import datetime as dt

import pytest
from django.utils import timezone

from collect.models import Identity, IdentityConflict, RawEvent
from collect.testing import event, make_campaign, make_source
from customers.models import Activity, ContactPoint, Customer


def identify(anon="anon-1", phone="0912345678", user="", **fields):
    return event("identify", anon=anon, user=user, traits={"phone": phone, "name": "Nguyễn Văn An"}, **fields)


def customer_of(phone="+84912345678"):
    return ContactPoint.objects.get(kind="phone", value=phone).customer


def rows(customer, kind=None):
    qs = Activity.objects.filter(customer=customer, ref_type="collect").order_by("occurred_at", "pk")
    return list(qs.filter(kind=kind) if kind else qs)


@pytest.mark.django_db
def test_segment_ecommerce_names_map_to_timeline_kinds_and_unknown_names_keep_theirs(post, key):
    names = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Lead Submitted"]
    names += ["Form Submitted", "Video Played"]
    events = [identify()] + [
        event("track", event=name, properties={"revenue": 250000, "order_id": "W-1"}) for name in names
    ]
    events.append(event("page", name="Khuyến mãi"))
    post(key, events)
    by_kind = {a.kind: a for a in rows(customer_of())}
    assert sorted(by_kind) == ["cart_add", "checkout", "lead", "order", "other", "product_view", "web_visit"]
    assert by_kind["other"].summary.startswith("Video Played")
    assert by_kind["other"].data["event"] == "Video Played"
    assert by_kind["order"].amount == 250000
    assert len(rows(customer_of(), "lead")) == 2


@pytest.mark.django_db
def test_utm_from_context_campaign_and_an_ad_click_for_the_matching_campaign(post, key):
    campaign = make_campaign("tet-2027")
    context = {"campaign": {"name": "tet-2027", "source": "google", "medium": "cpc"}}
    post(key, [identify(), event("page", name="Landing", context=context)])
    visit = rows(customer_of(), "web_visit")[0]
    assert visit.utm == {"utm_campaign": "tet-2027", "utm_source": "google", "utm_medium": "cpc"}
    assert visit.campaign_id == campaign.pk
    click = rows(customer_of(), "ad_click")[0]
    assert click.campaign_id == campaign.pk and click.occurred_at == visit.occurred_at


@pytest.mark.django_db
def test_utm_and_click_ids_from_the_page_url_when_context_has_none(post, settings):
    _source, key = make_source("Landing", "landing", consent_default="all")
    campaign = make_campaign("sale-12", utm_source="facebook")
    url = "https://shop.vn/sale?utm_source=facebook&utm_medium=social&utm_campaign=sale-12&fbclid=FB.123&x=1"
    post(key, [identify(), event("page", context={"page": {"url": url}})])
    click = rows(customer_of(), "ad_click")[0]
    assert click.utm["utm_campaign"] == "sale-12" and click.campaign_id == campaign.pk
    assert click.data["fbclid"] == "FB.123" and click.data["click_id"] == "FB.123"
    assert click.channel == "landing"


@pytest.mark.django_db
def test_a_click_id_alone_makes_an_ad_click(post):
    _source, key = make_source("Landing", "landing", consent_default="all")
    for name in ("gclid", "gbraid", "wbraid", "ttclid"):
        post(key, [identify(), event("page", context={"page": {"url": f"https://shop.vn/?{name}=ID-{name}"}})])
    clicks = rows(customer_of(), "ad_click")
    assert sorted(c.data["click_id"] for c in clicks) == ["ID-gbraid", "ID-gclid", "ID-ttclid", "ID-wbraid"]


@pytest.mark.django_db
def test_anonymous_events_wait_and_move_to_the_customer_when_identified(post, key):
    # given a week of anonymous browsing from one device, with an ad click at the start
    week_ago = timezone.now() - dt.timedelta(days=7)
    url = "https://shop.vn/?utm_source=google&utm_campaign=tet-2027&gclid=G-1"
    make_campaign("tet-2027")
    post(key, [event("page", anon="dev-9", at=week_ago, context={"page": {"url": url}})])
    post(key, [event("track", event="Product Viewed", anon="dev-9", at=week_ago + dt.timedelta(days=3))])
    assert not Activity.objects.filter(ref_type="collect").exists()
    assert RawEvent.objects.filter(state="waiting").count() == 2
    # when the visitor leaves a phone number
    post(key, [identify(anon="dev-9")])
    # then the earlier events are on the customer's timeline, at their own time
    customer = customer_of()
    kinds = [(a.kind, a.occurred_at.date()) for a in rows(customer)]
    assert ("web_visit", week_ago.date()) in kinds and ("ad_click", week_ago.date()) in kinds
    assert ("product_view", (week_ago + dt.timedelta(days=3)).date()) in kinds
    assert not RawEvent.objects.filter(state="waiting").exists()
    # and later events of that device go straight to the customer
    post(key, [event("track", event="Product Added", anon="dev-9")])
    assert len(rows(customer, "cart_add")) == 1


@pytest.mark.django_db
def test_context_traits_on_any_event_stitch_too(post, key):
    post(key, [event("track", event="Product Viewed", anon="dev-2")])
    post(key, [event("track", event="Lead Submitted", anon="dev-2", context={"traits": {"email": "Lan@Shop.VN"}})])
    customer = ContactPoint.objects.get(kind="email", value="lan@shop.vn").customer
    assert [a.kind for a in rows(customer)] == ["product_view", "lead"]


@pytest.mark.django_db
def test_a_user_id_once_identified_finds_its_person_without_traits(post, key):
    post(key, [event("track", event="Product Viewed", anon="", user="u-42")])
    post(key, [identify(anon="phone-app", user="u-42")])
    post(key, [event("track", event="Product Added", anon="other-device", user="u-42")])
    customer = customer_of()
    assert [a.kind for a in rows(customer)] == ["product_view", "cart_add"]
    # the new device is now tied to the person too
    assert Identity.objects.get(kind="anonymous", value="other-device").customer == customer


@pytest.mark.django_db
def test_alias_ties_a_previous_id_to_the_user(post, key):
    post(key, [identify(anon="", user="u-7")])
    post(key, [event("track", event="Product Viewed", anon="", user="guest-7")])
    post(key, [{"type": "alias", "previousId": "guest-7", "userId": "u-7", "messageId": "al-1"}])
    assert [a.kind for a in rows(customer_of())] == ["product_view"]


@pytest.mark.django_db
def test_one_anonymous_id_never_stitches_to_two_people(post, key):
    post(key, [identify(anon="shared-tablet", phone="0912345678")])
    post(key, [identify(anon="shared-tablet", phone="0987654321")])
    first, second = customer_of("+84912345678"), customer_of("+84987654321")
    assert first != second
    assert Identity.objects.get(kind="anonymous", value="shared-tablet").customer == first
    conflict = IdentityConflict.objects.get()
    assert conflict.other_customer == second
    # an event carrying the second person's traits goes to the second person, not guessed
    post(
        key, [event("track", event="Product Added", anon="shared-tablet", context={"traits": {"phone": "0987654321"}})]
    )
    assert len(rows(second, "cart_add")) == 1 and not rows(first, "cart_add")


@pytest.mark.django_db
def test_no_analytics_consent_records_nothing(post, key):
    consent = {"consent": {"categoryPreferences": {"Analytics": False, "Advertising": False}}}
    post(key, [identify(), event("track", event="Product Viewed", context=consent)])
    assert not Activity.objects.filter(kind="product_view").exists()
    skipped = RawEvent.objects.get(state="skipped")
    assert skipped.payload == {}


@pytest.mark.django_db
def test_without_marketing_consent_no_click_id_is_kept(post, key):
    # the default source records analytics only
    url = "https://shop.vn/?utm_campaign=tet-2027&gclid=G-9"
    post(key, [identify(), event("page", context={"page": {"url": url}})])
    click = rows(customer_of(), "ad_click")[0]
    assert "gclid" not in click.data and click.data["marketing_consent"] is False
    # with Advertising consent on the event it is kept
    consent = {"page": {"url": url}, "consent": {"categoryPreferences": {"Analytics": True, "Advertising": True}}}
    post(key, [event("page", context=consent)])
    kept = [a for a in rows(customer_of(), "ad_click") if a.data.get("gclid")]
    assert kept and kept[0].data["marketing_consent"] is True


@pytest.mark.django_db
def test_a_source_set_to_none_records_only_events_with_consent(post):
    _source, key = make_source("Strict", "website", consent_default="none")
    post(key, [identify(), event("track", event="Product Viewed")])
    assert not Activity.objects.filter(kind="product_view").exists()


@pytest.mark.django_db
def test_timeline_api_shows_kind_channel_and_utm(post, key, api_as, manager):
    post(key, [identify(), event("page", context={"campaign": {"name": "tet-2027", "source": "zalo"}})])
    customer = customer_of()
    body = api_as(manager).get(f"/api/v1/customers/{customer.pk}/timeline/").json()
    kinds = {r["kind"]: r for r in body["results"]}
    assert {"web_visit", "ad_click"} <= set(kinds)
    assert kinds["web_visit"]["channel"] == "website"
    assert kinds["web_visit"]["utm"]["utm_campaign"] == "tet-2027"


@pytest.mark.django_db
def test_processing_twice_adds_nothing(post, key):
    from collect.services import events_process

    post(key, [identify(), event("track", event="Product Viewed")])
    RawEvent.objects.update(state="pending")
    events_process()
    assert Activity.objects.filter(kind="product_view").count() == 1


@pytest.mark.django_db
def test_a_merged_customer_gets_the_events_on_the_survivor(post, key):
    from customers.services import customer_merge

    post(key, [identify(anon="dev-m", phone="0912345678")])
    duplicate = customer_of()
    survivor = Customer.objects.create(full_name="An")
    customer_merge(survivor=survivor, duplicate=duplicate)
    post(key, [event("track", event="Product Viewed", anon="dev-m")])
    assert Activity.objects.get(kind="product_view").customer == survivor


@pytest.mark.django_db
def test_one_landing_is_one_ad_click_and_later_pages_carry_the_kept_codes_only(post):
    _source, key = make_source("Landing", "landing", consent_default="all")
    landing = {"page": {"url": "https://shop.vn/?utm_campaign=tet-2027&gclid=G-1"}}
    later = {"page": {"url": "https://shop.vn/gio-hang"}, "campaign": {"name": "tet-2027"}}
    post(key, [identify(), event("page", context=landing), event("track", event="Product Viewed", context=landing)])
    post(key, [event("page", context=later)])
    customer = customer_of()
    assert len(rows(customer, "ad_click")) == 1
    assert [a.utm.get("utm_campaign") for a in rows(customer, "web_visit")] == ["tet-2027", "tet-2027"]
