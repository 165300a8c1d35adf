"""A short profile of a person, organisation or place, built from the coverage's own sentences.

    profile_of("Hossein Salami", "person", coverage, descriptions=..., places=..., people=...)

Every fact is one whole sentence of an article (never a piece of one), with the article it came
from and a date: one written in the sentence ("in 2019", "on Thursday" counted back from the
article's date) or else the article's own date. What is picked, by rules kept as data in
newsdesk.nlp.lexicon.profiles:

- role: a stored description of the entity that names a post ("Russia's UN ambassador", "the
  commander of ... (IRGC)"), with the sentence that says it;
- events: sentences where the entity is the subject of an event verb ("Salami had been
  appointed ...", "Salami died ..."), in date order;
- predecessor / successor: "X replaced / succeeded / took over from Y", "Y was replaced by X",
  "X was announced as his successor";
- where (places, and organisations that are sites): "X, a city in Y", "X, in central Y",
  "Y's capital, X", else the name placed ("at X", "the X area") in a sentence that places it
  in a wider place of the coverage ("in Syria", "on Iran") mentioned at least as often;
- happened: sentences placing an event at the place ("strikes in X"), newest first.

Plain text in, plain dataclasses out; no database, no model: it runs while a page renders.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from newsdesk.nlp.gazetteer import is_country
from newsdesk.nlp.lexicon import profiles as lx
from newsdesk.nlp.lexicon.entity_types import PERSON_ROLE_WORDS
from newsdesk.nlp.text import normalize_text, sentences

ROLE_NOUNS = frozenset(PERSON_ROLE_WORDS.split()) | {"commander-in-chief", "head", "chief"}
MONTHS = {calendar.month_name[i].lower(): i for i in range(1, 13)}
WEEKDAYS = [calendar.day_name[i].lower() for i in range(7)]
_MONTH = r"(?P<month>" + "|".join(m.capitalize() for m in MONTHS) + r")"
_DATES = (
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<day>\d{1,2})\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b"),
    re.compile(_MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b"),
    re.compile(_MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"),
    re.compile(r"\bon\s+(?P<weekday>" + "|".join(w.capitalize() for w in WEEKDAYS) + r")\b"),
    re.compile(r"(?<![\w$£€-])(?P<year>(?:19|20)\d\d)(?![\w%-])"),
)
_DATELINE = re.compile(r"^[A-Z][A-Z .,'-]{1,40}:\s+(?=[A-Z'‘“])")
_NAME = r"(?:[A-Z][\w'’-]+(?:\s+(?:al-|el-|bin\s+|ibn\s+|de\s+|van\s+|von\s+)?[A-Z][\w'’-]+){0,4})"
_PRONOUN = r"(?:he|she|He|She)"
_WHO = "(?P<{g}>" + _NAME.replace("{", "{{").replace("}", "}}") + "|" + _PRONOUN + ")"
_OPEN_SINGLE = re.compile(r"(?:^|(?<=[\s(\[—–-]))['‘](?=\w)")
_CLOSE_SINGLE = re.compile(r"(?<=[\w.,!?;:)\]])['’](?=$|[\s.,;:!?)\]—–-])")
_ENDS = re.compile(r"[.!?][\"'’”)\]]*$")


@dataclass(frozen=True)
class Coverage:
    """One article the profile may cite."""

    article_id: int
    text: str
    published: date | None = None


@dataclass
class Fact:
    kind: str  # role | event | predecessor | successor | where | happened
    sentence: str  # one whole sentence of the article, as written
    article_id: int
    when: str | None  # "2019", "June 2025", "12 June 2025"
    on: date | None  # for ordering
    dated: bool  # the date is written in the sentence (else it is the article's)
    detail: str | None = None  # the role, the other person, the wider place


@dataclass
class Profile:
    roles: list[Fact] = field(default_factory=list)
    events: list[Fact] = field(default_factory=list)  # oldest first
    predecessors: list[Fact] = field(default_factory=list)
    successors: list[Fact] = field(default_factory=list)
    where: list[Fact] = field(default_factory=list)
    happened: list[Fact] = field(default_factory=list)  # newest first

    def facts(self) -> list[Fact]:
        return [
            *self.roles,
            *self.predecessors,
            *self.successors,
            *self.events,
            *self.where,
            *self.happened,
        ]

    def __bool__(self) -> bool:
        return bool(self.facts())


# --- sentences -------------------------------------------------------------------------------


def whole_sentence(sentence: str) -> bool:
    """A sentence that stands on its own: starts with a capital (or an opening quote and one),
    ends with a full stop, ! or ?, has its quotation marks balanced and at least five words."""
    s = sentence.strip()
    if len(s.split()) < 5 or not _ENDS.search(s):
        return False
    first = s.lstrip("'‘\"“(")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    if s.count("“") != s.count("”") or s.count('"') % 2:
        return False
    if len(_OPEN_SINGLE.findall(s)) != len(_CLOSE_SINGLE.findall(s)):
        return False
    return s.count("(") == s.count(")") and s.count("[") == s.count("]")


def _sentences(text: str) -> list[str]:
    return _whole(sentences(normalize_text(text)))


def _whole(split: list[str]) -> list[str]:
    out = []
    for s in split:
        s = _DATELINE.sub("", " ".join(s.split()))
        if whole_sentence(s):
            out.append(s)
    return out


def _mentioning(text: str, names: Sequence[str]) -> list[str]:
    """_sentences(text) that mention one of `names`. Only the paragraphs that do are split
    (sentences never cross paragraphs): a profile reads 40 articles, most of whose paragraphs
    name someone else, and splitting them took two thirds of a tag page."""
    out: list[str] = []
    for paragraph in normalize_text(text).split("\n"):
        if _mentions(" ".join(paragraph.split()), names):
            out.extend(s for s in _whole(sentences(paragraph)) if _mentions(s, names))
    return out


# --- dates -----------------------------------------------------------------------------------


def _label(year: int, month: int | None = None, day: int | None = None) -> str:
    if month is None:
        return str(year)
    name = list(MONTHS)[month - 1].capitalize()
    return f"{day} {name} {year}" if day else f"{name} {year}"


def sentence_date(sentence: str, published: date | None) -> tuple[str, date, bool] | None:
    """The first date written in the sentence (label, day, True), else the article's date
    (label, day, False), else None. Weekdays count back from the article's date."""
    found: list[tuple[int, str, date]] = []
    for pattern in _DATES:
        m = pattern.search(sentence)
        if m is None:
            continue
        g = m.groupdict()
        try:
            if g.get("weekday"):
                if published is None:
                    continue
                back = (published.weekday() - WEEKDAYS.index(g["weekday"].lower())) % 7
                day = published - timedelta(days=back)
                found.append((m.start(), _label(day.year, day.month, day.day), day))
                continue
            month = MONTHS[g["month"].lower()] if g.get("month") else None
            year = int(g["year"]) if g.get("year") else (published.year if published else None)
            if year is None:
                continue
            dnum = int(g["day"]) if g.get("day") else None
            day = date(year, month or 1, dnum or 1)
            found.append((m.start(), _label(year, month, dnum), day))
        except ValueError:
            continue
    if found:
        _, label, day = min(found, key=lambda f: f[0])
        return label, day, True
    if published is not None:
        return _label(published.year, published.month, published.day), published, False
    return None


