"""Figures: the number claims of an article, what they count, when, and who vouches for them.

    extract_figures(doc, quotes, body_start, ents) -> list[FigureSpan]

Reads the spaCy Doc that analyze.py already parsed and the quotes nlp/quotes.py found in it
(no second parse). A figure is a number phrase in digits or words ("1,500", "five", "a
dozen", "hundreds of thousands", "54 million") with its qualifier ("more than" and "at least"
make it a lower bound, "up to" and "nearly" an upper one, "between A and B" and "from A to B"
a range), its unit ("percent", "km", "$", "magnitude"), the noun phrase it counts (from the
dependency parse: the noun the number modifies with its modifiers and first prepositional
phrase, "air attacks on targets in Syria"; an elided noun comes from an earlier figure of the
sentence: "killed 78 people and injured more than 320"), the casualty status around it
(killed, injured, missing ...: "people killed" and "people injured" are different things), the
date expression of the figure's own clause ("so far this year" for the second of two
clauses), and the source: the speaker of the quote or reported speech that holds the figure,
else the attribution in its sentence ("..., X said", "X puts the toll at", "according to X",
"per X", "X's figures show"; never the carrying outlet unless named). A person noun
coordinated with another ("two women and one man died") keys on its own noun: a part of the
toll, not the toll. Skipped: trivial counts ("two sides": up to 2, no bound, unit, casualty
status or countable noun), years, dates, clock times, ages ("Reid, 33,"), ordinals,
identifiers ("Flight 370"), numbers inside names, "one" as a determiner, page furniture.
Word lists: nlp/lexicon/figures.py. Figures: bench/figures.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from math import inf as INF
from typing import TYPE_CHECKING

from newsdesk.nlp.lexicon.figures import (
    AGE_VERBS,
    APPROXIMATE,
    BACKGROUND_PHRASES,
    BARE_PERIODS,
    CHANGE_UNITS,
    CLAUSE_APART,
    COUNTABLE_NOUNS,
    DISAGREE_MAX_RATIO,
    DURATION_UNITS,
    EVENT_NOUNS,
    FURNITURE_PREFIXES,
    GLUED_UNITS,
    HYPOTHETICAL_WORDS,
    IDENTIFIER_BEFORE,
    LEVEL_VERBS,
    LOWER_BOUND,
    MAGNITUDE_OF,
    MONEY_UNITS,
    MONTH_NAMES,
    ORDINALS,
    PERSON_NOUNS,
    RACE_WORDS,
    REPORT_NEEDS_AT,
    REPORT_NEEDS_CLAUSE,
    REPORT_NOUNS,
    REPORT_VERBS,
    SCALE_WORDS,
    SHORT_DURATIONS,
    STATUS_WORDS,
    TITLE_SMALL_WORDS,
    TRIVIAL_MAX,
    UNIT_AFTER,
    UNIT_BEFORE,
    UNITS_WORDS,
    UPPER_BOUND,
    VAGUE_WORDS,
    WEEKDAYS,
    WHEN_LEADS,
)
from newsdesk.nlp.quotes import CUE_FORMS, pronoun_referent
from newsdesk.nlp.summarize import is_offer
from newsdesk.nlp.types import Figure

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from newsdesk.nlp.entities import EntityResult
    from newsdesk.nlp.quotes import QuoteSpan

_DIGITS = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?([a-z%]*)$", re.I)
_NAME_ENTS = {"PERSON", "ORG", "GPE", "FAC", "WORK_OF_ART", "LAW", "PRODUCT", "EVENT", "LOC"}
_WHEN_ENTS = {"DATE", "TIME"}
_WHEN_LEADS = sorted((tuple(w.split()) for w in WHEN_LEADS), key=len, reverse=True)
_ATTRIBUTING = CUE_FORMS | REPORT_VERBS
_NOUN_STOPS = {",", ";", "(", ")", "—", "–", ":", '"', "“", "”"}
_UNIT_KEYS = {k.replace("-", " "): v for k, v in UNIT_AFTER.items()}
_UNIT_MAX_WORDS = max(len(k.split()) for k in _UNIT_KEYS)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
_YEAR = re.compile(r"\b(?:in|since|of|from|until|by) (?:[A-Z][a-z]+ )?(1[89]\d\d|20\d\d)\b")


_COARSE = {
    "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "PRP": "PRON", "JJ": "ADJ",
    "JJR": "ADJ", "JJS": "ADJ", "VBN": "VERB", "VBD": "VERB", "VBG": "VERB", "VBZ": "VERB",
    "VBP": "VERB", "VB": "VERB", "MD": "AUX", "RB": "ADV", "RBR": "ADV", "RBS": "ADV",
    "DT": "DET", "PDT": "DET", "PRP$": "DET", "IN": "ADP", "CC": "CCONJ", "HYPH": "PUNCT",
    ",": "PUNCT", ".": "PUNCT", ":": "PUNCT", "-LRB-": "PUNCT", "-RRB-": "PUNCT",
}  # fmt: skip


def _pos(t: Token) -> str:
    """Coarse class from the fine-grained tag (the pipeline has no attribute ruler or
    lemmatizer: nlp/model.py)."""
    return _COARSE.get(t.tag_, "X")


def _singular(word: str) -> str:
    """A crude lemma of a plural noun, for matching: 'villages' -> 'village'."""
    word = word.lower()
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@dataclass
class FigureSpan:
    """A figure with character offsets in the Doc (the benchmark scores the source span)."""

    start: int
    end: int
    text: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    what: str | None = None
    key: str | None = None
    when: str | None = None
    source: str | None = None
    source_span: tuple[int, int] | None = None
    sentence: str = ""
    sentence_start: int = 0
    person: bool = False  # counts people (an elided noun after it inherits this)
    noun: str | None = None  # the counted noun, singular (trivial counts)
    token: int = -1  # doc index of the number's last token (its clause and attribution)

    def to_figure(self) -> Figure:
        return Figure(
            text=self.text,
            value=self.value,
            low=self.low,
            high=self.high,
            unit=self.unit,
            what=self.what,
            key=self.key,
            when=self.when,
            source=self.source,
            sentence=self.sentence,
        )


# --- reading a number -----------------------------------------------------------------------


def _digits(text: str) -> tuple[float, str] | None:
    """(value, suffix) of '1,500', '6.1', '58km', '3bn'; None for anything else."""
    m = _DIGITS.match(text)
    if m is None:
        return None
    return float(m.group(1).replace(",", "") + (m.group(2) or "")), m.group(3).lower()


def _starts_number(t: Token) -> bool:
    low = t.lower_
    if low in ORDINALS:
        return False
    if _digits(t.text) is not None:
        return True
    return low in UNITS_WORDS and low != "half" or low in VAGUE_WORDS


@dataclass
class _Number:
    start: int  # token index of the first number token
    end: int  # token index after the last
    value: float
    vague: bool = False
    suffix_unit: str | None = None


def _number(toks: list[Token], i: int) -> _Number | None:
    """The number phrase starting at toks[i]."""
    t = toks[i]
    n = len(toks)
    d = _digits(t.text)
    if d is not None:
        value, suffix = d
        j = i + 1
        unit = None
        if suffix == "m" and not _millions(toks, i, i + 1):
            unit = "m"  # "a clearance of 1.87m"
        elif suffix in SCALE_WORDS:
            value *= SCALE_WORDS[suffix]
        elif suffix:
            unit = _UNIT_KEYS.get(suffix)
            if unit is None:
                return None  # "3D", "4G", "737MAX"
        # "54 million"; "5m", "3bn" written apart by the tokenizer ("m" alone is metres); a
        # sentence's last token keeps its full stop ("a fine of $16m.")
        word = toks[j].lower_.removesuffix(".") if j < n else ""
        if not suffix and word in SCALE_WORDS:
            tight = not toks[j - 1].whitespace_
            if word == "m" and tight and not _millions(toks, i, j + 1):
                unit = "m"  # "the 60m hurdles", "the last 200m"
                j += 1
            elif word not in ("m", "k", "bn", "mn", "tn") or tight:
                value *= SCALE_WORDS[word]
                j += 1
        return _Number(i, j, value, suffix_unit=unit)
    low = t.lower_
    if low in VAGUE_WORDS:
        value = float(VAGUE_WORDS[low])
        j = i + 1
        if low in ("scores", "tens") and (j >= n or toks[j].lower_ != "of"):
            return None  # "play scores from StaffPad", "test scores": no count
        # "hundreds of thousands", "tens of millions"
        if j + 1 < n and toks[j].lower_ == "of" and toks[j + 1].lower_ in VAGUE_WORDS:
            scale = SCALE_WORDS.get(toks[j + 1].lower_.removesuffix("s"))
            if scale:
                value *= scale
                j += 2
        return _Number(i, j, value, vague=True)
    total, cur, j = 0.0, 0.0, i
    while j < n:
        w = toks[j].lower_
        if w in UNITS_WORDS and (w != "half" or j == i):
            cur += UNITS_WORDS[w]
        elif w in SCALE_WORDS and j > i and w not in ("m", "k", "bn", "mn", "tn"):
            cur = (cur or 1) * SCALE_WORDS[w]
            if SCALE_WORDS[w] >= 1000:
                total, cur = total + cur, 0.0
        elif w == "-" and j > i and j + 1 < n and toks[j + 1].lower_ in UNITS_WORDS:
            pass  # "twenty-five"
        elif w == "a" and j > i and toks[j - 1].lower_ == "half":
            pass  # "half a million"
        else:
            break
        j += 1
    value = total + cur
    if j == i or toks[j - 1].lower_ in ("half", "a"):
        return None
    return _Number(i, j, value)


def _words(toks: list[Token], a: int, b: int) -> str:
    return " ".join(t.lower_ for t in toks[max(0, a) : b])


def _and_seconds(toks: list[Token], j: int) -> tuple[int, float | None]:
    """After a number of minutes ending before toks[j]: (the end, the seconds) of ", 47.97
    seconds" or "and 5 seconds" that follows; (j, None) when none does."""
    k = j + 1 if j < len(toks) and toks[j].lower_ in (",", "and") else j
    if k >= len(toks) or not _starts_number(toks[k]):
        return j, None
    secs = _number(toks, k)
    if secs is None or secs.value >= 60:
        return j, None
    end, unit = _unit_after(toks, secs.end)
    return (end, secs.value) if unit == "seconds" else (j, None)


