"""Comment matching that ignores case, full-/half-width and traditional/simplified Chinese."""

import unicodedata
from functools import lru_cache

from opencc import OpenCC

_t2s = OpenCC("t2s")
# Emoji variation selectors (text or emoji presentation of the same symbol): keyboards differ in
# whether they send them, so "❤️" and "❤" must match each other.
_NO_VARIATION = dict.fromkeys([0xFE0E, 0xFE0F])


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """NFKC folds full-width letters and digits to half-width; casefold ignores case; OpenCC maps
    traditional to simplified. Emoji and other symbols pass through, less their variation selectors."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_NO_VARIATION)
    return _t2s.convert(folded)


def contains_any(text: str, keywords: list[str]) -> bool:
    haystack = normalize(text or "")
    return any(normalize(k) in haystack for k in keywords if k)