def _fact(kind: str, sentence: str, doc: Coverage, detail: str | None = None) -> Fact:
    dated = sentence_date(sentence, doc.published)
    when, on, written = dated if dated else (None, None, False)
    return Fact(kind, sentence, doc.article_id, when, on, written, detail)


# --- names -----------------------------------------------------------------------------------


def name_variants(label: str, kind: str) -> list[str]:
    """How the coverage writes the name: in full and, for a person, the last name."""
    parts = label.split()
    names = [label]
    if kind == "person" and len(parts) > 1 and len(parts[-1]) >= 3 and parts[-1][0].isupper():
        names.append(parts[-1])
    return names


@lru_cache(maxsize=512)
def _name_re(name: str) -> str:
    return r"(?<![\w-])" + re.escape(name).replace(r"\ ", r"\s+") + r"(?![\w-])"


def _mentions(sentence: str, names: Sequence[str]) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    for name in names:
        found.extend(re.finditer(_name_re(name), sentence))
    return sorted(found, key=lambda m: m.start())


def _is(names: Sequence[str], text: str) -> bool:
    text = re.sub(r"['’]s$", "", text.strip())
    return any(text == n or text.endswith(" " + n) for n in names)


# --- the rules -------------------------------------------------------------------------------


def _role(phrase: str, kind: str) -> bool:
    words = [w.strip(",.()'’").lower() for w in phrase.split()]
    words = [re.sub(r"['’]s$", "", w) for w in words if w]
    if not words or words[-1] in lx.DANGLING or phrase.count("(") != phrase.count(")"):
        return False
    if kind == "person":
        return any(w in ROLE_NOUNS for w in words)
    return len(words) >= 2 and "," not in phrase


