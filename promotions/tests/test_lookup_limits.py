"""The failed-code limiter (issue 12, abuse): guessing is stopped per staff account, per store and
per public client address, and nobody else's guessing ever refuses a valid code at its own till.
With the cache (Redis) stopped, the counts come from the database and redemption goes on."""

import pytest
from freezegun import freeze_time

from o2o_site.roles import Role
from promotions.models import AuditEntry, LookupFailure, Redemption

from .factories import make_voucher

pytestmark = pytest.mark.django_db

REDEEM = "/api/v1/vouchers/redeem/"
VALIDATE = "/api/v1/vouchers/validate/"
# Early in a minute, ticking: the whole test stays in one counting window.
IN_ONE_WINDOW = freeze_time("2026-12-01 03:00:02", tick=True)


def _code(response):
    return response.json()["error"]["code"]


def _guess(client, n: int, prefix: str = "GUESS"):
    return [
        client.post(VALIDATE, {"code": f"{prefix}{i:05d}", "basket": {"total": 1}}, format="json") for i in range(n)
    ]


@IN_ONE_WINDOW
def test_anonymous_guessing_on_the_public_page_never_blocks_a_cashier(client, api_as, cashier_a, settings):
    # given: a visitor at the same address as the till tries 30 random codes on /v/<code>/
    settings.PROMOTIONS_PUBLIC_LOOKUP_FAILURES_PER_MINUTE = 10
    voucher = make_voucher()
    answers = [client.get(f"/v/RANDOM{i:04d}/", REMOTE_ADDR="127.0.0.1").status_code for i in range(30)]
    # when: the cashier redeems a valid code from that address
    redeemed = api_as(cashier_a).post(
        REDEEM, {"code": voucher.code, "basket": {"total": 300_000}}, format="json", REMOTE_ADDR="127.0.0.1"
    )
    # then
    assert set(answers) == {404}
    assert redeemed.status_code == 201, redeemed.content
    # and the visitor's own page is the one that stopped answering (even for a real code)
    assert client.get(f"/v/{voucher.code}/", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get(f"/v/{voucher.code}/", REMOTE_ADDR="10.0.0.9").status_code == 200
    assert AuditEntry.objects.filter(action="lookup_blocked", actor=None, ip="127.0.0.1").exists()


@IN_ONE_WINDOW
def test_a_cashiers_own_failures_block_only_that_cashier_with_a_retry_after(api_as, make_user, store_a, settings):
    # given: two cashiers of one store; the first guesses 10 codes
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 10
    guesser = make_user(Role.CASHIER, stores=[store_a])
    colleague = make_user(Role.CASHIER, stores=[store_a])
    voucher = make_voucher()
    assert {_code(r) for r in _guess(api_as(guesser), 10)} == {"not_found"}
    # when
    blocked = api_as(guesser).post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json")
    colleague_redeems = api_as(colleague).post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json")
    # then: the guesser waits (and is told how long); the colleague's valid code goes through
    assert blocked.status_code == 429 and _code(blocked) == "rate_limited"
    retry_after = blocked.json()["error"]["retry_after"]
    assert 1 <= retry_after <= 60 and blocked["Retry-After"] == str(retry_after)
    assert colleague_redeems.status_code == 201, colleague_redeems.content
    assert AuditEntry.objects.filter(action="lookup_blocked", actor=guesser).count() == 1


@IN_ONE_WINDOW
def test_a_store_full_of_guessers_gets_try_later_for_unknown_codes_but_valid_codes_still_redeem(
    api_as, make_user, store_a, store_b, settings
):
    # given: 4 cashiers of one store, each under their own limit, 12 failures together
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 5
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_STORE_PER_MINUTE = 10
    cashiers = [make_user(Role.CASHIER, stores=[store_a]) for _ in range(4)]
    answers = []
    for n, cashier in enumerate(cashiers):
        answers += [_code(r) for r in _guess(api_as(cashier), 3, prefix=f"G{n}X")]
    voucher = make_voucher()
    other_store = make_user(Role.CASHIER, stores=[store_b])
    # when
    valid = api_as(cashiers[-1]).post(REDEEM, {"code": voucher.code, "basket": {"total": 1}}, format="json")
    elsewhere = _guess(api_as(other_store), 1, prefix="ELSE")[0]
    # then: past the store's 10, unknown codes answer "try later" (guessing learns nothing more)
    assert answers == ["not_found"] * 10 + ["rate_limited"] * 2
    assert valid.status_code == 201, valid.content
    assert _code(elsewhere) == "not_found"


@IN_ONE_WINDOW
def test_the_client_address_comes_from_the_trusted_proxy_header_only(client, settings):
    # given: behind one proxy every client shares REMOTE_ADDR
    settings.PROMOTIONS_PUBLIC_LOOKUP_FAILURES_PER_MINUTE = 3
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    voucher = make_voucher()
    for i in range(3):
        client.get(f"/v/NOPE{i:05d}/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    # when / then: the guesser is stopped, the neighbour behind the same proxy is not
    assert client.get(f"/v/{voucher.code}/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.7").status_code == 404
    assert client.get(f"/v/{voucher.code}/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.8").status_code == 200


@IN_ONE_WINDOW
def test_a_forwarded_header_is_not_believed_unless_configured(client, settings):
    # given: the default (REMOTE_ADDR); a guesser rotates a made-up X-Forwarded-For
    settings.PROMOTIONS_PUBLIC_LOOKUP_FAILURES_PER_MINUTE = 3
    voucher = make_voucher()
    for i in range(3):
        client.get(f"/v/NOPE{i:05d}/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    # then: still counted at its real address
    blocked = client.get(f"/v/{voucher.code}/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert blocked.status_code == 404


@pytest.mark.redis
@IN_ONE_WINDOW
def test_with_redis_stopped_a_cashier_redeems_and_guessing_is_still_counted(
    redis_cache, api_as, make_user, store_a, client, settings
):
    # given: the shared cache is a real Redis, which then stops
    from django.core.cache import cache

    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 3
    cashier = make_user(Role.CASHIER, stores=[store_a])
    guesser = make_user(Role.CASHIER, stores=[store_a])
    voucher = make_voucher()
    cache.set("probe", 1)
    assert redis_cache.client().get(":1:probe") == b"1"
    redis_cache.stop()
    # when
    redeemed = api_as(cashier).post(
        REDEEM, {"code": voucher.code, "basket": {"total": 200_000}}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    replay = api_as(cashier).post(
        REDEEM, {"code": voucher.code, "basket": {"total": 200_000}}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    guesses = [_code(r) for r in _guess(api_as(guesser), 4)]
    public = client.get(f"/v/{voucher.code}/")
    # then: every answer is the truth, none is a 500
    assert redeemed.status_code == 201, redeemed.content
    assert replay.status_code == 201 and replay.json()["id"] == redeemed.json()["id"]
    assert Redemption.objects.count() == 1
    assert guesses == ["not_found"] * 3 + ["rate_limited"]  # the database counted them
    assert LookupFailure.objects.filter(scope=f"user:{guesser.pk}").count() == 3
    assert public.status_code == 200


@pytest.mark.redis
@IN_ONE_WINDOW
def test_a_failed_redeem_is_counted_in_the_database_while_redis_is_down(redis_cache, api_as, cashier_a, settings):
    # given: Redis is down; a refused redemption rolls its transaction back
    settings.PROMOTIONS_LOOKUP_FAILURES_PER_MINUTE = 2
    redis_cache.stop()
    client = api_as(cashier_a)
    # when
    answers = [
        _code(client.post(REDEEM, {"code": f"NOPE{i:06d}", "basket": {"total": 1}}, format="json")) for i in range(3)
    ]
    # then: the count survived the rollback
    assert answers == ["not_found", "not_found", "rate_limited"]