def _millions(toks: list[Token], i: int, after: int) -> bool:
    """Whether 'm' right after the number at toks[i] is millions, not metres: money ("$16m",
    "£6.5m"), or a count of something plural ("3m people", "5m of its shares") that is not a
    race ("the 60m hurdles"). `after`: the token after the 'm'."""
    prev = toks[i - 1].lower_ if i > 0 else ""
    if prev in UNIT_BEFORE and UNIT_BEFORE[prev] != "magnitude":
        return True
    if after >= len(toks):
        return False
    nxt = toks[after]
    if nxt.lower_ in ("of", "dollars", "pounds", "euros", "yen", "a", "an", "per", "each"):
        return True
    return nxt.tag_ == "NNS" and nxt.lower_ not in RACE_WORDS


def _qualifier(toks: list[Token], i: int) -> tuple[int, str | None]:
    """(first token of the qualifier, "low" | "high" | "approx" | None) before toks[i]."""
    for width in (3, 2, 1):
        words = _words(toks, i - width, i)
        if i - width < 0:
            continue
        if words in LOWER_BOUND:
            return i - width, "low"
        if words in UPPER_BOUND:
            return i - width, "high"
        if words in APPROXIMATE:
            return i - width, "approx"
    return i, None


def _unit_before(toks: list[Token], i: int) -> tuple[int, str | None]:
    """A currency or "magnitude" just before the number: '$5m', 'magnitude-5.9', 'a
    magnitude of 6.1' (returns the first token of the unit)."""
    if i >= 1 and toks[i - 1].lower_ in UNIT_BEFORE and toks[i - 1].lower_ != "magnitude":
        return i - 1, UNIT_BEFORE[toks[i - 1].lower_]
    if i >= 2 and toks[i - 1].text in ("-", "of") and toks[i - 2].lower_ == "magnitude":
        return i - 2, "magnitude"
    if i >= 1 and toks[i - 1].lower_ in ("magnitude", "magnitude-"):
        return i - 1, "magnitude"
    return i, None


