"""Hashtags for articles in languages the English models do not read: the names they use.

    name_hashtags("Nu er Søren Gade valgt som Folketingets formand", "", "da")
        -> [#SørenGade, #Folketinget]
    name_hashtags("Ukraine vil have adgang til det sted, hvor missil ramte i Polen", "", "da")
        -> [#Ukraine, #Poland]   (a country under its English name: one tag in every language)

No model: a name is what the writing system marks as one. A run of capitalised words in the
middle of a sentence ("Søren Gade", "Stardew Valley", "Roots of Pacha"), or a word written
unlike any common word ("TikTok", "iOS 17", "Poco F5", "KI"). At the start of a sentence (or
of a headline's part: "TikTok - Benutzt angeblich …") a capital says nothing, so a word there
counts only when it is a place (GeoNames, or a country's name in that language from CLDR or
the ISO 3166 translations), is written that way elsewhere in the text, or the words after it
continue the name. German capitalises every noun, so a single capitalised German word is no
name unless one of those holds. Common words (wordfreq, in the article's language) are not
names on their own. Scripts without capitals (Chinese, Arabic …) get no tags.

A name after an office ("Bundeskanzler Scholz", "statsminister Mette Frederiksen") or beside
a verb of speech ("Scholz sagte", "siger Frederiksen") is a person's, even a surname alone;
countries and cities of a million are tagged under their English names ("Rusland" #Russia,
"Wien" #Vienna). The word lists are data (nlp.lexicon.names).
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from newsdesk.nlp.gazetteer import (
    city_name,
    country_names,
    is_country,
    is_place_name,
    major_place,
)
from newsdesk.nlp.keyphrases import hashtag_slug
from newsdesk.nlp.lexicon.entities import ALIASES, FEMALE_NAMES, MALE_NAMES, SHORT_FORMS
from newsdesk.nlp.lexicon.names import (
    ADJECTIVE_ENDINGS,
    ARTICLES,
    CONTRACTIONS,
    GIVEN_NAME_LOCALES,
    HONORIFICS,
    SPEAKER_BEFORE,
    SPEECH,
    TITLE_ENDINGS,
    TITLES,
)
from newsdesk.nlp.text import zipf
from newsdesk.nlp.types import Description, Hashtag

MAXIMUM = 5
# Languages that capitalise every noun: there a capital alone marks no name.
NOUNS_CAPITALISED = frozenset({"de", "lb"})
# wordfreq's code where it differs from the detector's.
_WORDFREQ_LANGUAGE = {"no": "nb", "nn": "nb"}
# A word at least this common in the article's language (wordfreq's Zipf scale: "nu" 6.5,
# "mulig" 4.6, "Neue" 5.8; unless English uses it more: "Star Wars") is no name when it stands
# first in a sentence.
COMMON_ZIPF = 4.5
# Inside a sentence a capital marks a name, except on a handful of very common words (the
# polite "De" and "I" in Danish): these, at this Zipf or above, are never one-word names.
FUNCTION_ZIPF = 6.0
# Lower-case words that may join two capitalised ones inside a name: "Roots of Pacha",
# "Banco de España", "Walther von Goethe". Where every noun is capitalised, only after a word
# rarer than CONNECTED_ZIPF or than in English ("Age of Empires"): not "Bekämpfung von Hunger".
CONNECTORS = frozenset(["of", "&", "de", "del", "di", "da", "du", "la", "le", "van", "von", "y"])
CONNECTED_ZIPF = 3.5
# Those that open a surname written alone ("von Preen", "del Pópolo").
NAME_PARTICLES = frozenset(["von", "van", "de", "del", "da", "di", "du", "dos", "das"])
# and, right after one of those, these: "von der Leyen", "de la Rúa", "Van der Bellen".
SECOND_CONNECTORS = frozenset(["der", "den", "la", "las", "los", "le"])
# A German word (nlp.names._german_word) is this much commoner in German than in English
# (Zipf): "Herr" 5.3 / 2.9, "Daten" 5.2 / 2.2; "Thomas" 4.4 / 4.6 and "Apple" are not.
GERMAN_MARGIN = 1.5
GERMAN_ZIPF = 3.0  # and at least this common: rarer words are names as often ("Scobel")
# "Apples HomePod": a German genitive -s on a word at least this common in English.
BRAND_ZIPF = 3.5
# German nouns as topics after the names: at most TOPICS, each used TOPIC_COUNT times or more
# and rarer than COMMON_ZIPF.
TOPICS = 2
TOPIC_COUNT = 3
_WORD = re.compile(r"[^\W_](?:[\w]|[-'’.&](?=[^\W_]))*")
# What starts a sentence or a part of one: its end, a colon, a dash between spaces, a line
# break, a quotation mark or bracket.
_STARTERS = frozenset(".!?…:;\n«»„“”\"'‚‘(")


@dataclass
class _Run:
    words: list[str]
    initial: bool  # starts a sentence or a part of one
    followed: bool  # a lower-case word follows ("Folketingets formand")
    article: bool  # an article opens its noun phrase ("eine Menge …", "Der Microsoft …")
    before: str = ""  # the word right before it in the same sentence part ("statsminister")
    after: str = ""  # the word right after it ("sagte")


@dataclass
class _Name:
    label: str
    kind: str  # "person", "place", "organization" (an alias: "Nato") or "topic"
    count: int = 0
    first: int = 0
    in_title: bool = False
    offices: list[str] = field(default_factory=list)  # "Bundeswirtschaftsminister"


@dataclass
class _Text:
    """What the article tells about its words."""

    language: str
    countries: dict[str, str]
    written: set[str]  # capitalised inside a sentence
    lower: set[str]  # written in lower case somewhere
    articled: set[str] = field(default_factory=set)  # opening a phrase an article opens


def name_hashtags(title: str, body: str, language: str | None) -> list[Hashtag]:
    """Up to MAXIMUM hashtags for an article not in English: its names, the headline's first,
    then by how often the text uses them."""
    return name_tags(title, body, language)[0]


def name_tags(
    title: str, body: str, language: str | None
) -> tuple[list[Hashtag], list[Description]]:
    """name_hashtags, and the offices the text writes before the people among them
    ("Bundeswirtschaftsminister Robert Habeck": Robert Habeck, "Bundeswirtschaftsminister")."""
    if not language or language == "en":
        return [], []
    runs = [(r, True) for r in _runs(title, language)] + [(r, False) for r in _runs(body, language)]
    ctx = _Text(
        language,
        _countries(language),
        {w for r, _ in runs for w in (r.words[1:] if r.initial else r.words)},
        {m.group(0) for m in _WORD.finditer(f"{title}\n{body}") if m.group(0)[:1].islower()},
        {
            r.words[0]
            for r, _ in runs
            if r.words and (r.article or r.before.lower() in wordlist("contractions", language))
        },
    )
    names: dict[str, _Name] = {}
    left: list[tuple[str, int, bool]] = []  # single words not names by themselves
    for n, (run, in_title) in enumerate(runs):
        found = _name(run, ctx)
        if found is None:
            if len(run.words) == 1:
                left.append((run.words[0], n, in_title))
            continue
        key = hashtag_slug(SHORT_FORMS.get(found[0], found[0])).lower()
        if key:
            name = names.setdefault(key, _Name(*found, first=n))
            name.count += 1
            name.in_title = name.in_title or in_title
            if found[1] == "person" and name.kind == "topic":
                name.kind = "person"  # "Frederiksen", once after "statsminister"
            office = _office(run, found[0], language) if found[1] == "person" else None
            if office:
                name.offices.append(office)
    merged = _merged(names)
    surnames = {
        n.label.split()[-1]: n
        for n in merged.values()
        if len(n.label.split()) > 1 or n.kind == "person"
    }
    for word, n, in_title in left:  # "Merkel trifft Macron" after "Angela Merkel"
        if word in surnames:
            _count(surnames[word], 1, in_title, n)
    ranked = sorted(merged.values(), key=lambda n: (not n.in_title, -n.count, n.first))
    if ctx.language in NOUNS_CAPITALISED:
        taken = {w.lower() for n in ranked for w in n.label.split()}
        strong = [n for n in ranked if n.in_title or n.count > 1]
        weak = [n for n in ranked if not (n.in_title or n.count > 1)]
        ranked = strong + _topics(left, taken, ctx)[:TOPICS] + weak
    top = max((n.count for n in ranked), default=1)
    tags = [  # the rank kept in the score: pages list equal scores by slug, not headline order
        Hashtag(
            tag=hashtag_slug(SHORT_FORMS.get(n.label, n.label)),
            label=n.label,
            kind=n.kind,
            score=round(n.count / top * (1.0 - 0.01 * i), 3),
        )
        for i, n in enumerate(ranked[:MAXIMUM])
    ]
    offices = [
        Description(n.label, office)
        for n in ranked[:MAXIMUM]
        for office in dict.fromkeys(n.offices)
    ]
    return tags, offices


def _office(run: _Run, label: str, language: str) -> str | None:
    """The office written right before a person's name in its run ("Bundeskanzler Olaf
    Scholz") or as the word before it ("statsminister Mette Frederiksen"), if any."""
    first = label.split()[0]
    words = run.words[: run.words.index(first)] if first in run.words else []
    for word in (words[-1] if words else "", run.before):
        if is_title(word, language) and word.lower() not in _HONORIFICS:
            return word  # not "Herr", "Dr"
    return None