# "X, the commander of ..., was", "X, Russia's UN ambassador, told": not "X, Salami rose ...,".
_APPOSITION = re.compile(
    r"^\s*,\s+(?:the|a|an|who|which|his|her|its|their|now|then|\d+|[A-Z][\w-]*['’]s)\s[^,.;]{0,150},"
)
_AMONG = re.compile(
    r"^\s+(?:was|were)\s+among\s+[^.;]{1,100}?\s+(?:killed|wounded|arrested|injured|detained)\b"
)
_PHRASES = [re.compile(r"^\s+" + p + r"\b") for p in lx.EVENT_PHRASES]


def _is_event(sentence: str, mention: re.Match[str]) -> bool:
    """The name is the subject of an event verb: "Salami, ..., had been appointed", "X died"."""
    rest = sentence[mention.end() :]
    rest = rest[m.end() :] if (m := _APPOSITION.match(rest)) else rest
    if _AMONG.match(rest) or any(p.match(rest) for p in _PHRASES):
        return True
    for word in re.findall(r"[\w'’-]+", rest)[:6]:
        if word in lx.EVENT_VERB_WORDS:
            return True
        if word not in lx.BETWEEN_WORDS:
            return False
    return False


def _person_at(sentence: str, at: int, people: Sequence[str], subject: bool) -> str | None:
    """Whom a pronoun at `at` stands for: the latest person named before it (for "he", the
    latest named as a subject: followed by a verb, "Salami rose ...")."""
    best: tuple[int, str] | None = None
    for person in people:
        for variant in name_variants(person, "person"):
            for m in re.finditer(_name_re(variant), sentence[:at]):
                nxt = re.match(r"\s+([a-z]+)", sentence[m.end() :])
                if subject and (nxt is None or nxt.group(1) in lx.NOT_VERBS):
                    continue
                if best is None or m.start() > best[0]:
                    best = (m.start(), person)
    return best[1] if best else None


def _succession(
    sentence: str, label: str, names: Sequence[str], people: Sequence[str]
) -> list[tuple[str, str]]:
    """(kind, other name) pairs: ("predecessor", "Mohammad Ali Jafari") for
    "Salami ... when he replaced Mohammad Ali Jafari" on Salami's profile."""
    everyone = [label, *people]
    out: list[tuple[str, str]] = []

    def who(text: str | None, at: int, subject: bool = True) -> str | None:
        if text is None or text in ("his", "her", "their"):
            return _person_at(sentence, at, everyone, subject=False)
        if re.fullmatch(_PRONOUN, text):
            return _person_at(sentence, at, everyone, subject=subject)
        return label if _is(names, text) else text

    def add(successor: str | None, predecessor: str | None) -> None:
        if successor == label and predecessor and predecessor != label:
            out.append(("predecessor", predecessor))
        elif predecessor == label and successor and successor != label:
            out.append(("successor", successor))

    a, b = _WHO.format(g="a"), _WHO.format(g="b")
    for m in re.finditer(rf"{a}\s+{lx.SUCCEEDS}\s+{b}", sentence):
        add(who(m["a"], m.start("a")), who(m["b"], m.start("b")))
    for m in re.finditer(rf"{b}\s+{lx.SUCCEEDED_BY}\s+{a}", sentence):
        add(who(m["a"], m.start("a")), who(m["b"], m.start("b")))
    poss = rf"(?:(?P<pron>his|her|their)|(?P<b>{_NAME})['’]s)"
    named = rf"{a}\s+{lx.NAMED_SUCCESSOR}{poss}\s+(?:new\s+)?{lx.SUCCESSOR_WORD}"
    for m in re.finditer(named, sentence):
        before = who(m["pron"], m.start("a")) if m["pron"] else who(m["b"], m.start("b"))
        add(who(m["a"], m.start("a")), before)
    for m in re.finditer(rf"{b}['’]s\s+{lx.PREDECESSOR_WORD},?\s+{a}", sentence):
        add(who(m["b"], m.start("b")), who(m["a"], m.start("a")))
    return out


