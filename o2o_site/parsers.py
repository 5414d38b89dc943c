"""The API's JSON parser (DEFAULT_PARSER_CLASSES): refuses, for every endpoint at once, what none
can accept. Kept apart from o2o_site.api, which imports rest_framework.views (that module reads
the parser setting at import time).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what no endpoint can accept, for every endpoint at once.

    - nesting deeper than `API_MAX_JSON_DEPTH` (a 50,000-deep basket used to end in a
      RecursionError and a 500);
    - a NUL character or a lone surrogate in any string or key (PostgreSQL stores neither,
      in text nor in jsonb), so a JSONField such as `utm` or `payload` is covered too.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON lồng nhau quá sâu."))
        problem = json_problem(data, max_depth=settings.API_MAX_JSON_DEPTH)
        if problem:
            raise exceptions.ParseError(problem)
        return data


def json_problem(data, *, max_depth: int) -> str | None:
    """Walks parsed JSON without recursion; returns why it is refused, or None."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return str(_("Dữ liệu chứa ký tự NUL không hợp lệ."))
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return str(_("Dữ liệu chứa ký tự Unicode không hợp lệ."))
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                return str(_("JSON lồng nhau quá sâu."))
            items = value.items() if isinstance(value, dict) else ((None, item) for item in value)
            for key, item in items:
                if key is not None:
                    stack.append((key, depth))
                stack.append((item, depth + 1))
    return None