def _unit_after(toks: list[Token], j: int) -> tuple[int, str | None]:
    """The unit right after a number ending before toks[j]: (token after the unit, unit)."""
    n = len(toks)
    k = j
    while k < n and toks[k].text == "-":
        k += 1
    words: list[str] = []
    ends: list[int] = []
    m = k
    while m < n and len(words) < _UNIT_MAX_WORDS:
        if toks[m].text == "-":
            m += 1
            continue
        words.append(toks[m].lower_)
        ends.append(m + 1)
        m += 1
    for width in range(len(words), 0, -1):
        unit = _UNIT_KEYS.get(" ".join(words[:width]))
        if unit is not None:
            end = ends[width - 1]
            # "3.8 degrees on the Richter scale"
            if _words(toks, end, end + 4) == "on the richter scale":
                return end + 4, "magnitude"
            return end, unit
    return j, None


# --- what is counted --------------------------------------------------------------------------


def _noun_after(toks: list[Token], j: int) -> Token | None:
    """The noun a number (ending before toks[j]) counts, from the parse or the next words."""
    n = len(toks)
    k = j
    # "of the world's traded oil", "of them"
    if k < n and toks[k].lower_ == "of":
        k += 1
    while k < n and (_pos(toks[k]) in ("DET", "ADJ", "ADV", "PUNCT") and toks[k].text != ","):
        if toks[k].text in _NOUN_STOPS:
            return None
        k += 1
    steps = 0
    while k < n and steps < 6:
        t = toks[k]
        if _pos(t) in ("NOUN", "PROPN", "PRON") or (_pos(t) == "ADJ" and t.lower_ in PERSON_NOUNS):
            # the head of a compound: "air attacks", "mud-brick houses"
            while (
                k + 1 < n
                and t.dep_ in ("compound", "amod", "nmod")
                and t.head.i == toks[k + 1].i
                or (k + 1 < n and _pos(toks[k + 1]) in ("NOUN",) and _pos(t) != "PRON")
            ):
                k += 1
                t = toks[k]
            return t
        if (
            _pos(t) in ("ADJ", "VERB", "ADV", "PUNCT")
            and t.text not in _NOUN_STOPS
            and t.text != ","
        ):
            k += 1
            steps += 1
            continue
        return None
    return None


def _phrase(head: Token, skip: set[int], own: frozenset[int] | set[int] = frozenset()) -> str:
    """The counted noun phrase: modifiers, the noun, and its first prepositional phrase
    ('air attacks on targets in Syria'), cut at punctuation, dates and the figure itself
    (`own`: "Pernod - at 7.5bn euros - is about 9% smaller" counts Pernod)."""
    left = [
        t
        for t in head.subtree
        if t.i < head.i
        and t.i not in skip
        and t.dep_ in ("amod", "compound", "nmod", "poss", "case")
        and t.head.i in (head.i, *(c.i for c in head.children))
        and not t.like_num
    ]
    # keep only the contiguous run before the head
    toks = []
    for t in sorted(left, key=lambda x: x.i):
        if t.i > max(skip, default=-1):
            toks.append(t)
    words = [*toks, head]
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in ("on", "in", "of", "against", "at", "for"):
            for t in child.subtree:
                if t.text in _NOUN_STOPS or t.ent_type_ in _WHEN_ENTS or t.tag_ == "WDT":
                    break
                if t.i in own:
                    break
                words.append(t)
            break
    words = [w for w in words if not w.is_space]
    while words and (words[-1].is_punct or _pos(words[-1]) in ("ADP", "DET", "CCONJ")):
        words.pop()
    if len(words) > 12:
        words = words[:12]
    return _as_written(words) if words else head.text


def _as_written(words: list[Token]) -> str:
    """The tokens as the text spaces them ("run-up", not "run - up"); a gap between tokens
    that are not neighbours is one space."""
    out = ""
    for w, nxt in zip(words, [*words[1:], None], strict=True):
        out += w.text_with_ws if nxt is not None and nxt.i == w.i + 1 else w.text + " "
    return out.strip()


def _status(head: Token | None, num: Token) -> str | None:
    """The casualty status around a count: 'killing 10 people', '10 people were killed',
    'people injured', 'Ten dead', 'the death toll rose to 10'."""
    cands: list[Token] = []
    for t in (head, num):
        if t is None:
            continue
        cands.append(t)
        cands.extend(c for c in t.children if c.dep_ in ("acl", "amod", "relcl", "appos"))
        cands.append(t.head)
        if t.head.dep_ in ("prep", "agent"):
            cands.append(t.head.head)
        # "the death toll rose to 10": the subject of the verb the number ends
        if t.dep_ == "pobj" and _pos(t.head.head) in ("VERB", "AUX"):
            cands.extend(c for c in t.head.head.children if c.dep_ in ("nsubj", "nsubjpass"))
        # "10 people died / were hurt"
        if t.dep_ in ("nsubj", "nsubjpass"):
            cands.append(t.head)
            cands.extend(c for c in t.head.children if c.dep_ in ("acomp", "oprd"))
    for c in cands:
        for word in (c.lower_,):
            if word in STATUS_WORDS:
                return STATUS_WORDS[word]
    return None


# --- skipping what is no figure ------------------------------------------------------------------


def _of_event(toks: list[Token], i: int) -> bool:
    """toks[i] is a short duration's unit, then "of" and an event's noun ("days of talks");
    not "65 seconds of listening"."""
    return (
        i + 2 < len(toks)
        and toks[i].lower_ in SHORT_DURATIONS
        and toks[i + 1].lower_ == "of"
        and toks[i + 2].lower_ in EVENT_NOUNS
    )


