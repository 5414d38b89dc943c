"""Vietnamese by default: the language is what the user picked (cookie), never the browser's.

Shop PCs and POS terminals often run an English browser; staff still expect Vietnamese
until they switch with the language selector.
"""

import logging

logger = logging.getLogger(__name__)


class VietnameseByDefaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class MissingObjectIs404Middleware:
    """A screen whose object is gone (a stale link, an erased customer) answers 404, never 500.

    Views and selectors look objects up by id; when the row has gone, the `DoesNotExist` (or
    the selectors' `o2o_site.api.NotFound`, with its sentence) that escapes a screen's view
    becomes the Vietnamese 404 page instead of a traceback. The API answers these itself
    (`o2o_site.api.exception_handler`). A safety net: views that know better still say so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ObjectDoesNotExist

        from .api import NotFound

        if not isinstance(exception, ObjectDoesNotExist | NotFound):
            return None
        logger.warning("%s %s: %s, answered 404", request.method, request.path, exception)
        from .views import handler404

        return handler404(request, exception)
