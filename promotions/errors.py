"""The refusals promotions' services raise; `code` is a stable contract for POS and website clients."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from o2o_site.api import Conflict, DomainError

# Refusals that are about the voucher's state (used up) answer 409; the others 422.
CONFLICT_CODES = {"already_used", "limit_reached"}


class VoucherRefused(DomainError):
    """A code cannot be used here and now; `code` says why (not_found, expired, wrong_store…)."""

    code = "refused"
    default_message = _("Không dùng được mã này.")

    def __init__(self, message=None, *, code: str, fields=None, extra=None):
        super().__init__(
            message, code=code, status_code=409 if code in CONFLICT_CODES else 422, fields=fields, extra=extra
        )


class RateLimited(DomainError):
    code = "rate_limited"
    status_code = 429
    default_message = _("Bạn đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau một phút.")


class IdempotencyMismatch(Conflict):
    code = "idempotency_key_reused"
    default_message = _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác.")


class VoidRefused(Conflict):
    code = "void_refused"
    default_message = _("Không thể hủy lượt dùng này.")


class StoreRequired(DomainError):
    code = "store_required"
    default_message = _("Hãy chọn cửa hàng.")


class StoreNotAllowed(DomainError):
    code = "store_not_allowed"
    status_code = 403
    default_message = _("Bạn không được phân công tại cửa hàng này.")


class InvalidBasket(DomainError):
    code = "invalid"
    status_code = 400
    default_message = _("Giỏ hàng không hợp lệ.")