def _not_a_figure(toks: list[Token], num: _Number, unit: str | None, qual: str | None) -> bool:
    t = toks[num.start]
    prev = toks[num.start - 1] if num.start > 0 else None
    nxt = toks[num.end] if num.end < len(toks) else None
    low = t.lower_
    if t.ent_type_ in _NAME_ENTS or t.like_url or ":" in t.text or "/" in t.text:
        return True
    if re.fullmatch(r"0\d+", t.text) or (prev is not None and re.fullmatch(r"0\d+", prev.text)):
        return True  # "0800 028 9276": a telephone number, a code
    if num.start == 0 and unit is None and nxt is not None and nxt.text.startswith(":"):
        return True  # "2.3: Clarified the information …": a section's number, a label
    if (
        prev is not None
        and prev.tag_ == "POS"
        and num.start >= 2
        and toks[num.start - 2].text[:1].isupper()
        and unit is None
        and (nxt is None or _pos(nxt) not in ("NOUN", "PROPN", "ADJ", "NUM"))
    ):
        return True  # "displacing Ocean's 12": a title; not "Britain's 60 million people"
    if t.ent_type_ == "ORDINAL" and (low in ORDINALS or re.search(r"\d(st|nd|rd|th)$", low)):
        return True  # spaCy also calls "4bn" an ordinal
    # spaCy's DATE also takes "Forty soldiers were killed": a count of things is no date
    counts_things = nxt is not None and nxt.tag_ == "NNS" and nxt.lower_ not in DURATION_UNITS
    if (
        t.ent_type_ in _WHEN_ENTS
        and unit not in DURATION_UNITS
        and qual is None
        and not (counts_things and t.ent_type_ == "DATE")
    ):
        return unit is None or t.ent_type_ == "TIME"
    if (
        nxt is not None
        and not t.whitespace_
        and nxt.is_alpha
        and nxt.is_upper
        and nxt.lower_ not in GLUED_UNITS
    ):
        return True  # "3G licences", "the 5S": a name with a digit in it; not "30GB"
    if unit in SHORT_DURATIONS and nxt is not None and nxt.text in ("-", "–") and not t.whitespace_:
        return True  # "the two-day summit", "a 10-minute ovation": what an event is like
    if _of_event(toks, num.end):
        return True  # "Two days of talks … begin": the same as "two-day talks"
    if unit in DURATION_UNITS:
        if prev is not None and prev.lower_ in ("past", "last", "next", "previous", "coming"):
            return True  # "in the past 24 hours": part of a date
        rest = _words(toks, num.end, num.end + 5)
        if re.search(r"\byears? (- )?old\b", rest):
            return True  # an age
        if re.match(r"\S+ (ago|earlier|later)\b", rest):
            return True  # "four years ago": a date
    if unit == "m" and "." not in t.text and _event_name(toks, num, nxt):
        return True  # "the 60m hurdles", "the Indoor 800m title": an event's name
    if unit is None and nxt is not None and nxt.lower_ in MONTH_NAMES and num.value <= 31:
        return True  # "since 11 September": a date
    if prev is not None and (prev.lower_ in IDENTIFIER_BEFORE or prev.lower_ in ("aged", "age")):
        return True
    if (
        unit is None
        and prev is not None
        and prev.lower_ == "at"
        and prev.head.lower_ in AGE_VERBS
        and num.value <= 120
    ):
        return True  # "has died in Germany at 50": an age, not a toll
    if (
        prev is not None
        and prev.text == "-"
        and num.start >= 2
        and toks[num.start - 2].is_alpha
        and toks[num.start - 2].lower_ != "magnitude"
        and not prev.whitespace_
    ):
        return True  # "F-16", "COVID-19"
    is_int = num.value == int(num.value)
    if (
        _digits(t.text) is not None
        and len(t.text) == 4
        and is_int
        and 1800 <= num.value <= 2100
        and unit is None
        and (
            not (nxt is not None and nxt.tag_ == "NNS")
            or (prev is not None and prev.lower_ in MONTH_NAMES)  # "September 2001 levels"
        )
    ):
        return True  # a year
    if (
        unit is None
        and qual is None
        and prev is not None
        and prev.text == ","
        and num.start >= 2
        and _pos(toks[num.start - 2]) == "PROPN"
        and (nxt is None or nxt.text in (",", ".", ")", ";"))
        and is_int
        and num.value < 120
    ):
        return True  # "Tara Reid, 33, ..." an age
    if (
        unit is None
        and prev is not None
        and _pos(prev) == "PROPN"
        and prev.text[:1].isupper()
        and (nxt is None or _pos(nxt) not in ("NOUN", "ADJ"))
        and not (prev.i > 0 and _pos(prev.nbor(-1)) in ("VERB", "AUX"))
    ):
        return True  # "Flight 370", "Boeing 737"
    if (
        prev is not None
        and _digits(t.text) is not None
        and t.text.isdigit()
        and prev.is_alpha
        and prev.text[:1].islower()
        and any(ch.isupper() for ch in prev.text[1:])
    ):
        return True  # "iOS 15", "watchOS 8", "iPhone 12 units": a version
    if low in ("one", "a") and qual is None and unit is None:
        return True  # "one woman", "one of the ...": a determiner, not a count
    if nxt is not None and nxt.lower_ in ("gmt", "utc", "a.m.", "p.m.", "am", "pm", "hrs", "local"):
        return True
    return bool(
        nxt is not None and nxt.text == "(" and "GMT" in _words(toks, num.end, num.end + 3).upper()
    )


def _event_name(toks: list[Token], num: _Number, nxt: Token | None) -> bool:
    """Whether a whole number of metres names a race ("the 60m hurdles", "the men's 1500m",
    "her 400m victory", "silver in the 800m") rather than measures something ("the last 200m",
    "a clearance of 1.87m")."""
    if nxt is not None and (nxt.lower_ in RACE_WORDS or _pos(nxt) == "NOUN"):
        return True
    prev = toks[num.start - 1].lower_ if num.start else ""
    if prev == "the":  # "silver in the 800m" (but "the last 200m" measures)
        return True
    if num.start >= 2 and prev in ("'s", "’s"):
        return toks[num.start - 2].lower_ in ("men", "women", "boys", "girls")
    return False


def _furniture(sentence: str, other_title: bool = False) -> bool:
    """A line that is not prose a figure is claimed in: page furniture, an address, an offer to
    the reader ("Use the promo code EmpowerApps to get 20% off"), a line of program code
    (".frame(width: 60, height: 200)") or, `other_title`, a title-case line that is not the
    article's own headline ("Powerful Quake in Iran Kills 10" is a claim) but the title of
    something else ("Top 5 Smartphone Cameras: The Blind Test!", "Organizing an In-Person
    Conference After 2 Years of Remote")."""
    low = sentence.lower().lstrip()
    return (
        other_title
        or low.startswith(FURNITURE_PREFIXES)
        or "://" in low
        or is_offer(sentence)
        or _CODE.search(sentence) is not None
    )


# Program code: a call with a named argument or none ("frame(width:", "reload()"), a line
# ending in a brace or a semicolon, a member call opening the line (".padding(") or a line of
# one value and a comma ("height: 100,", "100.0,").
_CODE = re.compile(r"\w\((?:\w+:|\))|[{};]\s*$|^\s*\.\w+\(|^\s*(?:\w+: )?\S+,\s*$")
_PROSE = re.compile(r"\b[a-z]+\b(?:\s+\S+){3,}[.!?][\"'”’)]*$")  # 5 words or more, a full stop
_TITLE_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def _title_case(sentence: str) -> bool:
    """Three words or more, every one but TITLE_SMALL_WORDS capitalised."""
    words = [w for w in _TITLE_WORD.findall(sentence) if w.lower() not in TITLE_SMALL_WORDS]
    return len(words) >= 3 and all(w[0].isupper() for w in words)


