"""The one pricing engine: `basket_price(...)`.

The cashier screen, the quote API, voucher validation/redemption and store sales all price a
basket here (marketplace orders arrive priced by the marketplace and are recorded as they are).
This module only reads; it never writes.

Combination rules (also in the README):

1. Automatic promotions are found for the place (store or online channel), the time (period,
   weekdays and time slot read in Asia/Ho_Chi_Minh), the customer's segments and the basket.
2. Promotions marked *combinable* apply one after the other in priority order (lower number
   first, then the older one), each on the price left by the ones before it.
   Promotions marked *exclusive* never stack: the engine prices "all combinable ones together"
   and "each exclusive one alone", and the customer gets the largest discount (on a tie, the
   combinable set wins, then the higher-priority exclusive one).
3. Vouchers apply after automatic promotions: a voucher's percentage is taken of the price after
   promotions, and its minimum spend is checked against that price too.
   At most one voucher per basket, unless every voucher involved says `combinable`.
4. A voucher's `max_discount` caps that voucher; `PROMOTIONS_BASKET_DISCOUNT_CAP_PERCENT`
   (optional) caps the total discount of one basket, trimming the last adjustments first.
5. Every amount is whole VND; no discount exceeds what is left to pay, so the total is never
   negative. The same input always gives the same output (stable orders everywhere).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from o2o_site.money import format_vnd, percent_of

from . import conf
from .codes import normalize_code
from .errors import InvalidBasket
from .models import Promotion, Voucher

MAX_LINES = 200
MAX_QUANTITY = 10_000
MAX_AMOUNT = 10_000_000_000  # 10 billion ₫: far above any real basket, far below overflow
# The one date format of the promotions screens and messages (read in Asia/Ho_Chi_Minh).
DATETIME_FORMAT = "%d/%m/%Y %H:%M"


# --- input ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BasketLine:
    sku: str
    quantity: int
    unit_price: int
    sku_id: int | None = None
    name: str = ""
    # Our price for the SKU when the line was read, and why the line's price differs from it.
    list_price: int | None = None
    price_reason: str = ""
    category: str = ""

    @property
    def price_overridden(self) -> bool:
        return self.list_price is not None and self.unit_price != self.list_price

    @property
    def subtotal(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Basket:
    lines: tuple[BasketLine, ...] = ()
    # Only when the basket is given as a total, without lines.
    given_total: int | None = None
    trade_in: bool = False

    @property
    def subtotal(self) -> int:
        if self.lines:
            return sum(line.subtotal for line in self.lines)
        return self.given_total or 0

    def as_dict(self) -> dict:
        if self.lines:
            out = {"lines": [_line_dict(ln) for ln in self.lines]}
        else:
            out = {"total": self.given_total or 0}
        if self.trade_in:
            out["trade_in"] = True
        return out


def _line_dict(line: BasketLine) -> dict:
    out = {"sku": line.sku, "quantity": line.quantity, "unit_price": line.unit_price}
    if line.price_overridden:
        out["list_price"] = line.list_price
        out["price_reason"] = line.price_reason
    return out


def _int_field(value, name: str, errors: dict, *, minimum: int, maximum: int, money: bool = False) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        else:
            errors[name] = [
                _("Số tiền phải là số nguyên đồng (không có phần lẻ), ví dụ 1250000.")
                if money
                else _("Phải là số nguyên.")
            ]
            return None
    if value < minimum or value > maximum:
        errors[name] = [_("Phải từ %(min)s đến %(max)s.") % {"min": minimum, "max": maximum}]
        return None
    return value


def basket_from_payload(data) -> Basket:
    """`{"lines": [{"sku", "quantity", "unit_price"?}]}` or `{"total": n}` → Basket.

    A line without `unit_price` is priced at the SKU's base price; a line with another price
    keeps ours as `list_price` and its `price_reason` (whether that is allowed is the caller's
    rule: `services.basket_parse`). Unknown SKUs, negative or fractional amounts are refused
    with `InvalidBasket` naming the field (`basket.lines.0.sku`).
    """
    from channels.models import SKU

    if not isinstance(data, dict):
        raise InvalidBasket(fields={"basket": [_("Giỏ hàng phải là một đối tượng.")]})
    errors: dict[str, list[str]] = {}
    trade_in = bool(data.get("trade_in", False))
    raw_lines = data.get("lines")
    if raw_lines in (None, []):
        if "total" not in data:
            raise InvalidBasket(_("Hãy nhập tổng tiền hoặc các dòng hàng."), fields={"basket": [_("Giỏ hàng trống.")]})
        total = _int_field(data.get("total"), "basket.total", errors, minimum=0, maximum=MAX_AMOUNT, money=True)
        if errors:
            raise InvalidBasket(fields=errors)
        return Basket(given_total=total, trade_in=trade_in)
    if not isinstance(raw_lines, list) or len(raw_lines) > MAX_LINES:
        raise InvalidBasket(fields={"basket.lines": [_("Tối đa %(n)s dòng hàng.") % {"n": MAX_LINES}]})
    wanted = []
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict) or not str(raw.get("sku") or "").strip():
            errors[f"basket.lines.{index}.sku"] = [_("Thiếu mã SKU.")]
            continue
        if not isinstance(raw["sku"], str | int) or "\x00" in str(raw["sku"]) or len(str(raw["sku"])) > 64:
            errors[f"basket.lines.{index}.sku"] = [_("Mã SKU không hợp lệ.")]
            continue
        wanted.append(str(raw["sku"]).strip())
    skus = {}
    if wanted:
        # One query for every line: by code or by barcode.
        for sku in SKU.objects.select_related("product").filter(code__in=wanted) | SKU.objects.select_related(
            "product"
        ).filter(barcode__in=wanted):
            skus.setdefault(sku.code, sku)
            if sku.barcode:
                skus.setdefault(sku.barcode, sku)
    lines = []
    for index, raw in enumerate(raw_lines):
        if f"basket.lines.{index}.sku" in errors:
            continue
        key = str(raw["sku"]).strip()
        sku = skus.get(key)
        if sku is None:
            errors[f"basket.lines.{index}.sku"] = [_("Không tìm thấy SKU “%(sku)s”.") % {"sku": key[:64]}]
            continue
        quantity = _int_field(
            raw.get("quantity", 1), f"basket.lines.{index}.quantity", errors, minimum=1, maximum=MAX_QUANTITY
        )
        price = raw.get("unit_price")
        if price is None:
            price = sku.base_price
        price = _int_field(price, f"basket.lines.{index}.unit_price", errors, minimum=0, maximum=MAX_AMOUNT, money=True)
        reason = raw.get("price_reason") or ""
        if not isinstance(reason, str) or "\x00" in reason or len(reason) > 200:
            errors[f"basket.lines.{index}.price_reason"] = [_("Lý do tối đa 200 ký tự.")]
            continue
        if quantity is None or price is None:
            continue
        lines.append(
            BasketLine(
                sku=sku.code,
                quantity=quantity,
                unit_price=price,
                sku_id=sku.pk,
                name=sku.product.name,
                list_price=sku.base_price,
                price_reason=reason.strip() if price != sku.base_price else "",
                category=sku.product.category,
            )
        )
    if errors:
        raise InvalidBasket(fields=errors)
    return Basket(lines=tuple(lines), trade_in=trade_in)


# --- output ---------------------------------------------------------------------------------


@dataclass
class Adjustment:
    source: str  # "promotion" | "voucher"
    id: int
    label: str  # promotion name or voucher code
    amount: int
    reason: str
    campaign_id: int | None = None
    line_amounts: dict[int, int] = field(default_factory=dict)  # line index → part of amount
    gift_sku: str = ""

    def as_dict(self) -> dict:
        out = {"id": self.id, "amount": self.amount, "reason": self.reason, "campaign": self.campaign_id}
        if self.source == "promotion":
            out["name"] = self.label
        else:
            out["code"] = self.label
            if self.gift_sku:
                out["gift_sku"] = self.gift_sku
        return out


@dataclass
class Refusal:
    code: str  # the voucher code as typed (normalised)
    error_code: str
    message: str
    voucher: Voucher | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "error": {"code": self.error_code, "message": self.message}}


@dataclass
class PricedBasket:
    basket: Basket
    subtotal: int
    promotions: list[Adjustment]
    vouchers: list[Adjustment]
    refused: list[Refusal]
    hints: list[str]
    line_discounts: list[int]
    at: dt.datetime
    voucher_objects: dict[str, Voucher] = field(default_factory=dict)

    @property
    def promotion_discount(self) -> int:
        return sum(a.amount for a in self.promotions)

    @property
    def voucher_discount(self) -> int:
        return sum(a.amount for a in self.vouchers if not a.gift_sku)

    @property
    def discount(self) -> int:
        return self.promotion_discount + self.voucher_discount

    @property
    def total(self) -> int:
        return max(0, self.subtotal - self.discount)

    def voucher_adjustment(self, code: str) -> Adjustment | None:
        code = normalize_code(code)
        return next((a for a in self.vouchers if a.label == code), None)

    def refusal(self, code: str) -> Refusal | None:
        code = normalize_code(code)
        return next((r for r in self.refused if r.code == code), None)

    def as_dict(self) -> dict:
        lines = []
        for index, line in enumerate(self.basket.lines):
            discount = self.line_discounts[index]
            lines.append(
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "subtotal": line.subtotal,
                    "discount": discount,
                    "total": line.subtotal - discount,
                }
            )
        return {
            "lines": lines,
            "subtotal": self.subtotal,
            "promotions": [a.as_dict() for a in self.promotions],
            "vouchers": [a.as_dict() for a in self.vouchers],
            "refused_codes": [r.as_dict() for r in self.refused],
            "discount": self.discount,
            "total": self.total,
            "hints": list(self.hints),
        }


# --- time -----------------------------------------------------------------------------------


def in_time_slot(obj, at: dt.datetime) -> bool:
    """Period, weekdays and daily window, all read on Vietnam's wall clock."""
    if not (obj.valid_from <= at < obj.valid_to):
        return False
    local = timezone.localtime(at)
    if obj.weekdays and local.weekday() not in obj.weekdays:
        return False
    if obj.time_from is not None or obj.time_to is not None:
        start = obj.time_from or dt.time(0, 0)
        clock = local.time().replace(tzinfo=None)
        if obj.time_to is None:
            return clock >= start
        if start <= obj.time_to:
            return start <= clock < obj.time_to
        return clock >= start or clock < obj.time_to  # a window across midnight
    return True


