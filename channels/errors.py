"""The errors channels' services raise (rendered by the API as the one error body)."""

from django.utils.translation import gettext_lazy as _

from o2o_site.api import Conflict, DomainError, NotFound


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_message = _("Không đủ hàng trong kho.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("Không thể chuyển đơn hàng sang trạng thái này.")


class ChannelNotFound(NotFound):
    code = "channel_not_found"
    default_message = _("Không tìm thấy kênh bán.")


class StoreNotFound(NotFound):
    code = "store_not_found"
    default_message = _("Không tìm thấy cửa hàng.")


class SkuNotFound(DomainError):
    code = "unknown_sku"
    default_message = _("Không tìm thấy SKU.")


class InvalidInput(DomainError):
    code = "invalid"
    status_code = 400


class StoreNotAllowed(DomainError):
    code = "store_not_allowed"
    status_code = 403
    default_message = _("Bạn không được phân công tại cửa hàng này.")


class NoFulfilmentLocation(InsufficientStock):
    code = "no_fulfilment_location"
    default_message = _("Kênh chưa khai báo kho xuất hàng.")


class AlreadyListed(Conflict):
    code = "already_listed"
    default_message = _("SKU này đã được đăng trên kênh.")


class PickupNotFound(NotFound):
    code = "not_found"
    default_message = _("Không tìm thấy đơn với mã nhận hàng này.")


class WrongStore(DomainError):
    code = "wrong_store"
    status_code = 422
    default_message = _("Mã nhận hàng thuộc cửa hàng khác.")


class AlreadyCollected(Conflict):
    code = "already_collected"
    default_message = _("Đơn đã được khách nhận.")


class PickupNotReady(Conflict):
    code = "not_ready"
    default_message = _("Đơn chưa sẵn sàng để giao cho khách.")


class TooManyReturned(DomainError):
    code = "too_many"
    status_code = 422
    default_message = _("Số lượng trả nhiều hơn số đã bán.")