# --- a sentence's figures ---------------------------------------------------------------------


def _sentence_figures(doc: Doc, sent: Span) -> list[FigureSpan]:
    toks = [t for t in sent]
    text = doc.text
    out: list[FigureSpan] = []
    i = 0
    while i < len(toks):
        if not _starts_number(toks[i]):
            i += 1
            continue
        num = _number(toks, i)
        if num is None:
            i += 1
            continue
        first = i
        if i >= 1 and toks[i - 1].lower_ == "a" and toks[i].lower_ in ("dozen",):
            first = i - 1
        ub, unit = _unit_before(toks, first)
        qstart, qual = _qualifier(toks, ub)
        after, unit_after = _unit_after(toks, num.end)
        unit = unit or num.suffix_unit or unit_after
        if unit_after is None:
            after = num.end
        low: float | None = num.value if (qual == "low" or num.vague) else None
        high: float | None = num.value if qual == "high" else None
        # a range: "between 40 and 80 percent", "from 2.8 to 3.8", "40 percent to 70 percent",
        # "three or four times"
        end_tok = after
        if (
            after < len(toks) - 1
            and toks[after].lower_ in ("to", "and", "or", "-", "–")
            and _starts_number(toks[after + 1])
            and (
                toks[after].lower_ != "and"
                or (qstart >= 1 and toks[qstart - 1].lower_ == "between")
            )
        ):
            second = _number(toks, after + 1)
            if second is not None and (
                second.value > num.value
                if toks[after].lower_ == "or"
                else second.value >= num.value
            ):
                end2, unit2 = _unit_after(toks, second.end)
                low, high = num.value, second.value
                unit = unit or unit2
                end_tok = end2 if unit2 else second.end
                if qstart >= 1 and toks[qstart - 1].lower_ in ("between", "from"):
                    qstart -= 1
        if unit == "minutes" and high is None and end_tok == after:
            end_tok, secs = _and_seconds(toks, end_tok)
            if secs is not None:  # "one minute, 47.97 seconds": one time, in seconds
                unit = "seconds"
                low = low * 60 + secs if low is not None else None
                num = _Number(num.start, num.end, num.value * 60 + secs, num.vague)
        if _not_a_figure(toks, num, unit, qual):
            i = max(num.end, i + 1)
            continue
        a = toks[qstart].idx
        last = toks[end_tok - 1]
        b = last.idx + len(last.text.removesuffix(".") if last.is_sent_end else last.text)
        fig = FigureSpan(start=a, end=b, text=text[a:b], value=num.value, low=low, high=high)
        fig.unit = unit
        fig.token = toks[num.end - 1].i
        _counted(toks, num, end_tok, fig, out, sent)
        if not (_trivial(fig, qual, num.vague)):
            out.append(fig)
        i = max(end_tok, i + 1)
    return _without_conversions(text, out)


# A figure in brackets right after another, in another unit, is the same amount converted:
# "59.2 trillion rupiah ($6.58bn; £3.5bn)" (a currency word the figure does not hold may stand
# before the bracket), "seven km (4 miles)". The protocol counts the first.
_OPENS_CONVERSION = re.compile(
    r"\s*(?:[A-Za-z]+\s*)?\(\s*(?:about|around|some|roughly|approximately|nearly|almost|"
    r"approx\.?)?\s*",
    re.I,
)
_NEXT_CONVERSION = re.compile(r"\s*[;,/]\s*(?:or\s+)?(?:about\s+)?", re.I)


def _without_conversions(text: str, figs: list[FigureSpan]) -> list[FigureSpan]:
    out: list[FigureSpan] = []
    base: FigureSpan | None = None  # the figure the open bracket converts
    last: FigureSpan | None = None
    for f in figs:
        gap = text[last.end : f.start] if last is not None else ""
        if last is not None and f.unit is not None and f.unit != (base or last).unit:
            if base is None and _OPENS_CONVERSION.fullmatch(gap):
                base = last
                last = f
                continue
            if base is not None and _NEXT_CONVERSION.fullmatch(gap):
                last = f
                continue
        base = None
        out.append(f)
        last = f
    return out


def _trivial(fig: FigureSpan, qual: str | None, vague: bool) -> bool:
    """'two sides', 'the two regional powers': a small count without a bound, unit or
    casualty status, of no event, damage or money noun (lexicon TRIVIAL_MAX,
    COUNTABLE_NOUNS)."""
    if fig.value > TRIVIAL_MAX or vague or qual in ("low", "high") or fig.unit is not None:
        return False
    if fig.key is not None and not fig.key.endswith(":"):
        return False  # a casualty status: "killing two people", "2 injured"
    return fig.noun not in COUNTABLE_NOUNS


