"""Text folding for search: `Nguyễn Văn Đạt` → `nguyen van dat`.

Folded text is written into indexed search columns at write time, and the same function folds
the query, so "nguyen van an", "NGUYEN VAN AN" and "Nguyễn Văn An" all meet.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Đ/đ are letters of their own in Unicode, not D plus a mark: NFKD leaves them alone.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ı": "i", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"})


def fold(value: str | None) -> str:
    """Lowercase ASCII, diacritics removed, whitespace collapsed. Idempotent."""
    if not value:
        return ""
    text = str(value).translate(_EXTRA)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return _SPACES.sub(" ", text).strip()
