"""Comment matching that ignores case, full-/half-width and traditional/simplified Chinese."""

import unicodedata
from functools import lru_cache

from opencc import OpenCC

_t2s = OpenCC("t2s")


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFKC folds full-width letters and digits to half-width; casefold ignores case; OpenCC maps
    traditional to simplified. Emoji and other symbols pass through untouched."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _t2s.convert(folded)


def contains_any(text: str, keywords: list[str]) -> bool:
    haystack = normalize(text or "")
    return any(normalize(k) in haystack for k in keywords if k)
