"""CSV export: one helper so every report's download looks the same (UTF-8 with BOM for Excel)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value) -> str:
    """Neutralises spreadsheet formulas (CSV injection): a cell never starts with = + - @."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """Streams rows as a CSV attachment; rows may be a generator over a large queryset."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff"
        yield writer.writerow([_safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([_safe_cell(v) for v in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
