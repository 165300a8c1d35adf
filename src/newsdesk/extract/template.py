"""An outlet's template: paragraphs it repeats in item after item, and its own name in its
headlines.

A podcast's "This episode is sponsored by:", its sponsor's offer code, "Links and Show Notes:",
a columnist's byline paragraph, a blog's "The post <headline> appeared first on <site>." are
the outlet's, not the article's: a paragraph written in MIN_ITEMS or more of one outlet's items
with different headlines is left out of what the analysis reads (hashtags, summary, figures,
quotes, story vectors, the near-copy signature). The stored text keeps them. So is the
outlet's name (or its initials) as a part of a headline: "iOS Dev Weekly - Issue 506",
"WWDTM: Bethenny Frankel" on "Wait Wait... Don't Tell Me!", "… | CNN"; and its numbering, a
first or last headline part that MIN_ITEMS of its items write with other numbers ("Fernando
Cejas – Podcast S11 E08", "219: WWDC 2021"). And its hosts: a one-word name written in most of
its items, never as a surname ("This week John and Scotty talk …"), is no item's hashtag of a
person.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from newsdesk.nlp.summarize import announces_sponsor, is_heading
from newsdesk.sources.outlet_words import SECTION_WORDS, SEPARATORS

# Three items, each with its own headline: two articles of one story may share a paragraph of
# background; a template is in every item.
MIN_ITEMS = 3

# A one-word name in more than HOST_SHARE of an outlet's items (of HOST_ITEMS or more), never
# written after a given name, is its host's.
HOST_SHARE = 0.5
HOST_ITEMS = 20
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_PAIR = re.compile(r"\b([A-Z][a-z]+) ([A-Z][a-z]+)\b")
_ALNUM = re.compile(r"[^\W_]")
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n){2,}")
_DIGITS = re.compile(r"\d+")
_PARTS = re.compile("|".join(re.escape(sep) for sep in SEPARATORS))


@dataclass(frozen=True)
class Template:
    """What an outlet repeats around its items' news (see the module's docstring)."""

    paragraphs: frozenset[str] = frozenset()  # template_paragraphs' keys
    hosts: frozenset[str] = frozenset()
    numbering: frozenset[str] = frozenset()  # headline parts' shapes (_shape)


def outlet_template(items: list[tuple[str, str]]) -> Template:
    """The template of an outlet's items (headline, text)."""
    return Template(frozenset(template_paragraphs(items)), hosts(items), numbering(items))


def _head(title: str) -> str:
    return " ".join(title.split()).lower()


def _key(paragraph: str, head: str) -> str:
    """A paragraph's key; `head`: its item's headline as _head() gives it."""
    key = " ".join(paragraph.split()).lower()
    if len(head) >= 12 and head in key:  # "The post <headline> appeared first on ..."
        named = key.replace(head, "\x00")
        if len(named.split()) >= 5:  # not a paragraph that is little more than the headline
            return named
    return key


def template_paragraphs(items: Iterable[tuple[str, str]]) -> set[str]:
    """Keys of the paragraphs that MIN_ITEMS or more items (headline, text) with different
    headlines all hold."""
    titles: defaultdict[str, set[str]] = defaultdict(set)
    for title, text in items:
        head = _head(title)
        for paragraph in text.split("\n"):
            if _ALNUM.search(paragraph):
                titles[_key(paragraph, head)].add(head)
    return {key for key, heads in titles.items() if len(heads) >= MIN_ITEMS}


def without_template(title: str, text: str, template: AbstractSet[str]) -> str:
    """The text without the outlet's template paragraphs, nor the sponsor's read a template
    paragraph announces ("This episode of Under the Radar is sponsored by:"): the sponsor's
    line after it and what follows, up to the next template paragraph or heading ("Xojo:
    Create native cross-platform desktop, web, mobile & Raspberry Pi apps. Use code
    RADAR2018 for 20% off any licence." is no summary, and Xojo no hashtag)."""
    if not template:
        return text
    head = _head(title)
    paragraphs = text.split("\n")
    kept: list[str] = []
    read = 0  # in a read: 2 before its sponsor's line, 1 after it
    for p in paragraphs:
        if _key(p, head) in template:
            read = 2 if announces_sponsor(p) else 0
        elif read and p.strip():
            if read == 1 and is_heading(p.strip()):
                read = 0
                kept.append(p)
            else:
                read = 1
        elif not read:
            kept.append(p)
    if len(kept) == len(paragraphs):
        return text
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip("\n")