def _counted(
    toks: list[Token],
    num: _Number,
    end_tok: int,
    fig: FigureSpan,
    earlier: list[FigureSpan],
    sent: Span,
) -> None:
    """Fill `what`, `key` and `person` of a figure from the parse around it."""
    last_num = toks[num.end - 1]
    head: Token | None = None
    if fig.unit is None or fig.unit in ("percent", "dollars", "pounds", "euros", "magnitude"):
        head = _noun_after(toks, end_tok)
    if (
        head is None
        and fig.unit is None
        and last_num.dep_ in ("nummod", "quantmod")
        and _pos(last_num.head) in ("NOUN", "PROPN")
        and last_num.head.i > last_num.i
    ):
        head = last_num.head
    if head is not None and _pos(head) == "PRON":
        # "15 of them": the noun of an earlier figure
        head = None
        if earlier:
            fig.what, fig.key, fig.person = earlier[-1].what, earlier[-1].key, earlier[-1].person
            return
    if head is not None and head.ent_type_ in _WHEN_ENTS:
        head = None
    if head is None and fig.unit in CHANGE_UNITS:
        head = _changed_subject(last_num, fig.unit)  # "US retail sales fell 0.3%"
        if head is not None and head.i in (last_num.i + 1, last_num.head.i) and head.text == "%":
            head = None  # "12% of those surveyed found ...": the figure is the subject
    status = _status(head, last_num)
    if head is None:
        if fig.unit == "magnitude":
            quake = next((t for t in sent if _singular(t.text) in MAGNITUDE_OF), None)
            fig.what = quake.text if quake is not None else None
            fig.key = "magnitude"
            return
        if fig.unit is not None:
            return
        # an elided noun: "killed 78 people and injured more than 320", "Ten dead"
        prev = next((f for f in reversed(earlier) if f.person), None)
        if prev is not None or status is not None:
            fig.person = True
            fig.what = "people" + (f" {status}" if status else "")
            fig.key = f"people:{status or ''}"
        return
    joined = _hyphened(last_num)
    hyphened = joined is not None and joined.i == head.i  # "the 15-member Security Council"
    own = set(range(toks[0].i, toks[end_tok - 1].i + 1))
    skip = own if head.i > last_num.i else set()
    phrase = _phrase(head, skip, own)
    word = head.lower_
    fig.person = word in PERSON_NOUNS or head.ent_type_ == "NORP"
    fig.noun = _singular(word)
    if fig.unit == "magnitude":
        fig.what, fig.key = phrase, "magnitude"
        return
    if fig.person and _coordinated(head):
        lemma = fig.noun  # "two women and a man died": a part of the toll, not the toll
    elif fig.person:
        lemma = "people"
        if status and status not in phrase and STATUS_WORDS.get(word) != status:
            phrase = f"{phrase} {status}"
    else:
        lemma = _singular(word) if _pos(head) == "NOUN" else word
    if hyphened and num.value != 1:
        phrase = _plural(head.text)  # counted, though it stands singular: "15 members"
    fig.what = phrase
    base = lemma if fig.unit is None else f"{fig.unit}:{lemma}"
    fig.key = f"{base}:{status or ''}"


def _hyphened(last_num: Token) -> Token | None:
    """The noun a number is joined to by a hyphen to modify another noun ("the 15-member
    Security Council"): it stands singular."""
    doc = last_num.doc
    i = last_num.i
    if (
        i + 2 < len(doc)
        and doc[i + 1].text == "-"
        and not last_num.whitespace_
        and not doc[i + 1].whitespace_
        and doc[i + 2].tag_ == "NN"
    ):
        return doc[i + 2]
    return None


def _plural(word: str) -> str:
    low = word.lower()
    if low.endswith("man"):
        return word[:-3] + word[-3:].replace("man", "men")
    if low.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _changed_subject(t: Token, unit: str | None = None) -> Token | None:
    """The subject of the verb a share or an amount belongs to ('sales fell 0.3%', 'profits
    rose to $1.1bn', 'the deal is worth £6m'), within a few steps up the parse. Not the one
    who does something with an amount ("Shareholders lost about $180bn", "GM paid $2bn"):
    the subject of a verb whose object is money is what it measures only for a verb of
    level (LEVEL_VERBS: "exports reached $3bn")."""
    node = t
    for _ in range(4):
        if node.head.i == node.i:
            return None
        below, node = node, node.head
        if node.tag_.startswith("VB"):
            if below.dep_ == "dobj" and unit in MONEY_UNITS and node.lower_ not in LEVEL_VERBS:
                return None
            return next(
                (
                    c
                    for c in node.children
                    if c.dep_ in ("nsubj", "nsubjpass") and _pos(c) in ("NOUN", "PROPN")
                ),
                None,
            )
    return None


def _coordinated(head: Token) -> bool:
    """Whether a person noun is coordinated with another ('two women and one man')."""
    partners = [c for c in head.children if c.dep_ == "conj"]
    if head.dep_ == "conj":
        partners.append(head.head)
    return any(p.lower_ in PERSON_NOUNS and p.i != head.i for p in partners)


# --- when and who ---------------------------------------------------------------------------


_SEQUENCE_WORDS = frozenset({"after", "before", "since", "until", "following", "prior"})


def _when_spans(doc: Doc, sent: Span, figs: list[FigureSpan]) -> list[tuple[int, int, int]]:
    """The sentence's date and time spans as written, with their lead words ('on Sunday',
    'so far this year', 'from December 8 to December 31'): (start char, end char, token)."""
    taken = [(f.start, f.end) for f in figs]
    spans: list[tuple[int, int, int]] = []
    for ent in sent.ents:
        if ent.label_ not in _WHEN_ENTS:
            continue
        if any(a < ent.end_char and ent.start_char < b for a, b in taken):
            continue
        if not any(ch.isalpha() for ch in ent.text) and ":" in ent.text:
            continue  # a clock time alone: "17:06"
        if ent.text.isdigit() and len(ent.text) <= 2:
            continue  # a bare number the model calls a date: "adults aged 18 and over"
        if ent.text in BARE_PERIODS:
            continue  # "a season's best of 7.48": a period named, no date given
        if len(ent) == 1 and ent[0].text.endswith("ly") and ent[0].tag_ == "RB":
            continue  # "a seasonally-adjusted 0.7%", "paid annually": how often, not when
        start = ent.start
        for lead in _WHEN_LEADS:
            k = start - len(lead)
            if k >= sent.start and tuple(t.lower_ for t in doc[k:start]) == lead:
                start = k
                break
        a, b = doc[start].idx, ent.end_char
        if spans and _gap_joins(doc.text[spans[-1][1] : a]):
            spans[-1] = (spans[-1][0], b, spans[-1][2])
        else:
            spans.append((a, b, ent.start))
    return spans


def _when(doc: Doc, spans: list[tuple[int, int, int]], fig: FigureSpan) -> str | None:
    """The time expression of the figure's own clause (the subtree of the verb above it:
    'and has carried out at least 43 attacks so far this year'), else the sentence's first;
    never one of a clause or phrase that tells what came before or after ('The 15-member
    council met after Israel struck ... in the early hours')."""
    if fig.token >= 0:
        spans = [sp for sp in spans if not _another_time(doc[sp[2]], doc[fig.token])]
    if not spans:
        return None
    chosen = spans[0]
    if fig.token >= 0:
        verb = doc[fig.token]
        while _pos(verb) not in ("VERB", "AUX") and verb.head.i != verb.i:
            verb = verb.head
        if _pos(verb) in ("VERB", "AUX"):
            lo, hi = verb.left_edge.i, verb.right_edge.i
            chosen = next((sp for sp in spans if lo <= sp[2] <= hi), chosen)
    return doc.text[chosen[0] : chosen[1]]


