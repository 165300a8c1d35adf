"""Language identification of article text with py3langid."""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Below this many letters the guess is noise (a headline fragment, a caption, a menu label).
MIN_LETTERS = 20
# Normalized probability under which the text is treated as mixed or unidentifiable.
MIN_CONFIDENCE = 0.5
# Identification on the first characters is as good as on the whole text and bounded in time
# (py3langid walks the text byte by byte in Python): on the extraction corpora, 2,000 characters
# give the language found on 10,000 for all but 2 of 780 pages, at a third of the CPU time.
MAX_CHARS = 2_000

# Matches from the start once the text has MIN_LETTERS letters (stops at the last one needed).
_ENOUGH_LETTERS_RE = re.compile(rf"(?:[\W\d_]*[^\W\d_]){{{MIN_LETTERS}}}")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None if too short or too uncertain."""
    sample = text[:MAX_CHARS]
    if _ENOUGH_LETTERS_RE.match(sample) is None:
        return None
    lang, prob = _identifier().classify(sample)
    if prob < MIN_CONFIDENCE:
        return None
    return str(lang)


# Below this many letters a declared language (the feed's, the page's) is trusted over the
# guess: a headline's few words are too few to overrule what the publisher says.
TRUST_DECLARED_BELOW = 200
_LETTER_RE = re.compile(r"[^\W\d_]")


def item_language(text: str, declared: str | None = None) -> str | None:
    """Language of an item: detected on long text; on short text (a headline, a teaser) the
    declared language first, the guess only when nothing is declared."""
    if declared and len(_LETTER_RE.findall(text[:MAX_CHARS])) < TRUST_DECLARED_BELOW:
        return declared
    return detect_language(text) or declared
