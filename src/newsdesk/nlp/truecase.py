"""Headlines in title case ("Stacy Keibler Marries Jared Pobre in Beach Wedding") written as a
sentence, before the English models read them.

Many outlets capitalise every word of a headline (42 % of the UCI News Aggregator sample's
headlines, 24 % of 500N-KPCrowd's). There a capital says nothing, and the entity model reads
runs of capitals as names: "Lena Dunham Does Naked" a person, "Titanfall's Huge Installation
Size Causing Problems" an organisation. `truecase_headline` gives such a headline the case a
sentence would have. A word keeps its capital when it is a name by the article's own usage (the
body writes it, or a run of capitals it stands in, capitalised inside a sentence), by the lists
newsdesk has (a given name and the surname after it, a place, a people's adjective, a day or a
month), by its form ("HBO", "McDonald's", "Mt.", a possessive, a quoted title: 'True
Detective') or by being unusual in English (Zipf frequency under COMMON_WORD_ZIPF: "Keibler",
"Titanfall"). An everyday word ("Beach", "Does", "Marries") is written in lower case; so is a
brand that is one ("Xbox" in a headline without a body), the price of having no list of them.
Letters are only recased, so every offset in the headline stays where it was.
"""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from newsdesk.nlp.entities import COMMON_WORD_ZIPF, DEMONYMS
from newsdesk.nlp.gazetteer import major_place
from newsdesk.nlp.text import zipf

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# A capital inside a sentence of the body: not after a full stop, a colon, a quotation mark or
# a line break.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“”‘]\s*|\n\s*)$")
_QUOTED = re.compile(r"[\"“‘]([^\"”’]*)(?:[\"”’]|$)|(?<![\w])'([^']*)(?:'(?![\w])|$)")
_CALENDAR = {n.lower() for n in (*calendar.day_name, *calendar.month_name) if n}
# Title case is told by an everyday word written with a capital (and no other word in lower case
# but short function words).
TITLE_CASE_WORDS = 1
# Inflections and what they come from: "marries" of "marry", "wrongly" of "wrong".
_ENDINGS = [("ies", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", "")]
_ENDINGS += [("ing", "e"), ("ly", ""), ("d", "")]


def everyday(word: str) -> bool:
    """Whether a word (lower case) is an everyday English word, itself or an inflection of
    one ("marries" of "marry", "wrongly" of "wrong")."""
    forms = [word] + [word[: -len(a)] + b for a, b in _ENDINGS if word.endswith(a)]
    return any((zipf(f) or 0.0) >= COMMON_WORD_ZIPF for f in forms if len(f) >= 2)


def _cased(word: str) -> bool:
    """Capital first, the rest lower case: the only form title case makes ("Beach", "A"),
    unlike "HBO", "McDonald's", "iPhone" or "I"."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) == 1:
        return word == "A"
    return bool(letters) and letters[0].isupper() and all(c.islower() for c in letters[1:])


def _bare(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def is_title_case(title: str) -> bool:
    """No word after the first in lower case but short function words ("in", "of", "and": title
    case leaves them so), and at least TITLE_CASE_WORDS everyday words capitalised that are no
    place ("Manchester United v Liverpool", "Thomas out of Six Nations" are no title case)."""
    words = _WORD.findall(title)[1:]
    if any(w[:1].islower() and w.lower() not in STOP_WORDS for w in words):
        return False
    common = [
        w
        for w in words
        if _cased(w) and everyday(_bare(w).lower()) and major_place(_bare(w)) != "name"
    ]
    return len(common) >= TITLE_CASE_WORDS


def _shouting(title: str) -> bool:
    letters = [c for c in title if c.isalpha()]
    return len(letters) >= 12 and all(c.isupper() for c in letters)


def _usage(body: str) -> dict[str, tuple[int, int]]:
    """word (lower case) -> (times written capitalised, times in lower case) inside a sentence."""
    seen: dict[str, tuple[int, int]] = {}
    for m in _WORD.finditer(body):
        if _SENTENCE_START.search(body[max(0, m.start() - 3) : m.start()]):
            continue
        word = _bare(m.group(0))
        key = word.lower()
        up, low = seen.get(key, (0, 0))
        seen[key] = (up + 1, low) if word[:1].isupper() else (up, low + 1)
    return seen


@lru_cache(maxsize=1)
def _people() -> tuple[frozenset[str], frozenset[str]]:
    from newsdesk.nlp.names import given_names, surnames

    return given_names(), surnames()


def truecase_headline(title: str, body: str = "") -> str:
    """The headline as a sentence would write it, when it is in title case (or in capitals);
    otherwise unchanged. Same length, same offsets."""
    given = title
    shouted = _shouting(title)
    if shouted:
        title = re.sub(r"[^\W\d_]+", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), title)
    if not shouted and not is_title_case(title):
        return title
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(title)]
    usage = _usage(body)
    words = list(_WORD.finditer(title))
    bares = [_bare(m.group(0)) for m in words]
    named = _person_names(bares) | _places(words, title) | _runs_in(words, title, body)
    out = list(title)
    for i, m in enumerate(words):
        word, bare = m.group(0), bares[i]
        key = bare.lower()
        if (
            i == 0
            or i in named
            or not _cased(word)
            or any(a <= m.start() < b for a, b in quoted)
            or key in _CALENDAR
            or key in DEMONYMS  # "Iranian", "British"
            or title[m.end() : m.end() + 1] == "."  # "Mt. Gox", "St. Louis"
            or bare != word  # a possessive: "Microsoft's Xbox", "Citi's Take"
            or (len(word) == 1 and title[m.start() - 1 : m.end() + 1].strip() != word)  # Q&A
        ):
            continue
        up, low = usage.get(key, (0, 0))
        if up > low:
            continue  # the body writes it as a name
        if low or key in STOP_WORDS or everyday(key):
            out[m.start()] = word[0].lower()
    cased = "".join(out)
    # a letter whose other case is longer ("İ", "ß"): the headline as it came, offsets kept
    return cased if len(cased) == len(given) else given


def _person_names(words: list[str]) -> set[int]:
    """Indexes of the words that are a given name and the capitalised word after it, when that
    is a surname or no everyday word ("Gordon Brown", "Will Smith", "Rose Byrne"; not "Clare
    Tells", "Will Increase")."""
    given, family = _people()
    out: set[int] = set()
    for i, word in enumerate(words[:-1]):
        after = words[i + 1]
        if word in given and _cased(after) and (after in family or not everyday(after.lower())):
            out.update((i, i + 1))
    return out


def _runs_in(words: list[re.Match[str]], title: str, body: str) -> set[int]:
    """Indexes of the words of a run of two or more capitalised words that the body writes as
    they are ("Six Nations", "Pershing Square"): a name."""
    out: set[int] = set()
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and words[j + 1].group(0)[:1].isupper():
            if title[words[j].end() : words[j + 1].start()] != " ":
                break
            j += 1
        for a in range(i, j):  # every sub-run of two or more, longest first
            for b in range(j, a, -1):
                if b in out and a in out:
                    continue
                if title[words[a].start() : words[b].end()] in body:
                    out.update(range(a, b + 1))
        i = j + 1
    return out


def _places(words: list[re.Match[str]], title: str) -> set[int]:
    """Indexes of the words that name a country, a region or a city of 100,000 people, alone
    or as a run of two or three ("United States", "Abu Dhabi")."""
    out: set[int] = set()
    for i in range(len(words)):
        for n in (3, 2, 1):
            run = words[i : i + n]
            if len(run) < n or any(not w.group(0)[:1].isupper() for w in run):
                continue
            name = title[run[0].start() : run[-1].end()]
            if major_place(_bare(name)) == "name":
                out.update(range(i, i + n))
                break
    return out
