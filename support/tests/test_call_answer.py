"""Answering a ringing call: the first answer wins, the second agent sees who took it; the screen
pop's facts and notes; the call in progress on the customer view."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from o2o_site.roles import Role
from support import services
from support.models import CallLog


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_answering_the_same_call_at_once_only_the_first_gets_it(make_user, customer):
    # given a call ringing for anyone, and two agents on their hotline screens
    lan = make_user(Role.AGENT, username="lan", first_name="Lan", last_name="Nguyễn")
    binh = make_user(Role.AGENT, username="binh", first_name="Bình", last_name="Trần")
    call, _ = services.call_ring(call_id="race-1", caller="0912345678")
    url = reverse("support:call-answer", args=[call.pk])
    barrier = threading.Barrier(2)
    answers = {}

    def answer(user):
        try:
            browser = Client()
            browser.force_login(user)
            barrier.wait()
            answers[user.username] = browser.post(url)
        finally:
            connection.close()

    # when both press "answer" at the same moment, on two database connections
    threads = [threading.Thread(target=answer, args=(u,)) for u in (lan, binh)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one has the call, and the other is told who has it
    codes = sorted(r.status_code for r in answers.values())
    assert codes == [302, 409]
    call.refresh_from_db()
    winner = next(name for name, r in answers.items() if r.status_code == 302)
    loser = next(name for name, r in answers.items() if r.status_code == 409)
    assert call.status == "answered" and call.agent.username == winner
    refused = answers[loser].content.decode()
    assert call.agent.get_full_name() in refused and "đã nhận cuộc gọi này" in refused


def test_answering_again_a_call_i_hold_is_harmless_and_a_taken_call_names_who_took_it(
    client, agent, make_user, customer
):
    other = make_user(Role.AGENT, username="other", first_name="Bình", last_name="Trần")
    call, _ = services.call_ring(call_id="twice-1", caller="0912345678")
    client.force_login(agent)
    assert client.post(reverse("support:call-answer", args=[call.pk])).status_code == 302
    assert client.post(reverse("support:call-answer", args=[call.pk])).status_code == 302
    client.force_login(other)
    refused = client.post(reverse("support:call-answer", args=[call.pk]))
    assert refused.status_code == 409
    assert "agent đã nhận cuộc gọi này" in refused.content.decode()
    call.refresh_from_db()
    assert call.agent == agent


def test_an_ended_call_cannot_be_answered(client, agent, customer):
    call, _ = services.call_ring(call_id="over-1", caller="0912345678")
    services.call_update(call=call, status="missed")
    client.force_login(agent)
    response = client.post(reverse("support:call-answer", args=[call.pk]))
    assert response.status_code == 409
    assert "đã kết thúc" in response.content.decode()


def test_the_cti_saying_answered_never_takes_the_call_from_the_agent(agent, customer):
    call, _ = services.call_ring(call_id="cti-ans", caller="0912345678")
    services.call_answer(call=call, agent=agent)
    services.call_update(call=call, status="answered")
    call.refresh_from_db()
    assert call.agent == agent and call.status == "answered"


@pytest.fixture
def known_caller(customer, category, shopee_order, agent):
    from customers.services import segment_sync_members, segment_upsert
    from promotions.services import voucher_issue

    vip = segment_upsert(code="loyal", name="Khách trung thành", kind="builtin")
    segment_sync_members(segment=vip, customer_ids=[customer.pk])
    services.ticket_create(customer=customer, category=category, subject="Máy không sạc được", created_by=agent)
    voucher = voucher_issue(customer=customer, discount_type="fixed", discount_value=50_000)
    return {"customer": customer, "order": shopee_order, "voucher": voucher}


def test_the_screen_pop_shows_tickets_last_order_segment_vip_and_a_voucher(client, agent, known_caller):
    # given
    services.call_ring(call_id="pop-1", caller="0912 345 678", agent="agent")
    client.force_login(agent)
    # when
    html = client.get(reverse("support:pop")).content.decode()
    # then
    assert "Nguyễn Văn An" in html and "0912 345 678" in html
    assert "Máy không sạc được" in html
    assert known_caller["order"].number in html and "Shopee" in html
    assert "Khách trung thành" in html and ">VIP<" in html
    assert known_caller["voucher"].code in html
    assert 'name="notes"' in html


def test_the_screen_pop_query_count_does_not_grow_with_the_callers_history(client, agent, known_caller, category):
    from .conftest import count_queries

    services.call_ring(call_id="pop-q", caller="0912345678", agent="agent")
    client.force_login(agent)
    client.get(reverse("support:pop"))
    few = count_queries(lambda: client.get(reverse("support:pop")))
    for i in range(15):
        services.ticket_create(customer=known_caller["customer"], category=category, subject=f"Yêu cầu {i}")
    many = count_queries(lambda: client.get(reverse("support:pop")))
    assert many == few


def test_notes_typed_in_the_pop_are_saved_to_the_call_on_answer(client, agent, customer):
    call, _ = services.call_ring(call_id="notes-1", caller="0912345678", agent="agent")
    client.force_login(agent)
    response = client.post(reverse("support:call-answer", args=[call.pk]), {"notes": "Khách hỏi bảo hành"})
    call.refresh_from_db()
    assert call.notes == "Khách hỏi bảo hành"
    # and the customer view shows the call in progress with its notes, a timer and "end call"
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="active-call"' in html and 'data-testid="call-timer"' in html
    assert "Khách hỏi bảo hành" in html and 'data-testid="end-call"' in html


def test_the_agent_saves_notes_and_ends_the_call_from_the_customer_view(client, agent, customer):
    call, _ = services.call_ring(call_id="end-1", caller="0912345678", agent="agent")
    client.force_login(agent)
    client.post(reverse("support:call-answer", args=[call.pk]))
    client.post(reverse("support:call-notes", args=[call.pk]), {"notes": "Hẹn gọi lại chiều nay"})
    ended = client.post(reverse("support:call-end", args=[call.pk]))
    call.refresh_from_db()
    assert call.notes == "Hẹn gọi lại chiều nay"
    assert call.status == "ended" and call.ended_at is not None
    html = client.get(ended["Location"]).content.decode()
    assert "Đã kết thúc cuộc gọi" in html and 'data-testid="end-call"' not in html


def test_another_agent_cannot_write_notes_on_my_call(client, agent, make_user, customer):
    other = make_user(Role.AGENT, username="other")
    call, _ = services.call_ring(call_id="mine-1", caller="0912345678", agent="agent")
    services.call_answer(call=call, agent=agent)
    client.force_login(other)
    client.post(reverse("support:call-notes", args=[call.pk]), {"notes": "chen ngang"})
    client.post(reverse("support:call-end", args=[call.pk]))
    call.refresh_from_db()
    assert call.notes == "" and call.status == "answered"


def test_the_timeline_says_cuoc_goi_den(agent, customer):
    from customers.selectors import customer_timeline

    services.call_ring(call_id="tl-1", caller="0912345678")
    summaries = [a.summary for a in customer_timeline(customer).items if a.kind == "call"]
    assert summaries == ["Cuộc gọi đến · 0912 345 678"]
    assert CallLog.objects.count() == 1


def test_notes_saved_from_the_ringing_pop_answer_a_small_confirmation(client, agent, customer):
    call, _ = services.call_ring(call_id="pop-save", caller="0912345678")
    client.force_login(agent)
    response = client.post(
        reverse("support:call-notes", args=[call.pk]), {"notes": "Gọi lần 2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'data-testid="notes-saved"' in response.content.decode()
    call.refresh_from_db()
    assert call.notes == "Gọi lần 2" and call.status == "ringing"