def _topics(left: list[tuple[str, int, bool]], taken: set[str], ctx: _Text) -> list[_Name]:
    """German nouns the article repeats that are rare in the language: "Wasserstoff",
    "Kondenswasser"; not "Prozent" or "Frauen" (common), not a word of a name."""
    nouns: dict[str, _Name] = {}
    for word, n, in_title in left:
        low = word.lower()
        if low in taken or low in ctx.lower or not word.isalpha() or len(word) < 4:
            continue
        noun = nouns.setdefault(low, _Name(word, "topic", first=n))
        _count(noun, 1, in_title, n)
    rare = [
        (n.count * (COMMON_ZIPF - _zipf(k, ctx.language)), n)
        for k, n in nouns.items()
        if n.count >= TOPIC_COUNT and _zipf(k, ctx.language) < COMMON_ZIPF
    ]
    return [n for _, n in sorted(rare, key=lambda sn: (-sn[0], sn[1].first))]


def _count(name: _Name, count: int, in_title: bool, first: int) -> None:
    name.count += count
    name.in_title = name.in_title or in_title
    name.first = min(name.first, first)


def _merged(names: dict[str, _Name]) -> dict[str, _Name]:
    """A longer name that holds a shorter one counts as that one: "Bundeskanzlerin Angela
    Merkel" as "Angela Merkel", "Microsoft Flight Simulator" as "Flight Simulator"; but a
    person's surname alone counts as the full name ("Scholz" as "Olaf Scholz")."""
    out: dict[str, _Name] = {}
    for key, name in sorted(names.items(), key=lambda kv: len(kv[1].label.split())):
        inner = next((n for n in out.values() if f" {n.label} " in f" {name.label} "), None)
        if inner is None:
            out[key] = name
            continue
        if "person" in (inner.kind, name.kind) and name.label.endswith(f" {inner.label}"):
            inner.label, inner.kind = name.label, "person"  # the full name, the surname's key
        _count(inner, name.count, name.in_title, name.first)
        inner.offices += name.offices
    return out