_PLACE_NOUN = r"(?P<noun>" + "|".join(sorted(lx.PLACE_NOUNS)) + r")"
_WHERE_PATTERNS = (
    # "Palmyra, a city in central Syria", "X, an area of Y"
    r"{x},\s+(?P<detail>(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?"
    + _PLACE_NOUN
    + r"\s+(?:in|of|near|on|outside)\s+(?:the\s+)?(?:"
    + lx.DIRECTIONS
    + r"\s+)?"
    r"(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}}))",
    # "Palmyra, in central Syria", "X, north of Y"
    r"{x},\s+(?P<detail>(?:(?:in|near|outside)\s+(?:the\s+)?(?:"
    + lx.DIRECTIONS
    + r"\s+)?|"
    + lx.DIRECTIONS
    + r"\s+of\s+)(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}}))",
    # "X, Syria's capital", "X, the capital of Y"
    r"{x},\s+(?P<detail>(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}})['’]s\s+"
    + _PLACE_NOUN
    + r")",
    r"{x},\s+(?P<detail>the\s+"
    + _PLACE_NOUN
    + r"\s+of\s+(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}}))",
    # "Syria's capital, Damascus"
    r"(?P<detail>(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}})['’]s\s+"
    + _PLACE_NOUN
    + r"),?\s+{x}",
    # "X is a city in Y"
    r"{x}\s+is\s+(?P<detail>(?:a|an|the)\s+(?:[\w-]+\s+){{0,2}}?"
    + _PLACE_NOUN
    + r"\s+(?:in|of|near|on)\s+(?:the\s+)?(?:"
    + lx.DIRECTIONS
    + r"\s+)?"
    r"(?P<y>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){{0,3}}))",
)
_LOCATED_BEFORE = re.compile(
    r"\b" + lx.LOCATIVE + r"\s+(?:the\s+)?(?:(?:" + lx.DIRECTIONS + r"|[\w-]+)\s+){0,2}$"
)
_LOCATED_AFTER = re.compile(r"^(?:['’]s)?\s+" + _PLACE_NOUN + r"\b")


def _located(sentence: str, m: re.Match[str]) -> bool:
    """The name is placed: "in Syria", "at Natanz", "the Palmyra area", "the Natanz facility"."""
    before, after = sentence[max(0, m.start() - 40) : m.start()], sentence[m.end() :]
    if _LOCATED_AFTER.match(after):
        return True
    return bool(_LOCATED_BEFORE.search(before)) and not re.match(r"['’]s\b", after)


def _site(sentence: str, names: Sequence[str]) -> bool:
    """An organisation named as a site: "the Natanz facility", "the plant at Natanz"."""
    for m in _mentions(sentence, names):
        before = sentence[max(0, m.start() - 40) : m.start()]
        if _LOCATED_AFTER.match(sentence[m.end() :]) or re.search(
            _PLACE_NOUN + r"\s+(?:at|in|of)\s+$", before
        ):
            return True
    return False


def _where(sentence: str, names: Sequence[str], places: dict[str, int], own: int) -> str | None:
    for name in names:
        x = _name_re(name)
        for template in _WHERE_PATTERNS:
            m = re.search(template.format(x=x), sentence)
            if m and not _is(names, m["y"]):
                return " ".join(m["detail"].split())
    mentions = [m for m in _mentions(sentence, names) if _located(sentence, m)]
    if not mentions:
        return None
    best: tuple[int, int, str] | None = None
    for place, count in places.items():
        if count < own or _is(names, place) or any(place in n or n in place for n in names):
            continue
        for m in re.finditer(_name_re(place), sentence):
            before = sentence[max(0, m.start() - 25) : m.start()]
            prep = re.search(r"\b(in|across|throughout|inside|within|on)\s+(?:the\s+)?$", before)
            if prep and (best is None or (count, -m.start()) > best[:2]):
                word = "in" if prep.group(1) in ("on", "inside", "within") else prep.group(1)
                the = "the " if re.search(r"\bthe\s+$", before) else ""
                best = (count, -m.start(), f"{word} {the}{place}")
    return best[2] if best else None