def describe_slot(obj) -> str:
    parts = []
    if obj.weekdays:
        names = [_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN")]
        parts.append(", ".join(names[d] for d in sorted(obj.weekdays) if 0 <= d <= 6))
    if obj.time_from or obj.time_to:
        start = obj.time_from.strftime("%H:%M") if obj.time_from else "00:00"
        end = obj.time_to.strftime("%H:%M") if obj.time_to else "24:00"
        parts.append(f"{start}–{end}")
    return " ".join(parts)


# --- promotions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    store_id: int | None = None
    channel_id: int | None = None

    @property
    def in_store(self) -> bool:
        return self.store_id is not None


class _State:
    """What is left to pay while promotions apply one after another."""

    def __init__(self, basket: Basket):
        self.basket = basket
        self.line_net = [line.subtotal for line in basket.lines]
        self.bill_discount = 0

    def copy(self) -> _State:
        other = _State.__new__(_State)
        other.basket = self.basket
        other.line_net = list(self.line_net)
        other.bill_discount = self.bill_discount
        return other

    @property
    def total(self) -> int:
        base = sum(self.line_net) if self.basket.lines else (self.basket.given_total or 0)
        return max(0, base - self.bill_discount)

    def take_bill(self, amount: int) -> int:
        amount = max(0, min(int(amount), self.total))
        self.bill_discount += amount
        return amount

    def take_line(self, index: int, amount: int) -> int:
        # A line discount may not eat into what bill discounts already took.
        amount = max(0, min(int(amount), self.line_net[index], self.total))
        self.line_net[index] -= amount
        return amount


@dataclass(frozen=True)
class Scope:
    """The items a promotion is about: its SKUs plus every SKU of its categories; neither means
    every item (never for a bundle: services refuse to save one without a scope)."""

    sku_ids: frozenset[int] = frozenset()
    categories: frozenset[str] = frozenset()

    @classmethod
    def of(cls, promo: Promotion) -> Scope:
        return cls(
            sku_ids=frozenset(s.pk for s in promo.skus.all()),
            categories=frozenset(c for c in (promo.categories or []) if isinstance(c, str)),
        )

    @property
    def is_everything(self) -> bool:
        return not self.sku_ids and not self.categories

    def covers(self, line: BasketLine) -> bool:
        return (
            self.is_everything
            or line.sku_id in self.sku_ids
            or (bool(line.category) and line.category in self.categories)
        )


def _scoped_lines(promo: Promotion, basket: Basket, scope: Scope) -> list[int]:
    if promo.kind == Promotion.Kind.BUNDLE and scope.is_everything:
        return []  # a bundle with no scope gives nothing away (older rows saved before the rule)
    return [i for i, line in enumerate(basket.lines) if scope.covers(line)]


def _apply_one(promo: Promotion, state: _State, scope: Scope) -> Adjustment | None:
    basket = state.basket
    kind = promo.kind
    line_amounts: dict[int, int] = {}
    amount = 0
    reason = ""
    K = Promotion.Kind
    if kind in (K.PERCENT_ITEMS, K.FIXED_ITEMS) and (basket.lines or scope.is_everything):
        if not basket.lines:  # a total-only basket: "every item" is the whole bill
            kind = K.PERCENT_BILL if kind == K.PERCENT_ITEMS else K.FIXED_BILL
        else:
            cap = promo.max_discount
            for i in _scoped_lines(promo, basket, scope):
                if kind == K.PERCENT_ITEMS:
                    want = percent_of(state.line_net[i], promo.percent or 0)
                else:
                    want = (promo.amount or 0) * basket.lines[i].quantity
                if cap is not None:
                    want = min(want, cap - amount)
                got = state.take_line(i, want)
                if got:
                    line_amounts[i] = got
                    amount += got
            if kind == K.PERCENT_ITEMS:
                reason = _("Giảm %(p)s%% sản phẩm") % {"p": promo.percent}
            else:
                reason = _("Giảm %(a)s mỗi sản phẩm") % {"a": format_vnd(promo.amount or 0)}
    if kind == K.BUNDLE and basket.lines and promo.buy_quantity and promo.free_quantity:
        group = promo.buy_quantity + promo.free_quantity
        units = []
        for i in _scoped_lines(promo, basket, scope):
            units.extend([(basket.lines[i].unit_price, i)] * basket.lines[i].quantity)
        free = (len(units) // group) * promo.free_quantity
        units.sort()  # the cheapest units are the free ones; ties by line order: deterministic
        for price, i in units[:free]:
            got = state.take_line(i, price)
            if got:
                line_amounts[i] = line_amounts.get(i, 0) + got
                amount += got
        reason = _("Mua %(n)s tặng %(m)s (tặng sản phẩm rẻ nhất)") % {
            "n": promo.buy_quantity,
            "m": promo.free_quantity,
        }
    elif kind == K.PERCENT_BILL:
        want = percent_of(state.total, promo.percent or 0)
        if promo.max_discount is not None:
            want = min(want, promo.max_discount)
        amount = state.take_bill(want)
        reason = _("Giảm %(p)s%% hóa đơn") % {"p": promo.percent}
        if promo.time_from or promo.weekdays:
            reason += f" ({describe_slot(promo)})"
    elif kind == K.FIXED_BILL:
        amount = state.take_bill(promo.amount or 0)
        reason = _("Giảm %(a)s hóa đơn") % {"a": format_vnd(promo.amount or 0)}
    elif kind == K.THRESHOLD:
        if promo.threshold is not None and state.total >= promo.threshold:
            want = percent_of(state.total, promo.percent) if promo.percent else (promo.amount or 0)
            if promo.max_discount is not None:
                want = min(want, promo.max_discount)
            amount = state.take_bill(want)
            reason = _("Mua từ %(t)s được giảm %(a)s") % {"t": format_vnd(promo.threshold), "a": format_vnd(amount)}
    elif kind == K.TRADE_IN:
        eligible = basket.trade_in and (scope.is_everything or any(scope.covers(line) for line in basket.lines))
        if eligible:
            amount = state.take_bill(promo.amount or 0)
            reason = _("Thu cũ đổi mới: trợ giá %(a)s") % {"a": format_vnd(amount)}
    if amount <= 0:
        return None
    return Adjustment(
        source="promotion",
        id=promo.pk,
        label=promo.name,
        amount=amount,
        reason=f"{promo.name}: {reason}" if reason else promo.name,
        campaign_id=promo.campaign_id,
        line_amounts=line_amounts,
    )


def _run(promos: Sequence[Promotion], state: _State, scopes: dict[int, Scope]) -> list[Adjustment]:
    out = []
    for promo in promos:
        adjustment = _apply_one(promo, state, scopes[promo.pk])
        if adjustment:
            out.append(adjustment)
    return out


def choose_promotions(
    promos: Sequence[Promotion], basket: Basket, scopes: dict[int, Scope]
) -> tuple[list[Adjustment], _State]:
    """Rule 2 of the module docstring: combinable ones stacked vs the best exclusive one alone."""
    ordered = sorted(promos, key=lambda p: (p.priority, p.pk))
    combinable = [p for p in ordered if p.combination == Promotion.Combination.COMBINABLE]
    exclusive = [p for p in ordered if p.combination == Promotion.Combination.EXCLUSIVE]
    best_state = _State(basket)
    best = _run(combinable, best_state, scopes)
    best_amount = sum(a.amount for a in best)
    for promo in exclusive:
        state = _State(basket)
        candidate = _run([promo], state, scopes)
        amount = sum(a.amount for a in candidate)
        if amount > best_amount:
            best, best_state, best_amount = candidate, state, amount
    return best, best_state


def _hints(promos: Sequence[Promotion], basket: Basket, scopes, applied_ids: set[int], total: int) -> list[str]:
    hints = []
    for promo in sorted(promos, key=lambda p: (p.priority, p.pk)):
        if promo.kind == Promotion.Kind.THRESHOLD and promo.pk not in applied_ids and promo.threshold:
            missing = promo.threshold - total
            if missing > 0:
                gain = f"{promo.percent}%" if promo.percent else format_vnd(promo.amount or 0)
                hints.append(
                    _("Mua thêm %(m)s để được giảm %(g)s (%(name)s).")
                    % {"m": format_vnd(missing), "g": gain, "name": promo.name}
                )
        if promo.kind == Promotion.Kind.BUNDLE and basket.lines and promo.buy_quantity and promo.free_quantity:
            group = promo.buy_quantity + promo.free_quantity
            units = sum(basket.lines[i].quantity for i in _scoped_lines(promo, basket, scopes[promo.pk]))
            rest = units % group
            if rest >= promo.buy_quantity:
                need = group - rest
                hints.append(
                    _("Thêm %(k)s sản phẩm nữa để được tặng %(m)s (%(name)s).")
                    % {"k": need, "m": promo.free_quantity, "name": promo.name}
                )
    return hints


# --- vouchers -------------------------------------------------------------------------------


def voucher_refusal(
    voucher: Voucher | None,
    *,
    place: Place,
    store_ids: set[int],
    at: dt.datetime,
    customer_id: int | None,
    customer_uses: int,
    total_before: int | None,
) -> tuple[str, str] | None:
    """Why this voucher cannot be used here and now, as (error code, message); None if it can.
    `total_before=None` (a code checked before the total is known) skips the minimum spend."""
    if voucher is None or voucher.status != Voucher.Status.ACTIVE:
        return "not_found", _("Mã không tồn tại hoặc đã bị khóa.")
    local_from = timezone.localtime(voucher.valid_from)
    local_to = timezone.localtime(voucher.valid_to)
    if at < voucher.valid_from:
        return "not_yet_valid", _("Mã chỉ dùng được từ %(d)s.") % {"d": local_from.strftime(DATETIME_FORMAT)}
    if at >= voucher.valid_to:
        return "expired", _("Mã đã hết hạn lúc %(d)s.") % {"d": local_to.strftime(DATETIME_FORMAT)}
    if not place.in_store and voucher.store_only:
        return "online_not_allowed", _("Mã chỉ dùng tại quầy của cửa hàng, không dùng cho đơn online.")
    if place.in_store and store_ids and place.store_id not in store_ids:
        return "wrong_store", _("Mã không áp dụng tại cửa hàng này.")
    if not in_time_slot(voucher, at):
        return "outside_time_slot", _("Mã chỉ dùng trong khung giờ %(s)s.") % {"s": describe_slot(voucher)}
    if voucher.kind == Voucher.Kind.PERSONAL and customer_id is not None and customer_id != voucher.customer_id:
        return "not_this_customer", _("Mã này dành cho khách hàng khác.")
    if voucher.used_count >= voucher.usage_limit:
        if voucher.usage_limit == 1:
            return "already_used", _("Mã đã được sử dụng.")
        return "limit_reached", _("Mã đã hết lượt sử dụng.")
    if voucher.per_customer_limit and customer_uses >= voucher.per_customer_limit:
        return "limit_reached", _("Khách hàng đã dùng hết %(n)s lượt của mã này.") % {"n": voucher.per_customer_limit}
    if total_before is not None and total_before < voucher.min_basket:
        return "min_spend_not_met", _("Chưa đạt đơn tối thiểu %(min)s (còn thiếu %(m)s).") % {
            "min": format_vnd(voucher.min_basket),
            "m": format_vnd(voucher.min_basket - total_before),
        }
    return None


def _voucher_amount(voucher: Voucher, state: _State) -> tuple[int, str, str]:
    if voucher.discount_type == Voucher.DiscountType.PERCENT:
        want = percent_of(state.total, voucher.discount_value)
        if voucher.max_discount is not None:
            want = min(want, voucher.max_discount)
        reason = _("Voucher %(c)s: giảm %(p)s%%") % {"c": voucher.code, "p": voucher.discount_value}
        if voucher.max_discount is not None:
            reason += _(" (tối đa %(m)s)") % {"m": format_vnd(voucher.max_discount)}
        return state.take_bill(want), reason, ""
    if voucher.discount_type == Voucher.DiscountType.FIXED:
        amount = state.take_bill(voucher.discount_value)
        return amount, _("Voucher %(c)s: giảm %(a)s") % {"c": voucher.code, "a": format_vnd(amount)}, ""
    gift = voucher.gift_sku
    value = gift.base_price if gift else 0
    name = gift.product.name if gift and gift.product_id else (gift.code if gift else "")
    return value, _("Voucher %(c)s: tặng %(g)s") % {"c": voucher.code, "g": name}, gift.code if gift else ""


def _apply_basket_cap(subtotal: int, adjustments: list[Adjustment], cap_percent: int | None) -> None:
    if cap_percent is None:
        return
    allowed = percent_of(subtotal, cap_percent)
    excess = sum(a.amount for a in adjustments if not a.gift_sku) - allowed
    for adjustment in reversed(adjustments):
        if excess <= 0:
            break
        if adjustment.gift_sku:
            continue
        cut = min(excess, adjustment.amount)
        adjustment.amount -= cut
        excess -= cut
        # Trim the line parts from the last line backwards so they still add up.
        for index in sorted(adjustment.line_amounts, reverse=True):
            if cut <= 0:
                break
            part = min(cut, adjustment.line_amounts[index])
            adjustment.line_amounts[index] -= part
            cut -= part
        adjustment.reason += _(" (giới hạn tổng giảm %(p)s%%)") % {"p": cap_percent}


# --- the engine -----------------------------------------------------------------------------


def basket_price(
    basket: Basket,
    *,
    store=None,
    channel=None,
    at: dt.datetime | None = None,
    customer=None,
    codes: Iterable[str] = (),
    promotions: Sequence[Promotion] | None = None,
) -> PricedBasket:
    """Prices `basket` at a store's counter (`store`) or on an online `channel`, at `at`.

    Returns every line, every promotion and voucher applied (amount and a one-line reason), the
    refused codes with the reason, what is nearly there, and the total. Reads only.
    `promotions` may be given (already loaded) to skip the lookup.
    """
    from .selectors import (
        customer_segment_codes,
        promotions_active,
        voucher_customer_uses,
        voucher_store_ids,
        vouchers_by_codes,
    )

    at = at or timezone.now()
    place = Place(store_id=store.pk if store else None, channel_id=channel.pk if channel else None)
    if promotions is None:
        promotions = promotions_active(at=at, store=store, channel=channel)
    segments = customer_segment_codes(customer) if customer is not None and promotions else set()
    eligible = [p for p in promotions if _promotion_matches(p, place, at, segments)]
    scopes = {p.pk: Scope.of(p) for p in eligible}
    applied, state = choose_promotions(eligible, basket, scopes)
    total_before = state.total
    hints = _hints(eligible, basket, scopes, {a.id for a in applied}, total_before)

    wanted = []
    for raw in codes:
        code = normalize_code(raw)
        if code and code not in wanted:
            wanted.append(code)
    found = vouchers_by_codes(wanted) if wanted else {}
    customer_id = customer.pk if customer is not None else None
    uses = voucher_customer_uses([v for v in found.values() if v.per_customer_limit], customer) if customer else {}
    voucher_adjustments: list[Adjustment] = []
    refused: list[Refusal] = []
    used: list[Voucher] = []
    for code in wanted:
        voucher = found.get(code)
        refusal = voucher_refusal(
            voucher,
            place=place,
            store_ids=voucher_store_ids(voucher) if voucher else set(),
            at=at,
            customer_id=customer_id,
            customer_uses=uses.get(voucher.pk, 0) if voucher else 0,
            total_before=total_before,
        )
        if refusal is None and used and not (voucher.combinable and all(v.combinable for v in used)):
            refusal = ("not_combinable", _("Mỗi hóa đơn chỉ dùng một mã; mã này không dùng chung được."))
        if refusal is not None:
            refused.append(Refusal(code=code, error_code=refusal[0], message=refusal[1], voucher=voucher))
            if refusal[0] == "min_spend_not_met":
                hints.append(
                    _("Mua thêm %(m)s để dùng mã %(c)s.")
                    % {"m": format_vnd(voucher.min_basket - total_before), "c": code}
                )
            continue
        amount, reason, gift = _voucher_amount(voucher, state)
        used.append(voucher)
        voucher_adjustments.append(
            Adjustment(
                source="voucher",
                id=voucher.pk,
                label=code,
                amount=amount,
                reason=reason,
                campaign_id=voucher.campaign_id,
                gift_sku=gift,
            )
        )
    _apply_basket_cap(basket.subtotal, [*applied, *voucher_adjustments], conf.basket_discount_cap_percent())
    line_discounts = [0] * len(basket.lines)
    for adjustment in applied:
        for index, part in adjustment.line_amounts.items():
            line_discounts[index] += part
    return PricedBasket(
        basket=basket,
        subtotal=basket.subtotal,
        promotions=[a for a in applied if a.amount > 0],
        vouchers=[a for a in voucher_adjustments if a.amount > 0 or a.gift_sku],
        refused=refused,
        hints=hints,
        line_discounts=line_discounts,
        at=at,
        voucher_objects={code: v for code, v in found.items() if v is not None},
    )


def _promotion_matches(promo: Promotion, place: Place, at: dt.datetime, segments: set[str]) -> bool:
    if not promo.is_active or not in_time_slot(promo, at):
        return False
    if place.in_store:
        if promo.online_only:
            return False
        store_ids = {s.pk for s in promo.stores.all()}
        if store_ids and place.store_id not in store_ids:
            return False
    else:
        if promo.store_only:
            return False
        channel_ids = {c.pk for c in promo.channels.all()}
        if channel_ids and place.channel_id not in channel_ids:
            return False
    # A segment-scoped promotion needs the customer in one of its segments.
    return not promo.segment_codes or bool(set(promo.segment_codes) & segments)