def speaker_name(snippet: str, language: str, cue: str) -> tuple[str, bool] | None:
    """The name a snippet opens with, `cue` (a verb, a colon) written before it, and whether
    it is surely a person's (an office before it, or a first name and a surname): "Bundeskanzler
    Olaf Scholz am Montag" -> ("Olaf Scholz", True), "Habeck" -> ("Habeck", False); None when
    it opens with anything else ("ein Sprecher", "sie"), a place or a word written unlike a
    name ("T13")."""
    particle, _, rest = snippet.lstrip().partition(" ")
    if particle in NAME_PARTICLES:  # "sagte von Preen": the name's own
        snippet = rest
    runs = _runs(snippet, language)
    text = snippet.lstrip()
    if not runs or not runs[0].words or not text.startswith(runs[0].words[0]):
        return None
    run = runs[0]
    if particle in NAME_PARTICLES:
        run = _Run([particle, *run.words], False, run.followed, False, cue, run.after)
    ctx = _Text(language, _countries(language), set(), set())
    found = _name(_Run(run.words, False, run.followed, False, cue, run.after), ctx, speaking=True)
    if found is None or found[1] != "person":
        return None
    words = found[0].split()
    if any(
        _marked(w) or (_zipf(w.lower(), language) >= FUNCTION_ZIPF and w not in NAME_PARTICLES)
        for w in words
    ):
        return None  # "T13 Noche", "Höahn Sie"
    if is_title(words[-1], language):
        return None  # "Nationalparkleiter Dr."
    titled = any(is_title(w, language) for w in run.words[:-1])
    # a first name and a surname, not two nouns ("Vorstand Regionen", "Ernster Nachsatz")
    full = len(words) > 1 and not _german_word(words[0])
    return found[0], titled or full