def _another_time(when: Token, fig: Token) -> bool:
    """Whether `when` sits in a clause or phrase led by "after", "before", "since", ... that
    does not hold the figure: the time of an earlier or later event; or in a clause about
    someone ("The midfielder, who broke in to the Brazilian national side in 2004, admitted
    he had been flattered to have been linked with the three Spanish giants")."""
    token = when
    while token.head.i != token.i:
        if (
            token.dep_ == "relcl"
            and any(c.lower_ in ("who", "whom", "whose") for c in token.children)
            and not (token.left_edge.i <= fig.i <= token.right_edge.i)
            # not about those the figure counts: "two million tourists who visit Cuba every
            # year", "thousands of whom took to the streets on Thursday"
            and token.head.i != fig.head.i
            and not (fig.left_edge.i <= token.head.i <= fig.right_edge.i)
        ):
            return True
        lead = token if token.dep_ == "prep" else None
        if token.dep_ == "advcl":
            lead = next((c for c in token.children if c.dep_ in ("mark", "prep")), None)
        if (
            lead is not None
            and lead.lower_ in _SEQUENCE_WORDS
            and not (token.left_edge.i <= fig.i <= token.right_edge.i)
        ):
            return True
        token = token.head
    return False


def _gap_joins(gap: str) -> bool:
    return gap.strip().lower() in ("to", "and", "-", "–", "through", "until")


def _source(fig: FigureSpan, quotes: list[QuoteSpan]) -> None:
    """The speaker of the innermost quote or reported speech that holds the figure."""
    best: QuoteSpan | None = None
    for q in quotes:
        if not any(a <= fig.start < b for a, b in q.segments):
            continue
        if q.speaker is None and q.speaker_entity is None:
            continue
        if best is None or (q.outer[1] - q.outer[0]) < (best.outer[1] - best.outer[0]):
            best = q
    if best is None:
        return
    speaker = best.speaker
    if speaker is None or speaker.lower() in _PRONOUNS:
        speaker = best.speaker_entity or speaker
    fig.source = speaker
    fig.source_span = best.speaker_span


def _attribution(doc: Doc, sent: Span, fig: FigureSpan, ents: EntityResult) -> None:
    """The source of a figure no quote covers, from its own sentence: the subject of a speech
    or reporting verb above it ('..., the governor said'; 'X puts the toll at 10'; 'X told
    Reuters'), else 'according to X', 'per X', else a speech verb elsewhere in the sentence.
    'The ministry's figures show' credits the ministry. The outlet carrying the article is
    never assumed: only a source the sentence names."""
    t = doc[fig.token]
    while True:
        if _attributing(t):
            subj = _subject(t, fig)
            if subj is not None:
                _set_source(doc, fig, subj, ents)
                return
        if t.head.i == t.i:
            break
        t = t.head
    for t in sent:
        w = t.lower_
        if w == "according" and t.i + 1 < sent.end and doc[t.i + 1].lower_ == "to":
            obj = next((c for c in doc[t.i + 1].children if c.dep_ == "pobj"), None)
        elif w == "per" and t.dep_ == "prep":
            obj = next((c for c in t.children if c.dep_ == "pobj"), None)
            if obj is not None and obj.ent_type_ not in ("ORG", "PERSON", "GPE", "NORP"):
                obj = None  # "per cent", "per day"
        else:
            continue
        if obj is not None:
            _set_source(doc, fig, _possessor(obj), ents)
            return
    for t in sent:
        if _attributing(t) and t.dep_ in ("ROOT", "parataxis", "ccomp", "advcl"):
            if t.dep_ == "advcl" and any(c.lower_ in CLAUSE_APART for c in t.children):
                continue  # "While Simpson declared he would …, his focus turned to …"
            subj = _subject(t, fig)
            if subj is not None:
                _set_source(doc, fig, subj, ents)
                return


def _attributing(t: Token) -> bool:
    """A speech or reporting verb; 'put' only as 'puts the toll at 10'."""
    if t.lower_ not in _ATTRIBUTING or _pos(t) not in ("VERB", "AUX"):
        return False
    if t.lower_ in REPORT_NEEDS_CLAUSE:
        return any(c.dep_ in ("ccomp", "parataxis") for c in t.children)
    return t.lower_ not in REPORT_NEEDS_AT or any(c.lower_ == "at" for c in t.children)


def _subject(verb: Token, fig: FigureSpan) -> Token | None:
    """The subject (or passive agent) of an attributing verb, if it is not the figure's."""
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subj is not None and subj.dep_ == "nsubjpass":
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        subj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
    if subj is None or subj.lower_ in ("it", "that", "which", "this", "there", "what"):
        return None
    if subj.left_edge.i <= fig.token <= subj.right_edge.i:
        return None  # "10 people said": the figure's own noun
    return _possessor(subj)


def _possessor(t: Token) -> Token:
    """'the ministry's figures', 'figures from the ministry': the ministry."""
    if t.lower_ in REPORT_NOUNS:
        for c in t.children:
            if c.dep_ == "poss":
                return c
            if c.dep_ == "prep" and c.lower_ in ("from", "by", "of"):
                obj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    return obj
    return t


def _set_source(doc: Doc, fig: FigureSpan, head: Token, ents: EntityResult) -> None:
    """The noun phrase of `head` (cut at a comma, bracket or clause) as the source; a pronoun
    takes the name it stands for among `ents` (the analysis's entities, as quotes do)."""
    a = head.left_edge.i
    b = head.i + 1
    for t in doc[head.i + 1 : head.right_edge.i + 1]:
        if t.text in _NOUN_STOPS or t.dep_ in ("relcl", "acl", "appos", "punct"):
            break
        b = t.i + 1
    while a < head.i and (doc[a].text in _NOUN_STOPS or doc[a].dep_ == "punct"):
        a += 1
    span = doc[a:b]
    name = span.text
    if head.lower_ in _PRONOUNS:  # as a quote's "he said" is: by the name in full
        referent = pronoun_referent(doc, ents, head)
        if referent is None and head.lower_ not in ("he", "she"):
            return  # "18% of all searchers say they can tell …": they are the figure's own
        name = referent.name if referent is not None else name
    fig.source = name.removesuffix("'s").removesuffix("’s")
    fig.source_span = (span.start_char, span.end_char)


