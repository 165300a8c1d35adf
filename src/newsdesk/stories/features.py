"""Signature terms of an article for story clustering: content words and names/numbers.

Stored per article (enrichments.terms) as raw counts; the clustering weights them by TF-IDF over
the articles it compares, so the words that tell two similar events apart (the other boxer, the
ship's name, "26 pirates") count most.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from functools import lru_cache
from typing import Any

from newsdesk.nlp.truecase import truecase_headline

MAX_WORDS = 120
MAX_NAMES = 40
# Affixes: the first and last AFFIX_WORDS words of the headline and the first of the body, kept
# so that the clustering can tell an outlet's series labels ("Opinion:", "… Fast Facts", "Read
# CNN's Fast Facts about …", "Live updates:") from what an item says.
AFFIX_WORDS = (3, 4)
# Texts shorter than this (headline or teaser only) are "short": their similarities run lower.
SHORT_WORDS = 40

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2}|\d[\d.,]*\d|\d", re.UNICODE)
_NAME = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’-]*[^\W_]|[A-Z]{2,})(?:\s+(?:[A-Z][\w'’-]*[^\W_]|[A-Z]{2,}))*"
    r"|(?<![\w.,])\d[\d.,]*\d(?![\w])|(?<![\w.,])\d{2,}(?![\w])",
    re.UNICODE,
)
_SENT_START = re.compile(r"(?:^|[.!?:;\"“”]\s+|\n\s*)$")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "can't",
        "cannot",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "he'd",
        "he'll",
        "he's",
        "her",
        "here",
        "here's",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "how's",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "let's",
        "me",
        "more",
        "most",
        "mustn't",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shan't",
        "she",
        "she'd",
        "she'll",
        "she's",
        "should",
        "shouldn't",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn't",
        "we",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "when's",
        "where",
        "where's",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "why",
        "why's",
        "with",
        "won't",
        "would",
        "wouldn't",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "said",
        "says",
        "say",
        "saying",
        "told",
        "tells",
        "according",
        "also",
        "just",
        "like",
        "will",
        "would",
        "could",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "two",
        "new",
        "news",
        "year",
        "years",
        "time",
        "times",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "today",
        "yesterday",
        "tomorrow",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mr",
        "mrs",
        "ms",
        "dr",
        "get",
        "got",
        "go",
        "goes",
        "going",
        "went",
        "make",
        "made",
        "makes",
        "take",
        "took",
        "many",
        "much",
        "even",
        "still",
        "back",
        "well",
        "now",
        "first",
        "last",
        "since",
        "per",
        "via",
        "yet",
        "however",
        "though",
        "although",
        "around",
        "among",
        "us",
        "within",
        "without",
        "across",
        "another",
        "every",
        "including",
        "including",
        "us",
    ]
)


# Language codes whose stop-word list spaCy files under another name.
_SPACY_LANG = {"no": "nb"}


@lru_cache(maxsize=64)
def stopwords(language: str | None) -> frozenset[str]:
    """The stop words of a language (spaCy's lists), English's when it has none."""
    if not language or language == "en":
        return STOPWORDS
    code = _SPACY_LANG.get(language, language)
    if not code.isascii() or not code.isalpha():
        return STOPWORDS
    try:
        module = importlib.import_module(f"spacy.lang.{code}.stop_words")
    except ImportError:
        return STOPWORDS
    return frozenset(w.lower() for w in getattr(module, "STOP_WORDS", ())) | STOPWORDS


def _words(text: str, stop: frozenset[str] = STOPWORDS) -> Counter[str]:
    counts: Counter[str] = Counter()
    for match in _WORD.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < 2 or word in stop:
            continue
        counts[word] += 1
    return counts


def _names(title: str, text: str, stop: frozenset[str] = STOPWORDS) -> Counter[str]:
    """Capitalized phrases not at a sentence start, and numbers: a cheap proxy for names."""
    counts: Counter[str] = Counter()
    for part in (title, text):
        for match in _NAME.finditer(part):
            before = part[max(0, match.start() - 3) : match.start()]
            phrase = match.group(0)
            if not phrase[0].isdigit() and (match.start() == 0 or _SENT_START.search(before)):
                # A sentence-initial capital says nothing: keep the rest of a longer name.
                phrase = phrase.partition(" ")[2]
            key = " ".join(phrase.lower().replace("’", "'").split())
            if key.endswith("'s"):
                key = key[:-2]
            if key and key not in stop:
                counts[key] += 1
    return counts


def _countries_in_english(names: Counter[str], language: str) -> Counter[str]:
    """Countries named in the article's language under their English names, as English
    articles' bags have them: DR's "Polen" is CNN's "poland" (CLDR's and ISO's names)."""
    from newsdesk.nlp.names import country_in_english

    out: Counter[str] = Counter()
    for key, n in names.items():
        english = country_in_english(key, language) if " " not in key else None
        out[english.lower() if english else key] += n
    return out


def extract_terms(
    title: str,
    text: str,
    entities: list[str] | None = None,
    language: str | None = None,
    reports: bool | None = None,
) -> dict[str, Any]:
    """{"w": {word: count}, "n": {name: count}, "len": words} for one article.

    `reports`: whether the headline has a finite verb (the analysis's `headline_verb`),
    stored as "v" when known: a story's title prefers a headline that reports.

    `entities`: canonical entity keys from the text analysis, counted as names when given;
    `language`: whose stop words to leave out (English's too, for the quotes and names of
    English in other languages' news).
    """
    title = title or ""
    text = text or ""
    body = text if not text.startswith(title) else text[len(title) :]
    stop = stopwords(language)
    words = _words(f"{title}\n{body}", stop)
    if language in (None, "en"):  # a headline in title case: its capitals are no names
        title = truecase_headline(title, body)
    names = _names(title, body, stop)
    if language not in (None, "en"):
        names = _countries_in_english(names, language)
    for key in entities or []:
        names[key.lower()] += 1
    length = sum(words.values())
    out = {
        "w": dict(words.most_common(MAX_WORDS)),
        "n": dict(names.most_common(MAX_NAMES)),
        "len": length,
        "a": affixes(title, body),
    }
    if reports is not None:
        out["v"] = reports
    return out


_AFFIX_TOKEN = re.compile(r"[^\W_][\w'’]*", re.UNICODE)


def affixes(title: str, body: str) -> list[str]:
    """The headline's first and last 3-4 words ("t<", "t>") and the body's first ("b<"), lower
    case: where outlets put their series and section labels."""
    out: list[str] = []
    head = [w.lower().replace("’", "'") for w in _AFFIX_TOKEN.findall(title)]
    lead = [w.lower().replace("’", "'") for w in _AFFIX_TOKEN.findall(body[:300])]
    for k in AFFIX_WORDS:
        if len(head) > k:  # a label, not the whole headline
            out += [f"t<{' '.join(head[:k])}", f"t>{' '.join(head[-k:])}"]
        if len(lead) > k:
            out.append(f"b<{' '.join(lead[:k])}")
    return out


def is_short(terms: dict[str, Any] | None) -> bool:
    return not terms or int(terms.get("len", 0)) < SHORT_WORDS