def _name(run: _Run, ctx: _Text, speaking: bool = False) -> tuple[str, str] | None:
    """The name in one run of capitalised words, as (label, kind), or None; `speaking`: the
    run is a quotation's speaker."""
    words = list(run.words)
    if not words or (len(words) == 1 and is_title(words[0], ctx.language)):
        return None  # "Dr", "Präsident" alone name nobody
    followed = run.followed
    german = ctx.language in NOUNS_CAPITALISED
    first = run.initial  # whether words[0] still stands first in its sentence
    article = run.article
    # A person's name: after an office ("Bundeskanzler Scholz", "statsminister Mette
    # Frederiksen", "Tesla-Chef Elon Musk"), or beside a verb of speech ("Scholz sagte").
    titled = is_title(run.before, ctx.language)
    if _untitled(words, german or first, ctx):
        titled, first, article = True, False, False
    if not words:
        return None
    spoken = (speaking or _spoken(run, ctx.language)) and not _marked(words[0])
    # a speaker's surname may be a common word of the news ("Macron"); a word beside "sagte"
    # in a sentence may be a noun ("Lebensmittel"): there it must be rarer
    common = FUNCTION_ZIPF if speaking else COMMON_ZIPF
    person = titled or (spoken and _zipf(words[-1].lower(), ctx.language) < common)
    if german and not person:  # "Rendi-Wagner" is a person's name, whole
        words, followed = _without_compounds(words, followed)
    while words and (
        (first and not (person and len(words) == 1) and not _kept_first(words, ctx))
        or (article and german and not _own_place(words[0], ctx))
    ):
        article = words[0].lower() in wordlist(
            "articles", ctx.language
        )  # "Der Microsoft …": its noun
        words.pop(0)  # "Nu er …", "eine Menge Gesundheitsfunktionen", "Korrespondent: …"
        while words and words[0].lower() in CONNECTORS:
            words.pop(0)
        first = False
        if _untitled(words, german, ctx):  # "Wie Sprecher Stefan Gobbin sagte"
            titled, person, article = True, True, False
    if not words or (len(words) == 1 and is_title(words[0], ctx.language)):
        return None  # "BTV-Vizepräsident Dr."
    for i, word in enumerate([] if person else words[:-1]):  # not "Staatspräsident Kais Saied"
        stem = word[:-1] if word.endswith("s") else ""
        if stem and _place(stem, ctx):
            # "Deutschlands Rolle": a place's genitive before a noun is the place.
            return _name(_Run([*words[:i], stem], first, True, False), ctx) or _name(
                _Run([stem], False, True, False), ctx
            )
        if (
            stem
            and german
            and i == 0
            and words[1][:1].isupper()
            and _zipf(stem.lower(), "en") >= BRAND_ZIPF
        ):
            # "Apples HomePod", "Googles Chromebooks": the thing, else its maker.
            rest = _name(_Run(words[1:], False, run.followed, False), ctx)
            return rest or (stem, "topic")
    if german and not person:
        words = _trimmed(words, ctx)
        if not words:
            return None
    if len(words) > 1:
        label = " ".join(words)
        if is_place_name(label):
            return city_name(label) or label, "place"  # "Neu-Delhi" is New Delhi's tag
        start = None if person else _full_name(words, first, ctx)
        if start is not None:  # "Søren Gade", "Meditationslehrer Kai Meinig"
            return " ".join(words[start:]), "person"
        return label, "person" if person else "topic"
    word = words[0] if person else _genitive(words[0], followed, ctx.language)
    if word.lower() in ctx.countries:
        return ctx.countries[word.lower()], "place"
    alias = ALIASES.get(word.lower())
    if alias:  # "EU" is the European Union's tag, "Nato" NATO's, as in English articles
        return alias, "place" if is_country(alias) else "organization"
    if _marked(word):
        return word, "topic"  # "AMD", not the AMD a city also goes by
    common = _zipf(word.lower(), ctx.language) >= FUNCTION_ZIPF
    if person and not common and (titled or not _place(word, ctx)):
        return word, "person"  # "Bundeskanzler Scholz", "siger Frederiksen"; not "aus Chicago sagt"
    if _place(word, ctx):
        return city_name(word) or word, "place"  # "Kiew" is Kyiv's tag, as in Danish
    if first and word not in ctx.written:
        return None  # a capital that only starts a sentence says nothing
    if german or _zipf(word.lower(), ctx.language) >= FUNCTION_ZIPF:
        return None  # "Handy", "Regierung"; the polite "De" in Danish
    return word, "topic"