def slug(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


@lru_cache(maxsize=4096)
def outlet_names(outlet: str) -> frozenset[str]:
    """How a headline or a tag may write the outlet's name, as slugs: "waitwaitdonttellme" and
    its initials "wwdtm" (three words or more); "undertheradar"; "ideveloper" of "The
    iDeveloper Podcast"; the author a name "X by Y" gives ("sundell" of "Swift by Sundell",
    whose items were tagged #Sundell, "What is Sundell?")."""
    words = [w for w in outlet.split() if any(ch.isalpha() for ch in w)]
    names = {slug(outlet)}
    if len(words) >= 3:
        names.add("".join(next(ch for ch in w if ch.isalnum()) for w in words).casefold())
        if author := re.search(r"\bby\s+(\S.*)$", outlet):
            names.add(slug(author.group(1)))
    # "The iDeveloper Podcast": "ideveloper"; not "BBC" of "BBC News" (a name of its own)
    if words and words[0].casefold() == "the":
        core = words[1:]
        while core and core[-1].casefold() in SECTION_WORDS:
            core = core[:-1]
        names.add(slug(" ".join(core)))
    return frozenset(n for n in names if len(n) >= 2)


@lru_cache(maxsize=4096)
def outlet_kind(outlet: str) -> frozenset[str]:
    """The section words an outlet's name ends with ("podcast" of "The iDeveloper Podcast",
    "blog" of "RevenueCat Blog"): what it is, no topic of its items."""
    words = outlet.casefold().split()
    kinds: set[str] = set()
    while words and words[-1] in SECTION_WORDS:
        kinds.add(words.pop())
    return frozenset(kinds)


def without_outlet_name(title: str, outlet: str, numbering: frozenset[str] = frozenset()) -> str:
    """The headline without first or last parts that are the outlet's name (with a number:
    "The iDeveloper Podcast 100: Reviews and Predictions") or its numbering (numbering()),
    unless what is left would be such a part too ("Season 11 Kickoff – Podcast S11 E00")."""
    names = outlet_names(outlet)
    if not names and not numbering:
        return title

    def label(part: str) -> bool:
        return _numbered(part) in names or _shape(part) in numbering

    while True:
        cut = _without_end_label(title, label)
        if cut is None or (label(cut) and len(_PARTS.split(cut)) == 1):
            return title
        title = cut


def _without_end_label(title: str, label: Callable[[str], bool]) -> str | None:
    for sep in SEPARATORS:
        head, found, rest = title.partition(sep)
        if found and rest.strip() and label(head):
            return rest.strip()
        rest, found, tail = title.rpartition(sep)
        if found and rest.strip() and label(tail):
            return rest.strip()
    return None


def _numbered(part: str) -> str:
    """A headline part's slug without an episode's number: "The iDeveloper Podcast 100"."""
    return slug(part).rstrip("0123456789")


def _shape(part: str) -> str:
    """A headline part's slug with each run of digits as "#" ("podcasts#e#" of "Podcast S11
    E08"); "" when it has no digit."""
    shape = "".join(ch for ch in _DIGITS.sub("#", part.casefold()) if ch.isalnum() or ch == "#")
    return shape if "#" in shape else ""


def numbering(items: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Shapes of headline parts (split at SEPARATORS) that MIN_ITEMS or more items write, each
    with other numbers: "Podcast S11 E08", "Podcast S10 E13". A label that keeps its number
    ("COVID-19: …") is no numbering."""
    written: defaultdict[str, set[str]] = defaultdict(set)
    for title, _text in items:
        parts = [p.strip() for p in _PARTS.split(title)]
        if len(parts) > 1:
            for part in parts:
                written[_shape(part)].add(part)
    written.pop("", None)
    return frozenset(shape for shape, parts in written.items() if len(parts) >= MIN_ITEMS)


def hosts(items: list[tuple[str, str]]) -> frozenset[str]:
    """One-word names the outlet writes in most of its items and never after a given name (a
    surname: "Donald Trump" in a politics feed): its hosts' ("John", "Scotty" of the
    iDeveloper Podcast: 235 and 194 of 297 episodes)."""
    if len(items) < HOST_ITEMS:
        return frozenset()
    seen: defaultdict[str, int] = defaultdict(int)
    for title, text in items:
        for word in set(_CAPITALISED.findall(f"{title}\n{text}")):
            seen[word] += 1
    often = {
        w for w, n in seen.items() if n > HOST_SHARE * len(items) and w.lower() not in STOP_WORDS
    }
    if not often:
        return frozenset()
    from newsdesk.nlp.names import given_names

    given = given_names()
    surnames = {
        m.group(2)
        for title, text in items
        for m in _PAIR.finditer(f"{title}\n{text}")
        if m.group(2) in often and m.group(1) in given
    }
    return frozenset(often - surnames)
