"""Vietnamese by default: the language is what the user picked (cookie), never the browser's.

Shop PCs and POS terminals often run an English browser; staff still expect Vietnamese
until they switch with the language selector.
"""


class VietnameseByDefaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