def _full_name(words: list[str], first: bool, ctx: _Text) -> int | None:
    """Where a given name and one or two surnames end the run ("Søren Gade", "Aurélie Trouvé",
    "Paulo Sergio Nogueira", the nouns before them dropped: "Meditationslehrer Kai Meinig"),
    a person's name with no office or verb of speech beside it; else None. Not "Union Square"
    or "Santa Cruz" (a place), "Rose Garden" ("garden" is a common word), nor a common word
    that only starts the sentence ("Per Update"; "Jorge Antonio Solís Sosa" is a name)."""
    names = given_names()
    for i, given in enumerate(words[:-1]):
        if given not in names or len(words) - i > 4:
            continue  # a given name, then at most three more names ("Jorge Antonio Solís Sosa")
        if (
            i == 0
            and first
            and len(words) < 3
            and _zipf(given.lower(), ctx.language) >= COMMON_ZIPF
        ):
            return None  # a common word that only starts the sentence: "Per Update"
        if all(
            word[:1].isupper()
            and not _marked(word)
            and (
                word in names  # "Juan Orlando Hernández", "Jorge Antonio Solís Sosa"
                or (not _place(word, ctx) and _zipf(word.lower(), ctx.language) < COMMON_ZIPF)
            )
            for word in words[i + 1 :]
        ):
            return i
    return None


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """The given names of GIVEN_NAME_LOCALES, as written ("Søren", "François")."""
    names = {n.capitalize() for n in (*MALE_NAMES.split(), *FEMALE_NAMES.split())}
    # "first_romanized_names": Japan's in Latin letters ("Akira")
    attrs = ("first_names", "first_names_male", "first_names_female", "first_romanized_names")
    return frozenset(names | _faker_names(attrs))


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """The family names of GIVEN_NAME_LOCALES, as written ("Brown", "Müller")."""
    return _faker_names(("last_names", "last_romanized_names"))


def _faker_names(attrs: tuple[str, ...]) -> frozenset[str]:
    import importlib

    names: set[str] = set()
    for locale in GIVEN_NAME_LOCALES.split():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in attrs:
            found = getattr(provider, attr, None)
            if isinstance(found, (tuple, list, dict)):  # a dict of weights ("es_AR"); not
                names.update(n for n in found if n.isalpha() and n[:1].isupper())  # properties
    return frozenset(names)


def _german_word(word: str) -> bool:
    """A word of German's own vocabulary, far more common in German than in English: a noun
    or a title ("Herr", "Ministerin", "Daten"), not a name ("Thomas", "Scobel", "Apple")."""
    low = word.lower()
    german = _zipf(low, "de")
    return german >= GERMAN_ZIPF and german > _zipf(low, "en") + GERMAN_MARGIN


def _trimmed(words: list[str], ctx: _Text) -> list[str]:
    """A German run without the nouns and titles at its ends: "Bundeswirtschaftsminister
    Robert Habeck" -> "Robert Habeck", "Apple Daten" -> "Apple"; a run of German words only
    ("Milliarden Kollisionen", a sentence's object then its subject) is none."""
    if len(words) < 2 or _place(" ".join(words), ctx):
        return words
    a, b = 0, len(words)
    while a < b and _german_word(words[a]) and not _place_like(words[a], ctx):
        a += 1
    while b > a and _german_word(words[b - 1]) and not _place_like(words[b - 1], ctx):
        if b >= 2 and words[b - 2] in SECOND_CONNECTORS:
            break  # a name goes on after "von der": "Ursula von der Leyen"
        b -= 1
    while a < b and words[a] in CONNECTORS | SECOND_CONNECTORS:  # not "Van der Bellen"
        a += 1
    return words[a:b]


def _place(word: str, ctx: _Text) -> bool:
    """A place's name: any GeoNames place inside a Danish or French sentence; a German word
    only when a country, state or city of 100,000 people bears it, or a city of a million as
    another name ("Wien"; "Haar" is also a town)."""
    if word.lower() in ctx.countries:
        return True
    if ctx.language not in NOUNS_CAPITALISED:
        return is_place_name(word)
    found = major_place(word)
    return found == "name" or (found == "other" and word not in ctx.articled)  # "im Kanton"


def _place_like(word: str, ctx: _Text) -> bool:
    return _marked(word) or _place(word, ctx)


def _own_place(word: str, ctx: _Text) -> bool:
    """After an article, a place by its own name or a marked word ("die Türkei", "beim HSV");
    not a city's other name ("im Kanton Bern" is no Guangzhou)."""
    return _marked(word) or word.lower() in ctx.countries or major_place(word) == "name"