def extract_figures(
    doc: Doc, quotes: list[QuoteSpan], body_start: int, ents: EntityResult
) -> list[FigureSpan]:
    """The figures of the body of `doc` (from char `body_start`), in order; `ents`, the
    analysis's entities, name the source a pronoun stands for."""
    out: list[FigureSpan] = []
    text = doc.text
    prose = titled = False  # the first title-case line above any prose is the headline
    for sent in doc.sents:
        if sent.end_char <= body_start:
            continue
        stext = text[sent.start_char : sent.end_char].strip()
        title = _title_case(stext)
        headline = title and not (prose or titled)
        titled = titled or title
        prose = prose or (_PROSE.search(stext) is not None and not title)
        if not any(ch.isdigit() for ch in stext) and not _has_number_word(sent):
            continue
        if _furniture(stext, title and not headline):
            continue
        figs = _sentence_figures(doc, sent)
        if not figs:
            continue
        spans = _when_spans(doc, sent, figs)
        sentence = " ".join(stext.split())
        for f in figs:
            f.when = _when(doc, spans, f)
            f.sentence = sentence
            f.sentence_start = sent.start_char
            if quotes:
                _source(f, quotes)
            if f.source is None and f.token >= 0:
                _attribution(doc, sent, f, ents)
        out.extend(figs)
    return out


def _has_number_word(sent: Span) -> bool:
    return any(t.lower_ in UNITS_WORDS or t.lower_ in VAGUE_WORDS for t in sent)


# --- the same figure across outlets (story pages) ---------------------------------------------


@dataclass
class Claim:
    """One outlet's figure in a story."""

    article_id: int
    outlet: str
    seen: datetime | None
    text: str
    value: float
    low: float | None
    high: float | None
    what: str | None
    source: str | None
    sentence: str
    latest: bool = False


@dataclass
class ClaimGroup:
    """Figures about the same thing (one key) from the articles of a story, oldest first."""

    key: str
    what: str
    claims: list[Claim] = field(default_factory=list)
    disagree: bool = False  # two claims whose values cannot both hold

    @property
    def outlets(self) -> int:
        return len({c.outlet for c in self.claims})


def comparable(key: str | None, when: str | None) -> bool:
    """Whether a figure is compared across outlets: a casualty count ('people:killed') or a
    magnitude, about the event itself (not background dated 'in December 2003')."""
    if not key or (when and when.lower().startswith(("in ", "since ", "last "))):
        return False
    return key == "magnitude" or not key.endswith(":")


def background(sentence: str, seen: datetime | None = None) -> bool:
    """Whether a figure's sentence is about an earlier event ("two years after ... a quake that
    killed tens of thousands", "last year", a year before the article's): not compared."""
    low = sentence.lower()
    if any(p in low for p in BACKGROUND_PHRASES):
        return True
    if seen is not None:
        return any(int(y) < seen.year for y in _YEAR.findall(sentence))
    return False


def _words_of(sentence: str) -> set[str]:
    return set(re.findall(r"[a-z]+", sentence.lower()))


def _weekday(sentence: str) -> int | None:
    """The first weekday the sentence names (0 = Monday)."""
    words = _words_of(sentence)
    return next((i for i, d in enumerate(WEEKDAYS) if d in words), None)


def event_day(sentences: list[str]) -> int | None:
    """The story's day: the weekday its figures' sentences name most often (of a tie, the one
    latest in the week: a figure dated the day before is more often another event), None when
    none names one."""
    days = [d for d in map(_weekday, sentences) if d is not None]
    if not days:
        return None
    return max(set(days), key=lambda d: (days.count(d), d))


def _sure(c: Claim, key: str, day: int | None) -> bool:
    """Whether a claim is about the story's event for sure enough to be flagged: not in a
    hypothetical or generic sentence ("can cause"), not dated a day before the story's day
    (another event: "On Saturday, a dozen were killed by a quake in China"), and a magnitude
    not dated another day (an aftershock)."""
    if _words_of(c.sentence) & HYPOTHETICAL_WORDS:
        return False
    d = _weekday(c.sentence)
    if d is None or day is None or d == day:
        return True
    before = (day - d) % 7 in (1, 2, 3)
    return not (before or key == "magnitude")


def _bounds(c: Claim) -> tuple[float, float]:
    if c.low is not None or c.high is not None:
        return (c.low if c.low is not None else 0.0, c.high if c.high is not None else INF)
    return c.value, c.value


def _conflict(a: Claim, b: Claim) -> bool:
    (a0, a1), (b0, b1) = _bounds(a), _bounds(b)
    return a1 < b0 or b1 < a0


def disagree(a: Claim, b: Claim, key: str, day: int | None) -> bool:
    """Whether two outlets' claims about one key are flagged as disagreeing: their bounds do not
    overlap ("3 dead" vs "10 dead", not "at least 3" vs "10"), both are surely about the
    story's event (`_sure`), and counts are less than DISAGREE_MAX_RATIO apart."""
    if not _conflict(a, b) or not (_sure(a, key, day) and _sure(b, key, day)):
        return False
    if key == "magnitude":
        return True
    small, big = sorted((abs(a.value), abs(b.value)))
    return big < DISAGREE_MAX_RATIO * small


def group_claims(claims: list[tuple[str, Claim]]) -> list[ClaimGroup]:
    """(key, claim) pairs -> groups of 2+ articles, each article's first claim per key, oldest
    first; claims in background sentences are left out; the newest claim is marked latest and a
    group with two claims that `disagree` is flagged (a group whose claims differ but are not
    sure to be about the same event is shown unflagged). Groups with a disagreement first, then
    by outlets."""
    claims = [(k, c) for k, c in claims if not background(c.sentence, c.seen)]
    day = event_day([c.sentence for _, c in claims])
    groups: dict[str, ClaimGroup] = {}
    for key, c in claims:
        g = groups.setdefault(key, ClaimGroup(key, c.what or key))
        if any(x.article_id == c.article_id for x in g.claims):
            continue
        g.claims.append(c)
    out = []
    for g in groups.values():
        if len(g.claims) < 2:
            continue
        far = datetime.max.replace(tzinfo=UTC)
        g.claims.sort(key=lambda c: (c.seen or far, c.article_id))
        g.claims[-1].latest = True
        g.disagree = any(disagree(a, b, g.key, day) for a, b in combinations(g.claims, 2))
        out.append(g)
    out.sort(key=lambda g: (not g.disagree, -g.outlets, g.key))
    return out
