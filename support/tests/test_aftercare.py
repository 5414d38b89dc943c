"""The 5-star after-care loop end to end, against local fake SMS and Zalo ZNS servers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from support import selectors, services
from support.models import Ticket, TicketEvent

ZNS_REFUSED = (200, {"error": -124, "message": "Số điện thoại không dùng Zalo"})


def _messages(ticket):
    from customers.selectors import messages_for_ref

    return sorted(messages_for_ref("support.ticket", ticket.pk), key=lambda m: m.pk)


def _care_members():
    from customers.selectors import segment_members

    return set(segment_members(services.care_segment()).values_list("pk", flat=True))


def test_the_whole_loop_with_zns_failing_over_to_sms(
    gateways, ticket, agent, customer, grant, client, django_capture_on_commit_callbacks
):
    sms, zns = gateways["sms"], gateways["zns"]
    grant(customer)  # marketing SMS consent, given explicitly
    zns.script = [ZNS_REFUSED]
    # 1. resolving queues "your request #… has been resolved" by ZNS; ZNS refuses, SMS carries it
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=ticket, actor=agent)
    assert len(zns.requests) == 1
    assert zns.requests[0]["body"]["template_id"] == "ticket_resolved"
    assert zns.requests[0]["body"]["phone"] == "84912345678"
    assert len(sms.requests) == 1
    assert f"#{ticket.number}" in sms.requests[0]["body"]["text"]
    assert "đã được giải quyết" in sms.requests[0]["body"]["text"]
    assert [(m.channel, m.status) for m in _messages(ticket)] == [("zns", "failed"), ("sms", "sent")]
    # the failure is visible on the ticket page, not silently lost
    client.force_login(agent)
    page = client.get(reverse("support:ticket", args=[ticket.pk])).content.decode()
    assert "Zalo" in page and "-124" in page
    # 2. customer care logs the follow-up call
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_followup(ticket=ticket, agent=agent, outcome="callback", notes="Khách bận, gọi lại sau")
    # 3. the customer taps the signed link in the message and confirms, with 5 stars
    link = sms.requests[0]["body"]["text"].split("tại: ")[1].strip()
    path = link.replace("http://127.0.0.1:8000", "")
    client.logout()
    assert client.get(path).status_code == 200  # GET only asks; it does not confirm
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path, {"satisfaction": "5"})
    assert "Cảm ơn" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CONFIRMED
    assert ticket.satisfaction == 5
    assert customer.pk in _care_members()
    # a personal store-only voucher, its code sent by SMS
    from promotions.selectors import voucher_find_by_code

    voucher = voucher_find_by_code(ticket.care_voucher_code)
    assert voucher.customer_id == customer.pk and voucher.store_only
    assert len(sms.requests) == 2
    assert voucher.code in sms.requests[1]["body"]["text"]
    # every step is on the ticket's history and the customer's timeline
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    for kind in ("created", "status", "message", "call", "confirmation", "care"):
        assert kind in kinds
    from customers.selectors import customer_timeline

    timeline_kinds = {a.kind for a in customer_timeline(customer, page_size=100).items}
    assert {"ticket", "message", "call"} <= timeline_kinds
    # 4. satisfaction by department
    assert selectors.satisfaction_by_department() == [{"department": "Bảo hành", "average": 5.0, "answers": 1}]
    # tapping the link again changes nothing and sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path, {"satisfaction": "5"})
    assert len(sms.requests) == 2


def test_a_transient_sms_failure_is_retried_and_never_sent_twice(
    gateways, settings, ticket, agent, django_capture_on_commit_callbacks
):
    from customers.services import messages_retry_due

    settings.SUPPORT_RESOLVED_CHANNEL = "sms"
    sms = gateways["sms"]
    sms.script = [(503, {"error": "busy"})]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=ticket, actor=agent)
    (message,) = _messages(ticket)
    assert message.status == "pending" and message.attempts == 1
    # the periodic retry runs, then runs again
    # (an hour later: a message is never sent again before its next attempt time)
    with freeze_time(timezone.now() + timedelta(hours=1)):
        messages_retry_due()
        messages_retry_due()
    message.refresh_from_db()
    assert message.status == "sent"
    assert len(sms.requests) == 2  # one refused, one delivered — never a second delivery
    assert sms.requests[0]["body"]["client_ref"] == sms.requests[1]["body"]["client_ref"]


def test_a_message_that_finally_fails_is_visible_on_the_ticket(
    gateways, settings, ticket, agent, client, django_capture_on_commit_callbacks
):
    settings.SUPPORT_RESOLVED_CHANNEL = "sms"
    gateways["sms"].default = (400, {"error": "số không nhận tin"})
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=ticket, actor=agent)
    assert [m.status for m in _messages(ticket)] == ["failed"]
    client.force_login(agent)
    page = client.get(reverse("support:ticket", args=[ticket.pk])).content.decode()
    assert "số không nhận tin" in page


def test_no_voucher_message_without_marketing_consent(
    gateways, ticket, agent, customer, client, django_capture_on_commit_callbacks
):
    # given: resolved, the customer never gave marketing consent
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(ticket=ticket, actor=agent)
    sent_before = len(gateways["sms"].requests) + len(gateways["zns"].requests)
    client.force_login(agent)
    # when: the agent records the confirmation
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("support:ticket-action", args=[ticket.pk, "confirm"]), {"satisfaction": "4"}, follow=True
        )
    # then: confirmed and in the care audience, but no voucher and no marketing message
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CONFIRMED
    assert ticket.care_voucher_code == ""
    assert customer.pk in _care_members()
    assert len(gateways["sms"].requests) + len(gateways["zns"].requests) == sent_before
    assert not [m for m in _messages(ticket) if m.purpose == "marketing"]
    html = response.content.decode()
    assert "chưa đồng ý nhận tin tiếp thị" in html
    assert TicketEvent.objects.filter(ticket=ticket, kind="care", data__reason="no_consent").exists()


def test_followup_call_confirming_issues_the_voucher_once(
    gateways, ticket, agent, customer, grant, django_capture_on_commit_callbacks
):
    grant(customer)
    services.ticket_resolve(ticket=ticket, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.call_log_followup(ticket=ticket, agent=agent, outcome="confirmed", satisfaction=4)
        services.ticket_confirm(ticket=ticket, actor=agent)  # a second click
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CONFIRMED and ticket.satisfaction == 4
    from promotions.selectors import vouchers_usable_for_customer

    assert [v.code for v in vouchers_usable_for_customer(customer)] == [ticket.care_voucher_code]
    assert sum(ticket.care_voucher_code in r["body"]["text"] for r in gateways["sms"].requests) == 1


def test_confirming_an_unresolved_ticket_is_refused(ticket, agent, api_as):
    response = api_as(agent).post(f"/api/v1/support/tickets/{ticket.pk}/confirm/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_not_resolved_followup_reopens_the_ticket(ticket, agent):
    services.ticket_resolve(ticket=ticket, actor=agent)
    services.call_log_followup(ticket=ticket, agent=agent, outcome="not_resolved", notes="Máy vẫn lỗi")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REOPENED


def test_a_forged_confirmation_link_is_refused(client, ticket):
    response = client.get(reverse("support:confirm", args=[f"{ticket.pk}:forged"]))
    assert response.status_code == 404
    assert "không hợp lệ" in response.content.decode()


@pytest.mark.parametrize("score", ["0", "6", "abc"])
def test_satisfaction_outside_one_to_five_is_refused(ticket, agent, api_as, score):
    services.ticket_resolve(ticket=ticket, actor=agent)
    response = api_as(agent).post(
        f"/api/v1/support/tickets/{ticket.pk}/confirm/", {"satisfaction": score}, format="json"
    )
    assert response.status_code == 400
    assert "satisfaction" in response.json()["error"]["fields"]