def _kept_first(words: list[str], ctx: _Text) -> bool:
    """Whether the first word of a run that starts a sentence belongs to a name: a place, a
    word written unlike common words, one the text capitalises elsewhere too, or an uncommon
    word that more capitalised words follow ("Søren Gade blev …"); never a word the text also
    writes in lower case ("Markierte Radwege" beside "markierte")."""
    word = words[0]
    if _marked(word) or country_in_english(word, ctx.language):  # "Polens præsident: …"
        return True
    common = _zipf(word.lower(), ctx.language)
    if word.lower() in ctx.lower or common >= FUNCTION_ZIPF:
        return False  # "In", "Was", "Nu" (and GeoNames has a town named "Ein")
    if common >= COMMON_ZIPF and common >= _zipf(word.lower(), "en"):
        return False  # "Neue", "Mulig"; not "Star" (English uses it more: "Star Wars")
    if _place(word, ctx):
        return True
    if ctx.language in NOUNS_CAPITALISED:
        return len(words) > 1
    return word in ctx.written or len(words) > 1


def _without_compounds(words: list[str], followed: bool) -> tuple[list[str], bool]:
    """A German compound ends a name: "KI-Dienst" is "KI", "iPad-App" "iPad"; "Farming-Sim",
    "Flaggschiff-Performance" none (a place keeps its hyphen: "Schleswig-Holstein")."""
    for i, word in enumerate(words):
        if "-" in word and not is_place_name(word):
            head = word.split("-")[0]
            if head and _marked(head):
                return [*words[:i], head], False
            return words[:i], False
    return words, followed


def _genitive(word: str, followed: bool, language: str) -> str:
    """ "Folketingets formand" -> "Folketinget", "Danmarks" -> "Danmark": a name's genitive -s
    dropped when a lower-case word follows and the bare form is the more common word."""
    if not followed or len(word) < 4 or not word.endswith("s"):
        return word
    stem = word[:-1]
    return stem if _zipf(stem.lower(), language) > _zipf(word.lower(), language) else word


def _runs(text: str, language: str) -> list[_Run]:
    """Runs of capitalised words (with connectors and a trailing number) in one text."""
    words = [_unelided(m.group(0), m.start()) for m in _WORD.finditer(text)]
    out: list[_Run] = []
    i = 0
    while i < len(words):
        word, start = words[i]
        if not _capital(word):
            i += 1
            continue
        j = _run_end(text, words, i, language)
        run = [w for w, _ in words[i:j]]
        while run and run[-1].lower() in CONNECTORS:
            run.pop()
        initial = _starts_sentence(text, start)
        article = _after_article(text, words, i, language) or (
            initial and word.lower() in wordlist("articles", language)
        )
        before = words[i - 1][0] if i and not initial and _adjacent(text, words, i) else ""
        if i and _abbreviated_title(text, words, i, language):
            initial, before = False, words[i - 1][0]  # "Dr. Sboui", "M. Macron"
        if before.lower() in wordlist("speaker_before", language) and not _after_comma(
            text, words, i - 1
        ):
            before = ""  # ", so Scholz" names a speaker; "so Gehör" does not
        after = words[j][0] if j < len(words) and _adjacent(text, words, j) else ""
        out.append(_Run(run, initial, _followed(text, words, j), article, before, after))
        i = j
    return out


def _abbreviated_title(text: str, words: list[tuple[str, int]], i: int, language: str) -> bool:
    """Whether words[i] follows a title cut short with a full stop ("Dr.", "Prof.", "M."): no
    sentence ends there."""
    prev, pos = words[i - 1]
    gap = text[pos + len(prev) : words[i][1]]
    return gap.strip() == "." and "\n" not in gap and is_title(prev, language)


def _after_comma(text: str, words: list[tuple[str, int]], k: int) -> bool:
    """Whether words[k] comes right after a comma or a closing quotation mark."""
    return text[: words[k][1]].rstrip().endswith((",", "“", "”", '"', "«", "»", "‘", "’"))


def _unelided(word: str, start: int) -> tuple[str, int]:
    """A name without the article or preposition elided onto it: "l'Ukraine" -> "Ukraine",
    "dell'Italia" -> "Italia" (not "O'Brien")."""
    head, sep, rest = word.replace("’", "'").partition("'")
    if sep and 0 < len(head) <= 4 and head.isalpha() and head.islower() and rest[:1].isupper():
        return word[len(head) + 1 :], start + len(head) + 1
    return word, start


