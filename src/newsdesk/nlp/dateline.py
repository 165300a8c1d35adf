"""Datelines and timestamp lines: what a summary or a story title should not start with.

    strip_dateline("LONDON (Reuters) - Shares fell ...") -> "Shares fell ..."
    is_timestamp("18 September 2013 Last updated at 13:59 GMT") -> True

Rules are kept as data below. A dateline is stripped only when it is unmistakable: a
parenthesised wire credit ("(Reuters) -", "(CNN) --"), or a place in capitals followed by a
dash ("WASHINGTON —", "BEIRUT, Lebanon —") or a colon ("DOHA:"). "Obama — who ..." is left
alone. The dateline's place is where the report was filed, not what it is about: the
analysis takes no name or keyphrase from it (nlp.analyze).
"""

from __future__ import annotations

import re

# Words a timestamp line may hold besides numbers ("Posted: Nov 27, 2010 8:35 AM ET").
_TIMESTAMP_WORDS = """
    posted updated published last modified first at on by am pm a m p gmt utc bst cet cest et
    est edt pt pst pdt ct cst cdt mt ist aest jst hrs h
    jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june
    july august september october november december
    mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday
    saturday sunday today yesterday
"""
TIMESTAMP_WORDS = frozenset(_TIMESTAMP_WORDS.split())
WIRE_CREDITS = (
    "AP|Reuters|AFP|CNN|UPI|Bloomberg|dpa|DPA|Xinhua|PTI|IANS|ANI|EFE|ANSA|Kyodo|Yonhap|TASS|"
    "BBC|CBS|NBC|ABC|Fox News|Sports Network|The Sports Network|AAP|Canadian Press|CP|"
    "Associated Press|HealthDay News|SPX|IRNA|WAFA|KUNA|Anadolu|Interfax|RIA Novosti"
)
_DASH = r"\s*(?:--|[-–—―])\s*"
_PLACE = r"[A-Z][\w.'’-]*(?:,?\s+[A-Z][\w.'’-]*){0,5}"
_DATE = r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
_DATELINES = [
    # "NEW YORK, Nov 3 (Reuters) -", "Mannheim, Germany (Sports Network) -", "(CNN) --"
    re.compile(rf"^(?:{_PLACE}{_DATE}\s*)?\((?:{WIRE_CREDITS})\){_DASH}"),
    # "WASHINGTON —", "ST. LOUIS, Mo. —", "BEIRUT, Lebanon —" (the place in capitals)
    # and the sentence going on with a capital ("NASA - the agency said" is not a dateline)
    re.compile(
        r"^[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)?"
        rf"{_DATE}{_DASH}(?=[A-Z0-9\"“‘'])"
    ),
    # "DOHA:", "NEW YORK:" (Gulf and South Asian outlets: Qatar Tribune, Gulf News, Dawn)
    re.compile(r"^[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+){0,3}:\s+(?=[A-Z0-9\"“‘'])"),
]
_TOKENS = re.compile(r"[^\W\d_]+|\d+")
_URL_LIKE = re.compile(r"^(?:https?\s*:\s*/\s*/|www\s*\.)", re.IGNORECASE)


def dateline_length(sentence: str) -> int:
    """How many characters of the sentence are a leading dateline ("DOHA: " is 6); 0: none."""
    for pattern in _DATELINES:
        m = pattern.match(sentence)
        if m and len(sentence) - m.end() >= 20:
            return m.end()
    return 0


def strip_dateline(sentence: str) -> str:
    """The sentence without a leading wire dateline; unchanged when there is none."""
    end = dateline_length(sentence)
    if not end:
        return sentence
    rest = sentence[end:].lstrip()
    return rest[:1].upper() + rest[1:]


def is_timestamp(line: str) -> bool:
    """A line that is only a date/time stamp, a byline-like 'Posted: ...', or a bare URL."""
    if _URL_LIKE.match(line.strip()):
        return True
    tokens = _TOKENS.findall(line)
    if not tokens or len(tokens) > 16:
        return False
    has_number = any(t.isdigit() for t in tokens)
    return has_number and all(t.isdigit() or t.lower() in TIMESTAMP_WORDS for t in tokens)