def _happened(sentence: str, names: Sequence[str]) -> bool:
    if not any(_located(sentence, m) for m in _mentions(sentence, names)):
        return False
    words = {w.lower() for w in re.findall(r"[\w-]+", sentence)}
    return bool(words & lx.PLACE_EVENT_WORDS)


# --- the profile -----------------------------------------------------------------------------


def profile_of(
    label: str,
    kind: str,
    coverage: Iterable[Coverage],
    *,
    descriptions: Iterable[tuple[str, int]] = (),
    places: dict[str, int] | None = None,
    people: Sequence[str] = (),
) -> Profile:
    """The profile of an entity from its coverage (newest article first).

    `descriptions` are (phrase, article id) pairs stored for it; `places` the coverage's other
    places with their article counts (the entity's own count under its label); `people` the
    coverage's other people, for "he replaced X" and "X was announced as his successor"."""
    docs = list(coverage)
    by_id = {d.article_id: d for d in docs}
    names = name_variants(label, kind)
    places = dict(places or {})
    own = places.pop(label, 1)
    if kind == "place" and is_country(label):  # a country is not "in Iraq" (GeoNames says)
        places = {p: n for p, n in places.items() if not is_country(p)}
    profile = Profile()
    used: set[str] = set()

    def take(bucket: list[Fact], fact: Fact) -> None:
        if fact.sentence not in used:
            used.add(fact.sentence)
            bucket.append(fact)

    split = {d.article_id: _mentioning(d.text, names) for d in docs}

    for doc in docs:  # predecessors and successors first: they are the rarest facts
        for s in split[doc.article_id]:
            for which, other in _succession(s, label, names, people):
                bucket = profile.predecessors if which == "predecessor" else profile.successors
                if len(bucket) < lx.MAX_LINKS and all(f.detail != other for f in bucket):
                    take(bucket, _fact(which, s, doc, other))

    roles: list[tuple[bool, int, str, str, Coverage]] = []  # quoted?, -sources, ...
    counts: dict[str, int] = {}
    described = list(descriptions)
    for phrase, _ in described:
        key = " ".join(phrase.split()).strip(" ,;:").casefold()
        counts[key] = counts.get(key, 0) + 1
    seen_roles: set[str] = set()
    for phrase, article_id in described:
        phrase = " ".join(phrase.split()).strip(" ,;:")
        cited = by_id.get(article_id)
        if cited is None or not _role(phrase, kind) or phrase.casefold() in seen_roles:
            continue
        candidates = [s for s in split[article_id] if phrase in s]
        candidates.sort(key=lambda s: s[0] in "'‘\"“")  # a quotation's sentence last
        if candidates:
            seen_roles.add(phrase.casefold())
            quoted = candidates[0][0] in "'‘\"“"
            roles.append((quoted, -counts[phrase.casefold()], phrase, candidates[0], cited))
    roles.sort(key=lambda r: r[:2])
    for _, _, phrase, sentence, doc in roles:
        if len(profile.roles) < lx.MAX_ROLES:
            take(profile.roles, _fact("role", sentence, doc, phrase))

    if kind == "person" or kind == "organization":
        events: list[Fact] = []
        for doc in docs:
            for s in split[doc.article_id]:
                if s[0] not in "'‘\"“" and any(_is_event(s, m) for m in _mentions(s, names)):
                    take(events, _fact("event", s, doc))
        events.sort(key=lambda f: (not f.dated, f.on or date.max))  # dated ones as a timeline
        profile.events = events[: lx.MAX_EVENTS]

    site = kind == "organization" and any(_site(s, names) for ss in split.values() for s in ss)
    if kind == "place" or site:
        for doc in docs:
            for s in split[doc.article_id]:
                detail = _where(s, names, places, own)
                fresh = all(f.detail != detail for f in profile.where)
                if detail and fresh and len(profile.where) < lx.MAX_WHERE:
                    take(profile.where, _fact("where", s, doc, detail))
        happened: list[Fact] = []
        for doc in docs:
            for s in split[doc.article_id]:
                if _happened(s, names):
                    take(happened, _fact("happened", s, doc))
        order = {d.article_id: i for i, d in enumerate(docs)}
        happened.sort(key=lambda f: order[f.article_id])  # newest article first, text order
        profile.happened = happened[: lx.MAX_HAPPENED]
    return profile