def _run_end(text: str, words: list[tuple[str, int]], i: int, language: str) -> int:
    """The index after the run of capitalised words that starts at words[i]."""
    j = i + 1
    while j < len(words):
        if not _adjacent(text, words, j):
            break  # punctuation or a line between: "Polen, Tyskland" are two names
        nxt = words[j][0]
        if _capital(nxt):
            j += 1
        elif nxt.isdigit() and len(nxt) <= 4:
            return j + 1  # "iOS 17", "FIFA 23"
        elif (n := _connected(text, words, j, language)) > 0:
            j += n + 1  # "Roots of Pacha", "Ursula von der Leyen"
        else:
            break
    return j


def _connected(text: str, words: list[tuple[str, int]], j: int, language: str) -> int:
    """How many connecting lower-case words start at words[j] before the name goes on with a
    capitalised one: 1 ("of" in "Roots of Pacha"), 2 ("von der" in "Ursula von der Leyen"),
    1 after a capitalised particle ("der" in "Alexander Van der Bellen"), else 0."""
    n = 0
    while j + n < len(words) and n < 2 and _adjacent(text, words, j + n):
        word = words[j + n][0].lower()
        after_particle = words[j + n - 1][0].lower() in CONNECTORS
        if word in CONNECTORS or (after_particle and word in SECOND_CONNECTORS):
            n += 1
        else:
            break
    if not n or j + n >= len(words) or not _adjacent(text, words, j + n):
        return 0
    if not _capital(words[j + n][0]) or (n > 1 and _marked(words[j + n][0])):
        return 0  # "Gunnar Maaß von der AGFW": the person, then the body
    before = words[j - 1][0]
    if language not in NOUNS_CAPITALISED or before.lower() in CONNECTORS:
        return n
    if _german_word(before):
        return 0  # not "Bekämpfung von Hunger", "Abkehr von der Politik"
    if n > 1 or (j >= 2 and is_title(words[j - 2][0], language)):
        return n  # "Ursula von der Leyen", "HDE-Präsident Alexander von Preen"
    low = before.lower()
    common = _zipf(low, language) >= max(CONNECTED_ZIPF, _zipf(low, "en"))
    return 0 if common else n  # "Age of Empires", not "Form von Gewalt"


def _adjacent(text: str, words: list[tuple[str, int]], j: int) -> bool:
    """Whether words[j] follows words[j - 1] with only spaces (or "&") between."""
    prev, pos = words[j - 1]
    gap = text[pos + len(prev) : words[j][1]]
    return "\n" not in gap and gap.strip() in ("", "&")


def _starts_sentence(text: str, start: int) -> bool:
    before = text[max(0, start - 8) : start].rstrip(" \t")
    if start and not before:
        before = text[:start].rstrip(" \t")
    return not before or before[-1] in _STARTERS or before.endswith((" -", " –", " —"))


def _followed(text: str, words: list[tuple[str, int]], j: int) -> bool:
    """Whether a lower-case word follows the run in the same sentence ("Folketingets formand")."""
    return j < len(words) and words[j][0][:1].islower() and _adjacent(text, words, j)


def _after_article(text: str, words: list[tuple[str, int]], i: int, language: str) -> bool:
    """Whether words[i] heads a noun phrase an article opens ("eine Menge …", "das neue Handy
    …", "der Microsoft Flight Simulator"): then, where every noun is capitalised, it is that
    phrase's noun, not a name's first word."""
    articles = wordlist("articles", language)
    for back in range(1, 4):
        if not articles or i - back < 0 or not _adjacent(text, words, i - back + 1):
            return False
        word = words[i - back][0]
        if word.lower() in articles:
            return True
        if not word[:1].islower() or not word.endswith(ADJECTIVE_ENDINGS.get(language, ())):
            return False
    return False


def _capital(word: str) -> bool:
    return word[:1].isupper() or _marked(word)


def _marked(word: str) -> bool:
    """Written unlike a common word: "TikTok", "iOS", "F5", "KI", "S22", "iPad-App"; not
    "Farming-Sim" (each part written as words are)."""
    if "-" in word:
        return any(_marked(part) for part in word.split("-") if part)
    if any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word):
        return True
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True  # an acronym
    return any(ch.isupper() for ch in word[1:]) and any(ch.islower() for ch in word)


_HONORIFICS = frozenset(HONORIFICS.split())
_LISTS = {
    "articles": ARTICLES,
    "contractions": CONTRACTIONS,
    "titles": TITLES,
    "title_endings": TITLE_ENDINGS,
    "speech": SPEECH,
    "speaker_before": SPEAKER_BEFORE,
}


@lru_cache(maxsize=256)
def wordlist(name: str, language: str) -> frozenset[str]:
    """One of nlp.lexicon.names' word lists for a language (empty where it has none)."""
    return frozenset(_LISTS[name].get(language, "").split())


@lru_cache(maxsize=65536)
def is_title(word: str, language: str) -> bool:
    """An office or role written before a person's name: "Bundeskanzler", "statsminister",
    "Tesla-Chef" (a compound by its last part), "Dr."."""
    titles = wordlist("titles", language)
    endings = tuple(wordlist("title_endings", language))
    last = word.lower().rsplit("-", 1)[-1]
    if not last or not (titles or endings) or _zipf(last, "en") > _zipf(last, language):
        return False  # an English word: "Premier League", "Trainer" is German too
    # and its declined forms: "Herrn", "den Präsidenten", "des Kanzlers" (not "Frauen")
    forms = {last, last.removesuffix("n"), last.removesuffix("s")}
    return any(f in titles for f in forms) or any(
        f.endswith(endings) for f in (*forms, last.removesuffix("en"))
    )


def _untitled(words: list[str], capitalised: bool, ctx: _Text) -> bool:
    """Drop the offices a run starts with ("Bundeskanzler Scholz", "Statsminister Mette
    Frederiksen" first in a sentence, "Presidente Gabriel Boric"); whether a person's name
    follows them. Where titles are written in lower case (not `capitalised`), a capital makes
    one a name's word unless a full name follows ("Premier League"). An office of a body or a
    place names no one ("Vorstandschef von Intersport" leaves "Intersport", "Trainer
    Deutschlands")."""
    titled = False
    if (
        len(words) > 2
        and words[0].endswith("s")
        and _place(words[0][:-1], ctx)
        and is_title(words[1], ctx.language)
    ):
        words.pop(0)  # "Kenias Vizepräsident William Ruto": the office of a place
    while len(words) > (1 if capitalised else 2) and is_title(words[0], ctx.language):
        words.pop(0)
        titled = True
    if titled and words[0].lower() in CONNECTORS:
        while words and words[0].lower() in CONNECTORS | SECOND_CONNECTORS:
            words.pop(0)
        return False
    if titled and len(words) == 1:
        word = words[0]
        return not (_place(word, ctx) or (word.endswith("s") and _place(word[:-1], ctx)))
    return titled


def _spoken(run: _Run, language: str) -> bool:
    """A verb of speech beside the run ("Scholz sagte", "sagte Scholz"), or SPEAKER_BEFORE
    before it (", so Scholz")."""
    either = wordlist("speech", language)
    before = wordlist("speaker_before", language)
    return run.before.lower() in before | either or run.after.lower() in either


@lru_cache(maxsize=65536)
def _zipf(word: str, language: str) -> float:
    """text.zipf in the article's language; 0 where wordfreq has no list for it."""
    try:
        return zipf(word, _WORDFREQ_LANGUAGE.get(language, language)) or 0.0
    except (LookupError, ImportError):  # a language wordfreq lacks, or reads with MeCab
        return 0.0


def country_in_english(name: str, language: str) -> str | None:
    """The English name of the country `name` names in `language` ("Polen", or its genitive
    "Polens", in Danish -> "Poland"); None when it names none."""
    countries = _countries(language)
    low = name.lower()
    found = countries.get(low)
    if found is None and low.endswith("s"):
        found = countries.get(low[:-1])
    return found


@lru_cache(maxsize=64)
def _countries(language: str) -> dict[str, str]:
    """Country names in `language` (lower case) -> the name newsdesk tags the country with:
    "polen" -> "Poland", "rusland" -> "Russia" (CLDR's names, which babel ships, then
    pycountry's ISO 3166 translations; GeoNames' English names under lexicon.entities.ALIASES)."""
    import pycountry
    from babel import Locale, UnknownLocaleError

    english = country_names()
    out: dict[str, str] = {}
    try:  # CLDR's names first: the everyday ones ("Rusland"; ISO has "Russiske Føderation")
        cldr: Mapping[str, str] = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        cldr = {}
    for code, local in cldr.items():
        if code in english:
            out.setdefault(local.lower(), ALIASES.get(english[code].lower(), english[code]))
    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return out  # CLDR's names only
    for c in pycountry.countries:
        name = english.get(str(c.alpha_2))
        if name is None:
            continue
        name = ALIASES.get(name.lower(), name)
        for attr in ("name", "common_name", "official_name"):
            iso = getattr(c, attr, None)
            if iso:
                out.setdefault(tr.gettext(str(iso)).lower(), name)
    return out
