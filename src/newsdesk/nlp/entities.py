"""Named entities: spaCy NER, label mapping, name cleaning, alias merging and descriptions.

Cross-article merging rule (for the store): two names denote the same entity when
``canonical_key(a) == canonical_key(b)``, or, for people, when ``same_person(a, b)`` holds
(a surname-only or first-name-only form matches a full name with that surname / first name;
"Donald J. Trump" matches "Donald Trump"). Within an article a surname-only mention is mapped
to the full name seen in the same article.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from newsdesk.nlp.gazetteer import is_country, is_place_name, major_place
from newsdesk.nlp.lexicon.entities import (
    ALIASES,
    AMBIGUOUS_ROLES,
    DEMONYM_PAIRS,
    EDGE_PUNCT,
    FEMALE_NAMES,
    HONORIFICS_ANY,
    HONORIFICS_F,
    HONORIFICS_M,
    KEEP_TITLES,
    LABEL_TYPE,
    MALE_NAMES,
    OFFICE_WORDS,
    PARTY_NAMES,
    POSSESSIVE,
    PRE_DEPS,
    ROLE_NOUN_TAGS,
    ROLE_WORDS,
    SENTENCE_OPENERS,
    SENTENCE_OPENERS_IF_ALONE,
    SHORT_FORMS,
    STOP_INITIALS,
    TITLE_GENDER,
)
from newsdesk.nlp.lexicon.entity_types import (
    BODY_JOBS,
    DEMONYM_WORDS,
    EVENT_HEAD_WORDS,
    KNOWN_TYPES,
    NAME_PARTICLES,
    NAME_TITLES,
    OCCUPATION_WORDS,
    ORG_COMPLEMENT_HEADS,
    ORG_DESCRIPTION_HEADS,
    ORG_HEAD_WORDS,
    PERSON_ROLE_WORDS,
    PLACE_HEAD_WORDS,
    PLACE_PREPOSITIONS,
    PRODUCT_NOUNS,
    WORK_DESCRIPTION_HEADS,
    WORK_JOBS,
)
from newsdesk.nlp.lexicon.profiles import PLACE_NOUNS
from newsdesk.nlp.text import ascii_fold, fold_plural, zipf
from newsdesk.nlp.types import Description, EntityMention

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


def _wordset(text: str) -> set[str]:
    return set(text.split())


HONORIFICS = HONORIFICS_M | HONORIFICS_F | HONORIFICS_ANY
DEMONYMS = _wordset(DEMONYM_WORDS)
PERSON_ROLES = _wordset(PERSON_ROLE_WORDS)
_OCCUPATIONS = PERSON_ROLES | _wordset(OCCUPATION_WORDS)
ORG_HEADS = _wordset(ORG_HEAD_WORDS)
_ORG_DESCRIBED = _wordset(ORG_DESCRIPTION_HEADS)
_WORK_DESCRIBED = _wordset(WORK_DESCRIPTION_HEADS)
EVENT_HEADS = _wordset(EVENT_HEAD_WORDS)
PLACE_HEADS = _wordset(PLACE_HEAD_WORDS)
# Words that are a title, never a name on their own ("the Amir", "Supreme Leader").
TITLE_ONLY = ROLE_WORDS | HONORIFICS | KEEP_TITLES | NAME_TITLES | {"supreme", "highness"}
_POSSESSIVE = re.compile(POSSESSIVE)
_EDGE_PUNCT = re.compile(EDGE_PUNCT)
_SPACE = re.compile(r"\s+")

# Common first names by gender: used only to resolve "he"/"she" to a person.
_FEMALE_NAMES = _wordset(FEMALE_NAMES)
_MALE_NAMES = _wordset(MALE_NAMES)
_GIVEN_NAMES = _FEMALE_NAMES | _MALE_NAMES


def _strip_possessive(text: str) -> str:
    return _POSSESSIVE.sub("", text)


def _tokens(name: str) -> list[str]:
    return [t for t in _SPACE.split(name.strip()) if t]


def _bare(word: str) -> str:
    return ascii_fold(word).lower().strip(".")


def clean_name(name: str, kind: str | None = "person") -> str:
    """Display form of a name: no titles/roles (people), possessives, leading 'the', quotes.

    "Israeli Prime Minister Benjamin Netanyahu" -> "Benjamin Netanyahu";
    "Mr. Obama's" -> "Obama"; "the Pentagon" -> "Pentagon"; "King Charles" stays.
    """
    text = _SPACE.sub(" ", name).strip()
    text = _EDGE_PUNCT.sub("", text)
    text = _strip_possessive(text)
    text = _EDGE_PUNCT.sub("", text)
    toks = _tokens(text)
    if toks and toks[0].lower() == "the" and len(toks) > 1:
        toks = toks[1:]
    if kind in (None, "person") and len(toks) > 1:
        toks = _strip_titles(toks, strict=kind is None)
    return " ".join(toks)


def _strip_titles(toks: list[str], strict: bool) -> list[str]:
    """Drop honorifics/roles before a name; `strict` (kind unknown) protects "General Motors"."""
    cut = 0
    for i, tok in enumerate(toks[:-1]):
        low = _bare(tok)
        if low in KEEP_TITLES:
            break
        is_title = low in HONORIFICS or low in ROLE_WORDS or low == "executive"
        if not is_title:
            # nationality / organisation words may precede a role: "Israeli Prime Minister"
            if tok[:1].isupper() and any(_bare(t) in ROLE_WORDS for t in toks[i + 1 : -1]):
                continue
            break
        rest = toks[i + 1 :]
        if strict and low in AMBIGUOUS_ROLES and len(rest) < 2:
            continue
        if rest and rest[0].lower() == "of":
            continue
        cut = i + 1
    if cut == 0 and _described(toks):
        cut = 1
    rest = toks[cut:]
    if not rest or all(_bare(t) in ROLE_WORDS for t in rest):
        return toks
    return rest


def _described(toks: list[str]) -> bool:
    """Whether the first of three or more words is a job or an origin describing the person
    the rest names (given names and a surname), which the NER took into the name at the start
    of a sentence: "Novelist Andrea Levy", "Sprinter Michelle Collins", "Kenyan Isaiah
    Kiplagat"."""
    if len(toks) < 3 or not toks[0][:1].isupper():
        return False
    low = _bare(toks[0])
    return (low in _OCCUPATIONS or low in DEMONYMS) and all(_name_word(w) for w in toks[1:-1])


@lru_cache(maxsize=65536)
def canonical_key(name: str, kind: str | None = None) -> str:
    """Lookup key for merging names across articles: folded, lower-case, no titles, no dots.

    canonical_key("Israeli Prime Minister Benjamin Netanyahu", "person") ==
    canonical_key("Benjamin Netanyahu") == "benjamin netanyahu"; "U.S." -> "united states".
    Middle initials are dropped ("Donald J. Trump" -> "donald trump").
    """
    cleaned = clean_name(name, kind)
    folded = ascii_fold(cleaned).lower()
    folded = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", folded)  # u.s. -> us.
    folded = folded.replace(".", "").replace("'", "").replace("-", " ")
    folded = _SPACE.sub(" ", folded).strip()
    alias = ALIASES.get(folded)
    if alias:
        return alias.lower()
    toks = folded.split(" ")
    if kind in (None, "person") and len(toks) > 2:
        toks = [toks[0], *[t for t in toks[1:-1] if len(t) > 1], toks[-1]]
    return " ".join(toks)


def tag_key(name: str, kind: str | None = None) -> str:
    """The alias key a tag is stored under (enrich.tags) and searched by (search.synonyms):
    canonical_key, and for a topic (no kind) its last word in the singular, so #Programs and
    #Program, #Tories and #Tory are one tag. Names keep their form (Wales, Reuters); a person
    named by a gendered title and one name keeps the title ("mrs howard")."""
    key = canonical_key(name, kind)
    if kind is None and key:
        *head, last = key.split(" ")
        key = " ".join([*head, fold_plural(last)])
    toks = _tokens(name)
    if kind == "person" and len(toks) == 2 and _bare(toks[0]) in HONORIFICS_M | HONORIFICS_F:
        key = f"{_bare(toks[0])} {key}"  # "Mrs Howard" is not the "Howard" of Michael Howard
    return key


def canonical_name(name: str, kind: str | None = None) -> str:
    """Display name after cleaning and well-known aliases ("U.S." -> "United States")."""
    cleaned = clean_name(name, kind)
    key = ascii_fold(cleaned).lower().replace(".", "").strip()
    return ALIASES.get(key, cleaned)


def same_person(a: str, b: str) -> bool:
    """Whether two person names can denote the same person (alias rule used across articles)."""
    ka, kb = canonical_key(a, "person").split(" "), canonical_key(b, "person").split(" ")
    if ka == kb:
        return True
    short, long = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    if len(short) == 1:
        return short[0] == long[-1] or short[0] == long[0]
    if long[-len(short) :] == short:
        return True  # a two-word surname: "Saumarez Smith" of "Charles Saumarez Smith"
    return short[0] == long[0] and short[-1] == long[-1]


def acronym(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", ascii_fold(name)) if w]
    return "".join(w[0] for w in words if w.lower() not in STOP_INITIALS and w[0].isalpha()).upper()


def name_gender(name: str) -> str | None:
    toks = _tokens(name)
    if not toks:
        return None
    first = _bare(toks[0])
    if first in HONORIFICS_M or TITLE_GENDER.get(first) == "m":
        return "m"
    if first in HONORIFICS_F or TITLE_GENDER.get(first) == "f":
        return "f"
    cleaned = _tokens(clean_name(name, "person"))
    if len(cleaned) >= 2:
        given = _bare(cleaned[0])
        if given in _FEMALE_NAMES:
            return "f"
        if given in _MALE_NAMES:
            return "m"
    return None


@dataclass
class Mention:
    """One entity occurrence in the document, linked to its merged entity."""

    start: int  # char offsets into doc.text
    end: int
    token_start: int
    token_end: int
    text: str  # surface form as written
    label: str
    entity: EntityCluster | None = None


@dataclass
class EntityCluster:
    name: str
    type: str
    mentions: list[Mention] = field(default_factory=list)
    short: str | None = None  # acronym used for hashtags ("IAEA")
    gender: str | None = None
    first_pos: int = 0
    in_title: bool = False  # a mention of it is in the headline
    title_pos: int = -1  # where the headline names it, found by name too (``_in_title``)

    def aliases(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.mentions:
            seen.setdefault(m.text, None)
        return list(seen)


@dataclass
class EntityResult:
    clusters: list[EntityCluster]
    mentions: list[Mention]  # ordered by position
    descriptions: list[Description]

    def by_token(self) -> dict[int, Mention]:
        out: dict[int, Mention] = {}
        for m in self.mentions:
            for i in range(m.token_start, m.token_end):
                out[i] = m
        return out

    def to_mentions(self) -> list[EntityMention]:
        return [
            EntityMention(text=c.name, type=c.type, aliases=c.aliases(), count=len(c.mentions))
            for c in self.clusters
        ]

    def resolve(self, name: str) -> EntityCluster | None:
        """The entity of this article a name refers to (exact key, alias or surname)."""
        key = canonical_key(name)
        for c in self.clusters:
            if canonical_key(c.name, c.type) == key or any(
                canonical_key(a, c.type) == key for a in c.aliases()
            ):
                return c
        for c in self.clusters:
            if c.type == "person" and same_person(name, c.name):
                return c
        return None


# Words a name span may open with that are not the name: articles, and "RIP" before the
# dead's name ("RIP Stan Freberg" in a quoted tweet made #RIPStanFreberg; not Rip Torn).
_NOT_NAME_OPENERS = {"the", "a", "an"}
_NOT_NAME_MARKS = {"RIP", "R.I.P."}


_DASHES = {"-", "–", "—"}


def _trim_span(span: Span) -> tuple[int, int] | None:
    """Token range without leading determiners/punctuation and trailing possessives."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (
        doc[start].lower_ in _NOT_NAME_OPENERS
        or doc[start].text in _NOT_NAME_MARKS
        or doc[start].is_punct
        or doc[start].is_space
    ):
        start += 1
    # a bracket the name does not close ends it: "Shanghai Automotive Industry Corporation
    # (SAIC" (the model's span stops before the ")")
    opened = [i for i in range(start, end) if doc[i].text in ("(", "[")]
    closed = sum(1 for i in range(start, end) if doc[i].text in (")", "]"))
    if len(opened) > closed:
        end = opened[closed]
    for i in range(start + 1, end - 1):  # "Arsene Wenger - he's always said": a dash between
        if doc[i].text in _DASHES and doc[i - 1].whitespace_ and doc[i + 1].text[:1].islower():
            end = i
            break
    while end > start and (
        doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct or doc[end - 1].is_space
    ):
        end -= 1
    return (start, end) if end > start else None


def _valid_name(text: str, label: str) -> bool:
    if len(text) < 2 or not any(ch.isalpha() for ch in text):
        return False
    if text[0].isdigit() and label in ("PERSON", "GPE", "LOC", "NORP"):
        return False  # "$280bn" taken for a person; a name opens with a letter ("3M" may)
    if "\n" in text or len(text) > 80:
        return False
    if text[:1].islower() and label != "GPE":
        return False
    return not (label == "PERSON" and len(text.split()) > 5)


def extract_entities(
    doc: Doc, title_end: int = 0, dateline: tuple[int, int] = (0, 0)
) -> EntityResult:
    """Entities of a parsed document, merged within the article, plus descriptions.

    `title_end`: char offset where the title (first paragraph) ends, for the title bonus;
    `dateline`: the char span of the body's dateline ("DOHA:"), where no name is taken.
    """
    mentions: list[Mention] = []
    for ent in doc.ents:
        if dateline[0] <= ent.start_char < dateline[1]:
            continue  # where the report was filed: the model took "DOHA" for a person
        kind = LABEL_TYPE.get(ent.label_)
        if kind is None:
            continue
        trimmed = _trim_span(ent)
        if trimmed is None:
            continue
        s, e = trimmed
        span = doc[s:e]
        text = span.text
        if not _valid_name(text, ent.label_):
            continue
        mentions.append(
            Mention(span.start_char, span.end_char, s, e, text, ent.label_),
        )
    mentions = sorted(mentions + _honoured(doc, mentions), key=lambda m: m.start)
    mentions = _split_unattested(doc, _refine(doc, mentions), title_end)
    clusters = _merge(mentions, doc)
    _in_title(doc.text[:title_end], clusters)
    _titled_in_title(doc, title_end, mentions)
    descriptions = _descriptions(doc, mentions, title_end)
    _described_bodies(clusters, descriptions)
    _introduced(doc, clusters)
    _unplaced(doc, clusters)
    _unpersoned(doc, clusters)
    _listed_apart(doc, clusters)
    return EntityResult(clusters, mentions, descriptions)


def _described_bodies(clusters: list[EntityCluster], descriptions: list[Description]) -> None:
    """A one-word "person" the article describes as a company or a body ("embattled Russian
    oil giant Yukos") is an organisation: the small model takes some brand names for people."""
    heads: dict[str, set[str]] = {}
    for d in descriptions:
        words = re.findall(r"[A-Za-z]+", d.phrase.lower())
        if words:
            heads.setdefault(d.entity, set()).add(words[-1])
    for c in clusters:
        if c.type == "person" and " " not in c.name and heads.get(c.name, set()) & _ORG_DESCRIBED:
            c.type = "organization"
            c.gender = None


_DESCRIBING_DEPS = frozenset({"compound", "nmod", "amod", "appos"})
# Nouns before a name that make it an organisation; not "producer", a company's description
# and a person's job ("producer Jon Thoday")
_ORG_INTRODUCING = _ORG_DESCRIBED - {"producer"}


def _introduced(doc: Doc, clusters: list[EntityCluster]) -> None:
    """A name the article introduces with what it is, a noun written right before it (or set
    off by a comma: "novel, Cloud Atlas,") and attached to it in the parse ("Budget airline
    Ryanair", "UK telco BT", "road trip comedy Sideways"), is that: an organisation or a work,
    not the person or place the small model took it for. Not a noun outside the name's phrase,
    a person's job ("film-maker Spike Lee", "producer ..."), a pair of people, nor a person
    named with a given name first."""
    for c in clusters:
        if c.type not in ("person", "place"):
            continue
        if c.type == "person" and _given_names(c.name.split()[:1]):
            continue
        if (
            c.type == "person"
            and not is_place_name(c.name)  # "the Glasgow club" is Rangers, Glasgow a city
            and any(_named_body(doc, m) for m in c.mentions)
        ):
            c.type, c.gender = "organization", None  # "the Maserati brand"
            continue
        for m in c.mentions:
            if m.token_start < 2 or (" " in c.name and clean_name(m.text, c.type) != c.name):
                continue  # "the musical Oliver" is no description of Oliver Letwin
            noun, before = doc[m.token_start - 1], doc[m.token_start - 2]
            if noun.text == "," and m.token_start >= 3 and _set_off(doc, m):
                noun, before = before, doc[m.token_start - 3]  # "novel, Cloud Atlas,"
            if (
                noun.text != noun.lower_
                or not _describes(noun, doc[m.token_start : m.token_end])
                or not before.whitespace_  # "film-maker", "open-side": a job, a position
                or before.lower_ in _WORK_DESCRIBED  # "film maker", "film producer"
            ):
                continue
            if c.type == "person" and noun.lower_ not in _WORK_DESCRIBED and _paired(doc, m):
                continue  # "economist team Jim and Margaret Cuthbert": people, not a body
            if noun.lower_ in _ORG_INTRODUCING:
                c.type, c.gender = "organization", None
                break
            if noun.lower_ in _WORK_DESCRIBED:
                c.type, c.gender = "other", None
                break


def _named_body(doc: Doc, m: Mention) -> bool:
    """ "the Maserati brand", "the Ferrari team": the name modifies the noun of a company or a
    body right after it, with "the" before it."""
    s, e = m.token_start, m.token_end
    if s < 1 or e >= len(doc) or doc[s - 1].lower_ != "the":
        return False
    noun = doc[e]
    return (
        noun.text == noun.lower_
        and noun.lower_ in _ORG_INTRODUCING
        and doc[e - 1].head.i == noun.i
        and doc[e - 1].dep_ == "compound"
    )


# Prepositions that put what follows in a place ("in Hillingdon", "across the Atlantic");
# not "to" or "from" ("sold to BT", "a bid from Gazprom").
_LOCATIVE = PLACE_PREPOSITIONS | {"across", "throughout", "into"}


def _unplaced(doc: Doc, clusters: list[EntityCluster]) -> None:
    """A one-word "place" that no gazetteer knows and the article never places is no place:
    the small model calls brands and products places ("Windows", "Broadband", "Gazprom",
    "Spybot"), and some surnames. It becomes "other" (a topic tag), not "Where is Broadband?".
    A mention after a place preposition ("in Hillingdon", "at the Ibrox") or before a place
    noun ("the Longbridge plant") keeps it a place."""
    for c in clusters:
        if c.type != "place" or " " in c.name or is_place_name(c.name):
            continue
        if any(_in_place(doc, m) for m in c.mentions):
            continue
        c.type = "other"


def _listed_apart(doc: Doc, clusters: list[EntityCluster]) -> None:
    """A "person" named only in lists of companies or places is of their kind: "linked with
    Spanish trio Real Madrid, Barcelona and Valencia" (the model took Valencia for a person,
    and "He told BBC Sport" went to it; "Finding Nemo" among films and studios took three
    quotes). Each of its mentions must be one of a coordination with two or more other names,
    none of them a person's, or a noun's modifier ("the Valencia people"); it takes the type
    most of them have (the first one's on a tie) if that is a company's or a place's. Not a
    name after a title ("Mr Valencia"), nor one of two words or more opening with a given
    name ("Chris Martin" among bands)."""
    owner = {i: c for c in clusters for m in c.mentions for i in range(m.token_start, m.token_end)}
    for c in clusters:
        words = c.name.split()
        if (
            c.type != "person"
            or _given_names(words[:1])
            and len(words) > 1  # "Chris Martin", "Brian Eno"
            or any(_titled(doc, m.token_start) for m in c.mentions)
        ):
            continue
        kinds: list[str] = []
        for m in c.mentions:
            last = doc[m.token_end - 1]
            if last.dep_ == "compound" and last.head.tag_ in ("NN", "NNS"):
                continue  # "the Valencia people": says nothing of the kind
            others = [owner.get(t.i) for t in last.conjuncts]
            named = [o for o in others if o is not None and o is not c]
            if len(named) < 2 or len(named) < len(others) or any(o.type == "person" for o in named):
                break
            kinds += [o.type for o in named]
        else:
            kind = max(kinds, key=lambda k: (kinds.count(k), -kinds.index(k)), default=None)
            if kind in ("organization", "place"):
                c.type = kind


def _unpersoned(doc: Doc, clusters: list[EntityCluster]) -> None:
    """A one-word "person" that is no name is no person: developers' posts gave "Who is
    String?" (49 articles), JSON, Label, Button, UIKit. No name: a word that does not have a
    name's form ("UIKit", "JSON", "O2"; "McIlroy", "O'Brien", "Jay-Z" do), an everyday English
    word the article also writes in lower case ("String" beside "a string"), or a type in
    source code ("name: String"). A country, region or city of 100,000 is a place ("Glasgow",
    which the small model often calls a person). A given name or surname of the lists
    ("Brown", "Rose"), and a name after a title or a role ("Mr Jobs", "President Bush"), stay
    people. What is neither becomes "other" (a topic). So does a longer "person" of everyday
    words only (_common_words: "App Store", "Apple Watch")."""
    from newsdesk.nlp.truecase import everyday

    lower = {t.text for t in doc if t.text.islower()}
    for c in clusters:
        if c.type != "person" or any(_titled(doc, m.token_start) for m in c.mentions):
            continue
        if " " in c.name:
            if _common_words(c.name):
                c.type = "other"  # "App Store", "Apple Watch", "Mac Pro"
            continue
        word = c.name.strip(".’'")
        if _listed_name(word):
            continue
        if not _NAME_SHAPE.match(word):
            c.type = "other"
        elif major_place(word) == "name":
            c.type = "place"
        elif (word.lower() in lower and everyday(word.lower())) or any(
            _in_code(doc.text, m) for m in c.mentions
        ):
            c.type = "other"


def _listed_name(word: str) -> bool:
    """A given name or a surname of the lists (nlp.names)."""
    from newsdesk.nlp.names import given_names

    return word in given_names() or _family_name(word)


def _common_words(name: str) -> bool:
    """A name of everyday English words only, none a given name or surname of the lists:
    "App Store", "Mac Pro"; not "Tiger Woods", "Will Young" (surnames), "Ice Cube"."""
    from newsdesk.nlp.truecase import everyday

    words = name.split()
    if _bare(words[0]) in KEEP_TITLES:
        return False  # "Queen Mother"
    return all(
        w[:1].isupper() and w.isalpha() and everyday(w.lower()) and not _listed_name(w)
        for w in words
    )


def _in_code(text: str, m: Mention) -> bool:
    """The mention is a type in source code: "name: String)", "-> String {", "[String]"; not
    a name in a list ("Subs Not Used: Jaidi, Poole")."""
    before = text[max(0, m.start - 3) : m.start].rstrip(" ")
    after = text[m.end : m.end + 3].lstrip(" ")[:1]
    return before.endswith((":", "->", "[", "<")) and (not after or after in "?!)]>{=\n")


# A one-word name's form: "Blunkett", "McIlroy", "MacDonald", "O'Brien", "DiCaprio", "Jay-Z".
_NAME_SHAPE = re.compile(
    r"^(?:[A-Z]['’])?(?:Mc|Mac|Di|De|Le|La)?[A-Z][a-z]+(?:-(?:[A-Z]['’])?(?:Mc|Mac)?[A-Z][a-z]*)*$"
)


def _titled(doc: Doc, s: int) -> bool:
    """The name follows a title or a role: "Mr Jobs", "President Bush", "striker Owen"."""
    return _role_before(doc, s) or (s > 0 and _bare(doc[s - 1].text) in _TITLED_BY)


def _in_place(doc: Doc, m: Mention) -> bool:
    """ "in Hillingdon", "across the Atlantic", "the Longbridge plant"; not "flaws in Windows
    programs" (there the name only qualifies the noun the preposition governs)."""
    if m.token_end < len(doc) and _place_noun(doc[m.token_end].text):
        return True
    if doc[m.token_start : m.token_end].root.dep_ == "compound":
        return False
    return _after_preposition(doc, m.token_start, _LOCATIVE)


def _set_off(doc: Doc, m: Mention) -> bool:
    """The name stands between commas in apposition to the noun before it."""
    name = doc[m.token_start : m.token_end]
    after = doc[m.token_end] if m.token_end < len(doc) else None
    return (
        after is not None
        and after.text in (",", ".")
        and name.root.dep_ == "appos"
        and name.root.head.i == m.token_start - 2
    )


def _paired(doc: Doc, m: Mention) -> bool:
    """A name followed by "and" or "&" and another capitalised word: one of a pair."""
    e = m.token_end
    return e + 1 < len(doc) and doc[e].lower_ in ("and", "&") and doc[e + 1].text[:1].isupper()


def _describes(noun: Token, name: Span) -> bool:
    """The noun is part of the name's phrase: attached to the name, or given the same role
    by the same head (the small parser makes "Road trip comedy" and "Sideways" two subjects)."""
    root = name.root
    if noun.dep_ in _DESCRIBING_DEPS and name.start <= noun.head.i < name.end:
        return True
    if root.dep_ == "appos" and root.head.i == noun.i:
        return True  # "Booker-shortlisted novel, Cloud Atlas,", "electronics chain Best Buy"
    return noun.head.i != noun.i and noun.head.i == root.head.i and noun.dep_ == root.dep_


_HONOURS = {"HE", "HH"}  # His Excellency, His Highness: "HE Donald Trump" (Gulf outlets)
_TITLES = ROLE_WORDS | NAME_TITLES  # words a person is called by ("president", "amir")
_BEFORE_NAMES = HONORIFICS | {"sheikh"}  # between an office and its holder's name
_TITLED_BY = _TITLES | HONORIFICS  # words a name after which is a person's (_titled)


def _tokens_of(mentions: list[Mention]) -> set[int]:
    """The token positions inside the mentions."""
    return {i for m in mentions for i in range(m.token_start, m.token_end)}


def _honoured(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """People named after "HE" or "HH" that the model missed ("with President of the United
    States of America HE Donald Trump"): the capitalised words after it, titles left out,
    when they start with a known first name."""
    taken = _tokens_of(mentions)
    out = []
    for tok in doc:
        if tok.text not in _HONOURS:
            continue
        s = tok.i + 1
        while s < len(doc) and _bare(doc[s].text) in TITLE_ONLY and doc[s].text[:1].isupper():
            s += 1
        e = s
        while (
            e < len(doc)
            and doc[e].is_alpha
            and (doc[e].text[:1].isupper() or (e > s and _bare(doc[e].text) in NAME_PARTICLES))
        ):
            e += 1
        first = _bare(doc[s].text) if s < e else ""
        known = first in _MALE_NAMES or first in _FEMALE_NAMES
        if e - s >= 2 and known and not taken & set(range(s, e)):
            out.append(_mention(doc, s, e, "PERSON"))
    return out + _peers(doc, mentions, taken)


_PEERAGES = {"Lord", "Lady", "Baroness", "Baron", "Sir", "Dame"}


def _peers(doc: Doc, mentions: list[Mention], taken: set[int]) -> list[Mention]:
    """People named by a peer's or knight's title the model missed: "Liberal Democrat peer
    Lord Carlile", "Lord Nicholls (of Birkenhead)": the title and the capitalised words after
    it. Not a title followed by a role ("Lord Chancellor"), a name already taken, nor a
    surname of someone the model found ("Baroness Boothroyd" beside Betty Boothroyd)."""
    # surnames of the people the model found: "Baroness Boothroyd" is Betty Boothroyd's
    known = {
        _bare(doc[m.token_end - 1].text)
        for m in mentions
        if m.label == "PERSON" and m.token_end - m.token_start > 1
    }
    out = []
    for tok in doc:
        s = tok.i
        if tok.text not in _PEERAGES or s + 1 >= len(doc) or s in taken:
            continue
        name = doc[s + 1]
        if not (name.is_alpha and name.text[:1].isupper()) or _bare(name.text) in TITLE_ONLY:
            continue
        if _bare(name.text) in known:
            continue
        e = s + 2
        while e < len(doc) and doc[e].is_alpha and doc[e].text[:1].isupper():
            e += 1
        if not taken & set(range(s, e)):
            out.append(_mention(doc, s, e, "PERSON"))
    return out


def _in_title(title: str, clusters: list[EntityCluster]) -> None:
    """Mark the entities the headline names: a mention in it (`in_title`), or a name the
    body gives it written there (`title_pos`: "Bank payout to Pinochet victims", where the
    model finds no name in so short a text and the body has Augusto Pinochet; a person also
    by the surname). Keyphrase ranking weighs the first (bench/hashtags.py: the name match
    moved F1@5 by -0.001 on 500N-KPCrowd); the page's hashtags lead with both."""
    for c in clusters:
        found = [m.start for m in c.mentions if m.start < len(title)]
        c.in_title = bool(found)
        if not found and title:
            names = {m.text for m in c.mentions if m.text[:1].isupper()}
            if c.type == "person" and " " in c.name:
                names.add(c.name.split()[-1])
            for name in names:
                hit = _as_words(name).search(title)
                if hit is not None:
                    found.append(hit.start())
        c.title_pos = min(found) if found else -1


TITLE_REACH = 12  # tokens from a title word to the name it is the title of ("the Amir of ...")


def _titled_in_title(doc: Doc, title_end: int, mentions: list[Mention]) -> None:
    """A headline that names people by their title ("Amir, US president discuss ...") names
    the people the body gives that title: the first person named within TITLE_REACH tokens
    after the same word in the body ("the Amir of the State of Qatar Sheikh Tamim bin Hamad
    Al Thani", "President of the United States of America HE Donald Trump")."""
    people = [m for m in mentions if m.entity is not None and m.entity.type == "person"]
    named = _tokens_of(mentions)
    persons = _tokens_of(people)
    for tok in doc:
        if tok.idx >= title_end:
            break
        word = _bare(tok.text)
        if tok.i in named or word not in _TITLES:
            continue
        if tok.dep_ == "appos" and tok.head.i in persons:
            continue  # "Hossein Salami, Iran's IRGC head": the headline's own name
        for body in doc:
            if body.idx < title_end or _bare(body.text) != word:
                continue
            after = [m for m in people if 0 < m.token_start - body.i <= TITLE_REACH]
            after = [m for m in after if doc[m.token_start].sent.start == body.sent.start]
            if after:
                c = min(after, key=lambda m: m.token_start).entity
                if c is not None and c.title_pos < 0:
                    c.title_pos = tok.idx
                break


# --- boundaries and types: rules over the NER's spans (word lists in lexicon/entity_types) ---


def _mention(doc: Doc, s: int, e: int, label: str) -> Mention:
    span = doc[s:e]
    return Mention(span.start_char, span.end_char, s, e, span.text, label)


def _refine(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """The NER's mentions with boundaries and types corrected by rule, in text order.

    Hyphenated names are kept whole ("Bashar al-Assad", not "Bashar al"); trailing lower-case
    words leave a name ("Associated Press news agency"); a bare title is no entity ("HH the
    Amir"); "King of Belgium" is the place; a leading demonym is split off ("Briton Karl
    Keska"), and a verb opening a sentence ("'Supporting Israel today …"); then the type is
    corrected (``_retype``). ``_merge`` then gives each name one type by a vote of its
    mentions (``_vote``: "the plant at Natanz" votes place).
    """
    out: list[Mention] = []
    taken: set[int] = set()
    for m in mentions:
        if m.token_start in taken:
            continue  # swallowed by the extension of the previous name
        s, e = _extend(doc, m.token_start, m.token_end, m.label)
        while (
            e - s > 1
            and doc[e - 1].text[:1].islower()
            and doc[e - 2].whitespace_  # "Scrum-half" is one word
        ):
            e -= 1  # "Associated Press news agency", "Moet & Chandon champagne"
        while e - s > 1 and (
            doc[e - 1].is_punct or doc[e - 1].tag_ == "POS" or doc[e - 1].lower_ in _TAIL_WORDS
        ):
            e -= 1  # "Jerry Springer - The" (Opera): a name ends on no "the" nor a dash
        if doc[s].tag_ in VERB_TAGS and sentence_initial(doc, s):
            s += 1  # "'Supporting Israel today is …'": a verb opening a sentence is no name
            if s >= e:
                continue
        if _opener(doc, s, e):
            s += 1  # "Former Worldcom boss …", "New Southampton manager …"
        words = [_bare(t.text) for t in doc[s:e] if not t.is_punct]
        party = len(words) == 1 and words[0] in PARTY_NAMES and m.label == "ORG"
        if not words or (all(w in TITLE_ONLY or w in {"the", "of"} for w in words) and not party):
            continue
        if len(words) >= 3 and words[0] in TITLE_ONLY and words[1] == "of":
            s += 2  # "King of Belgium", "Amir of the State of Qatar": the place
            while s < e and doc[s].lower_ == "the":
                s += 1
            if s >= e or not doc[s].text[:1].isupper():
                continue
            out.append(_mention(doc, s, e, "GPE"))
            taken.update(range(s, e))
            continue
        label = m.label
        if label not in ("PERSON", "GPE", "LOC") and _portfolio(doc, s, e):
            continue  # "Education" of "Education Secretary Ruth Kelly": part of a title
        if label == "PERSON" and e - s > 2 and _bare(doc[s].text) in DEMONYMS:
            out.append(_mention(doc, s, s + 1, "NORP"))  # "Briton Karl Keska"
            s += 1
        elif (
            label == "PERSON" and e - s > 3 and (doc[s].lower_, doc[s + 1].lower_) in DEMONYM_PAIRS
        ):
            out.append(_mention(doc, s, s + 2, "NORP"))  # "New Zealander Graham Henry"
            s += 2
        label = _retype(doc, s, e, label)
        if label == "PERSON" and e - s == 1 and s - 1 not in taken and _given_name_before(doc, s):
            s -= 1  # "Vassily Nebenzia, Russia's UN ambassador": the NER took the surname only
        out.append(_mention(doc, s, e, label))
        taken.update(range(s, e))
    return out


def _split_unattested(doc: Doc, mentions: list[Mention], title_end: int) -> list[Mention]:
    """A name of the headline that the body never writes, but whose two parts the body names
    each, is those two names: "Nepal Fast Facts" of CNN's "Read CNN's Fast Facts about Nepal,
    …", "MG Rover China", "Blunkett Sheffield". Each part takes the label of the body's mention
    of it."""
    body = doc.text[title_end:]
    labels = {m.text: m.label for m in mentions if m.start >= title_end}
    if not labels:
        return mentions
    out: list[Mention] = []
    for m in mentions:
        s, e = m.token_start, m.token_end
        if m.end > title_end or e - s < 2 or _written(m.text, body):
            out.append(m)
            continue
        for k in range(e - 1, s, -1):  # the longest first part first
            left, right = doc[s:k].text, doc[k:e].text
            if left in labels and right in labels:
                out.append(_mention(doc, s, k, labels[left]))
                out.append(_mention(doc, k, e, labels[right]))
                break
        else:
            out.append(m)
    return out


def _opener(doc: Doc, s: int, e: int) -> bool:
    """The name's first word opens its sentence and is no part of the name (SENTENCE_OPENERS):
    "Former" always, "New" when the text writes the rest alone too and the whole only at
    sentence starts."""
    word = doc[s].lower_
    if e - s < 2 or not doc[s + 1].text[:1].isupper() or not sentence_initial(doc, s):
        return False
    if word in SENTENCE_OPENERS:
        return True
    if word not in SENTENCE_OPENERS_IF_ALONE:
        return False
    whole, rest = doc[s:e].text, doc[s + 1 : e].text
    starts = {t.idx for t in doc if sentence_initial(doc, t.i)}
    wholes = [m.start() for m in _as_words(whole).finditer(doc.text)]
    alone = any(
        not doc.text[: m.start()].endswith(doc[s].text + " ")
        for m in _as_words(rest).finditer(doc.text)
    )
    return alone and all(i in starts for i in wholes)


def _written(name: str, text: str) -> bool:
    """Whether `text` writes `name` as it is, as whole words."""
    return _as_words(name).search(text) is not None


def _as_words(name: str) -> re.Pattern[str]:
    """`name` as it is written, as whole words."""
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")


_PORTFOLIO_TITLES = frozenset({"secretary", "minister"})
PORTFOLIO_ZIPF = 4.5  # "education", "home", "culture", "trade", "new": words, not names


def _portfolio(doc: Doc, s: int, e: int) -> bool:
    """A name of common words right before "Secretary" or "Minister" is the portfolio of a
    title, no organisation: "Education Secretary", "New Home Secretary Charles Clarke"; not
    "Treasury Minister" nor "Home Office Minister" (names). Places stay ("Wales Secretary")."""
    if e >= len(doc) or doc[e].lower_ not in _PORTFOLIO_TITLES or not doc[e].text.istitle():
        return False
    words = [t.text for t in doc[s:e] if not t.is_punct]
    if not words or _bare(words[-1]) in ORG_HEADS:
        return False  # "Home Office Minister"
    return all(w.istitle() and (zipf(w.lower()) or 0.0) >= PORTFOLIO_ZIPF for w in words)


def _given_name_before(doc: Doc, s: int) -> bool:
    """The token before a one-word person is a capitalised proper noun of the same sentence
    that is no title, role, demonym or date: the person's first name."""
    if s == 0 or doc[s].is_sent_start:
        return False
    t = doc[s - 1]
    word = _bare(t.text)
    return (
        t.tag_ == "NNP"
        and t.is_alpha
        and t.text[:1].isupper()
        and not t.text.isupper()
        and bool(t.whitespace_)
        and word not in TITLE_ONLY
        and word not in PERSON_ROLES
        and word not in DEMONYMS
        and word not in _DATE_WORDS
    )


_DATE_WORDS = {n.lower() for n in (*calendar.day_name, *calendar.month_name) if n}


VERB_TAGS = frozenset({"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"})
_TAIL_WORDS = frozenset({"the", "a", "an", "of", "and", "for", "to", "in", "on", "at", "by"})


def sentence_initial(doc: Doc, i: int) -> bool:
    """The token opens its sentence, or follows only an opening quote or bracket."""
    return bool(doc[i].is_sent_start) or (
        i > 0 and doc[i - 1].is_punct and bool(doc[i - 1].is_sent_start)
    )


def _extend(doc: Doc, s: int, e: int, label: str) -> tuple[int, int]:
    """The span grown over a glued hyphenated name part ("al-Assad", "Henin-Hardenne") and,
    for "Department for Education" cut before "and Skills", over "and <Capitalised>"."""
    n = len(doc)
    while (
        e + 1 < n
        and doc[e].text == "-"
        and not doc[e - 1].whitespace_
        and not doc[e].whitespace_
        and doc[e + 1].text[:1].isupper()
        and (label == "PERSON" or _bare(doc[e - 1].text) in NAME_PARTICLES)
    ):
        e += 2
    while (
        s >= 2
        and doc[s - 1].text == "-"
        and not doc[s - 1].whitespace_
        and not doc[s - 2].whitespace_
        and _bare(doc[s - 2].text) in NAME_PARTICLES
    ):
        s -= 2  # "al-" before "Assad"
        if s >= 1 and doc[s - 1].text[:1].isupper() and _bare(doc[s - 1].text) not in TITLE_ONLY:
            s -= 1  # "Bashar" before "al-Assad"
    if e - s == 1 and label in ("ORG", "GPE", "LOC", "FAC") and _plural_possessive(doc, s):
        s -= 2  # "Circle" after "the Critics'": the Critics' Circle, no place called Circle
    words = [t.lower_ for t in doc[s:e]]
    if (
        label == "ORG"
        and len(words) >= 3
        and words[0] in ORG_COMPLEMENT_HEADS
        and words[1] in ("of", "for")
        and e + 1 < n
        and doc[e].lower_ == "and"
        and doc[e + 1].text[:1].isupper()
    ):
        e += 1
        while e < n and doc[e].text[:1].isupper() and doc[e].is_alpha:
            e += 1
    return s, e


def _plural_possessive(doc: Doc, s: int) -> bool:
    """The word at s follows "the" and a capitalised plural glued to an apostrophe ("the
    Critics' Circle", "the Farmers' Union"): that plural and its apostrophe are part of the
    name. Without "the", or before a longer name, the plural is mostly a name's possessive
    ("Jenkins' Wales side", "Delta Air Lines' Comair", "the Blues' Celtic League": 13 of 14
    such names on the BBC News set)."""
    if s < 3:
        return False
    mark, word = doc[s - 1], doc[s - 2]
    return (
        mark.text in ("'", "’")
        and not word.whitespace_
        and bool(mark.whitespace_)
        and word.tag_ in ("NNS", "NNPS")
        and word.text[:1].isupper()
        and word.text.endswith("s")
        and doc[s - 3].lower_ == "the"
    )


def _retype(doc: Doc, s: int, e: int, label: str) -> str:
    """The entity label after the type rules; the NER's label when none applies."""
    if label in ("GPE", "LOC") and e - s > 2 and _plural_possessive(doc, s + 2):
        return "ORG"  # the Critics' Circle, the Farmers' Union: bodies of people, no places
    toks = [t for t in doc[s:e] if not t.is_punct]
    words = [_bare(t.text) for t in toks]
    full = " ".join(words)
    if full in KNOWN_TYPES:
        return KNOWN_TYPES[full]
    if len(words) == 1 and words[0] in DEMONYMS and toks[0].text[:1].isupper():
        return "NORP"
    if label == "PERSON" and len(toks) == 1 and _country_not_name(toks[0].text):
        return "GPE"  # "Read CNN's Fast Facts about Nepal": the small model's person
    last = words[-1]
    if last in EVENT_HEADS and len(words) > 1:
        return "EVENT"
    if last in ORG_HEADS and len(words) > 1:
        return "ORG"
    if label == "PERSON" or last in PLACE_HEADS:
        return label
    if not all(t.text[:1].isupper() for t in toks) or len(words) > 4:
        return label
    first = words[0]
    if len(words) >= 2 and first in KEEP_TITLES and words[1] != "of":
        return "PERSON"  # "Queen Elizabeth I", "Pope Francis"
    if len(words) >= 2 and first in HONORIFICS:
        return "PERSON"  # "Mr Brown" (read as an organisation after "Analysing")
    if len(words) >= 2 and (first in _MALE_NAMES or first in _FEMALE_NAMES):
        return "PERSON"  # "Jason Varitek"
    if _role_before(doc, s) or (_role_after(doc, e) and not _after_preposition(doc, s)):
        return "PERSON"  # "UN ambassador Vassily Nebenzia", "Nebenzia, Russia's UN ambassador"
    return label


def _family_name(word: str) -> bool:
    """A surname of Faker's lists ("Phillips", the given name of "Phillips Idowu")."""
    from newsdesk.nlp.names import surnames

    return word in surnames()


def _country_not_name(word: str) -> bool:
    """A country's name that is no given name ("Nepal"; not "Jordan", "Chad", "Georgia")."""
    from newsdesk.nlp.names import given_names

    return word[:1].isupper() and is_country(word) and word not in given_names()


def _after_preposition(doc: Doc, s: int, words: frozenset[str] = PLACE_PREPOSITIONS) -> bool:
    """ "in Iran, becoming head of …": a placed name, not "X, the head of …"."""
    i = s - 1 if s > 0 and doc[s - 1].lower_ != "the" else s - 2
    return i >= 0 and doc[i].lower_ in words


def _place_noun(word: str) -> bool:
    word = _bare(word)
    return word in PLACE_NOUNS or (word.endswith("s") and word[:-1] in PLACE_NOUNS)


def _placed(doc: Doc, m: Mention) -> bool:
    """The mention names where something is: "the plant at Natanz", "inside the Natanz
    facility" (a place preposition after a place noun, or before the name and a place noun)."""
    i = m.token_start - 1
    if i >= 0 and doc[i].lower_ == "the":
        i -= 1
    if i < 0 or doc[i].lower_ not in PLACE_PREPOSITIONS:
        return False
    if i >= 1 and _place_noun(doc[i - 1].text):
        return True
    return m.token_end < len(doc) and _place_noun(doc[m.token_end].text)


def _vote(doc: Doc, m: Mention) -> str:
    """The type one mention votes for its entity: its label's, "place" where it is placed,
    "other" for a "person" written as a thing ("a Mac Mini", "Mini models")."""
    kind = LABEL_TYPE[m.label]
    if kind == "person" and (_determined(doc, m) or _of_product(doc, m)):
        return "other"
    if kind == "person":
        job = _job_after(doc, m)
        if job is not None:
            return job
        if _which_after(doc, m):
            return "other"  # "Boogeyman, which focuses on a man who …": a thing, not a person
    return "place" if kind != "place" and _placed(doc, m) else kind


_ARTICLES = frozenset({"the", "a", "an", "this", "that", "every", "each", "another"})
_NOUN_TAGS = frozenset({"NN", "NNS"})
_AFTER_PERSONS = frozenset({"one", "ones", "of"})
_NEW = frozenset({"new", "latest"})


def _determined(doc: Doc, m: Mention) -> bool:
    """An article right before a name, as before a thing and not a person: "a Mini", "the Mac
    Mini", "the Premiership". Not where the name qualifies a noun ("the Mike Leigh film", "a
    Simon Schama one"), nor a title's ("the Rt Rev Michael Scott-Joynt"), a given name's ("if
    Chelsea had a Ruud van Nistelrooy") or a likeness ("the Eminem of Argentina"); a capital
    "A" may be an initial ("A Lo Cicero (L'Aquila)")."""
    i = m.token_start - 1
    if i > 0 and doc[i].lower_ in _NEW:
        i -= 1  # "the new Mini", "the latest Harry Potter"
    if i < 0 or doc[i].lower_ not in _ARTICLES or doc[i].tag_ != "DT" or doc[i].text == "A":
        return False
    words = _tokens(m.text)
    if any(_bare(w) in TITLE_ONLY for w in words) or (len(words) > 1 and _name_word(words[0])):
        return False
    after = doc[m.token_end] if m.token_end < len(doc) else None
    if after is not None and (after.tag_ in _NOUN_TAGS or after.lower_ in _AFTER_PERSONS):
        return False  # "a Simon Schama one", "the Eminem of Argentina"
    return m.token_start <= doc[i].head.i < m.token_end  # the article is the name's own


def _which_after(doc: Doc, m: Mention) -> bool:
    """ "X, which …": what "which" stands for is no person ("who" is for people). Not after a
    full name: "the novel … written by journalist S Hussain Zaidi, which looks at …"."""
    e = m.token_end
    if e + 1 >= len(doc) or doc[e].text != "," or doc[e + 1].lower_ != "which":
        return False
    words = _tokens(m.text)
    return not (len(words) > 1 and _name_word(words[0]))


def _job_after(doc: Doc, m: Mention) -> str | None:
    """ "Evil Dead director Sam Raimi" -> "other", "Chelsea manager Jose Mourinho" ->
    "organization": a name before a job on a work or in a body and a person's name."""
    e = m.token_end
    if e + 1 >= len(doc) or not doc[e].text.islower():
        return None
    after = doc[e + 1]
    if not (after.ent_type_ == "PERSON" and after.ent_iob_ == "B"):
        return None
    if doc[e].text in WORK_JOBS:
        return "other"
    return "organization" if doc[e].text in BODY_JOBS else None


def _of_product(doc: Doc, m: Mention) -> bool:
    """ "Mini models", "the Maserati brand": the name of a make."""
    return m.token_end < len(doc) and doc[m.token_end].lower_ in PRODUCT_NOUNS


def _role_before(doc: Doc, s: int) -> bool:
    return s > 0 and doc[s - 1].lower_ in PERSON_ROLES


def _role_after(doc: Doc, e: int) -> bool:
    """ "X, <up to 6 words ending in a role noun>," or "X, the <role> of …"."""
    if e >= len(doc) or doc[e].text != ",":
        return False
    for i in range(e + 1, min(e + 8, len(doc) - 1)):
        t = doc[i]
        if t.is_punct or t.is_sent_end:
            return False
        if t.lower_ in PERSON_ROLES and (doc[i + 1].is_punct or doc[i + 1].lower_ in ("of", "at")):
            return True
    return False


def _merge(mentions: list[Mention], doc: Doc) -> list[EntityCluster]:
    by_key: dict[str, EntityCluster] = {}
    order: list[EntityCluster] = []

    def cluster_for(key: str, name: str, kind: str, pos: int) -> EntityCluster:
        c = by_key.get(key)
        if c is None:
            c = EntityCluster(name=name, type=kind, first_pos=pos)
            by_key[key] = c
            order.append(c)
        return c

    # Pass 1: multi-token person names and every non-person name by its key.
    persons_full: list[tuple[Mention, str]] = []
    pending: list[Mention] = []
    for m in mentions:
        kind = LABEL_TYPE[m.label]
        if kind == "person":
            cleaned = clean_name(m.text, "person")
            if len(cleaned.split()) >= 2:
                persons_full.append((m, cleaned))
                key = "person:" + canonical_key(cleaned, "person")
                c = cluster_for(key, cleaned, "person", m.start)
                c.mentions.append(m)
                m.entity = c
                continue
        pending.append(m)

    def surname_match(single: str, pos: int, gender: str | None = None) -> EntityCluster | None:
        """The full name `single` stands for, nearest first; never one of the other gender
        than the mention's title says ("Mrs Howard" is not Michael Howard)."""
        fold = _bare(single)
        best: EntityCluster | None = None
        best_dist = None
        for pm, cleaned in persons_full:
            toks = [_bare(t) for t in cleaned.split()]
            if gender is not None and name_gender(cleaned) not in (None, gender):
                continue
            if toks[-1] == fold or (fold == toks[0] and len(fold) > 2):
                dist = pos - pm.start if pm.start <= pos else 10**9 + pm.start - pos
                if best_dist is None or dist < best_dist:
                    best, best_dist = pm.entity, dist
        return best

    # Pass 2: single names (surname / first name) join a full name seen in the article;
    # acronyms join the organization they abbreviate.
    orgs_full = [m for m in pending if LABEL_TYPE[m.label] != "person" and " " in m.text]
    placed = {m.text for m in pending if _after_preposition(doc, m.token_start)}
    for m in pending:
        kind = LABEL_TYPE[m.label]
        cleaned = clean_name(m.text, "person" if kind == "person" else "org")
        single = cleaned if " " not in cleaned else None
        target: EntityCluster | None = None
        titled = name_gender(m.text) if single and _bare(_tokens(m.text)[0]) in HONORIFICS else None
        if single and kind in ("person", "organization", "place", "other") and single[:1].isupper():
            target = surname_match(single, m.start, titled)
            if target is not None and kind == "place" and single in placed:
                target = None  # "in Jordan" somewhere: the country, not Michael Jordan; a
                # surname the NER calls a place but no text places is the person ("Gen
                # Pinochet's regime", "behind Gatlin")
        if target is None and kind != "place" and cleaned.isupper() and len(cleaned) >= 2:
            # an acronym of an organisation of the article, whatever the label ("SAIC" a
            # person beside "Shanghai Automotive Industry Corp")
            for om in orgs_full:
                if acronym(clean_name(om.text, "org")) == cleaned.replace(".", ""):
                    full = clean_name(om.text, "org")
                    target = cluster_for(
                        "org:" + canonical_key(full, "org"), full, "organization", om.start
                    )
                    target.short = cleaned
                    break
        if target is None:
            display = canonical_name(cleaned, kind if kind == "person" else "org")
            if titled and surname_match(single or "", m.start) is not None:
                display = m.text  # "Mrs Howard" beside Michael Howard: the title tells them apart
            key_kind = "person" if kind == "person" else "name"
            key = f"{key_kind}:" + canonical_key(display, kind if kind == "person" else "org")
            if key_kind == "name" and "person:" + canonical_key(display, "person") in by_key:
                key = "person:" + canonical_key(display, "person")
            target = cluster_for(key, display, kind, m.start)
            if display in SHORT_FORMS:
                target.short = SHORT_FORMS[display]
        target.mentions.append(m)
        m.entity = target

    # "International Atomic Energy Agency (IAEA)": the bracketed acronym joins the name.
    text = doc.text  # Doc.text joins every token on each access: read it once
    for i, m in enumerate(mentions[:-1]):
        nxt = mentions[i + 1]
        between = text[m.end : nxt.start]
        if (
            between.strip() == "("
            and m.entity
            and nxt.entity
            and m.entity is not nxt.entity
            and nxt.text.isupper()
            and m.entity.type in ("organization", "other")
        ):
            _absorb(m.entity, nxt.entity, order)
            m.entity.short = nxt.text

    _merge_same_names(order)
    _join_fragments(order, doc)
    _join_short_first_names(order)
    _join_double_surnames(order)
    _join_mistyped_full_names(order)
    for c in order:
        if not c.mentions:
            continue
        # One type per name: its mentions vote ("the plant at Natanz" votes place). A full
        # person name stays a person; a single word ("Iran", "Chelsea") goes with the majority.
        # In a tie a type a rule read from the words around a mention wins over the model's
        # label ("BMW, Mini and Rolls-Royce" beside "Mini models"), then between a person
        # and a place, a place GeoNames knows ("Tuesday's Glasgow date" beside "the show in
        # Glasgow"), then the first mention's.
        votes: Counter[str] = Counter()
        ruled: set[str] = set()
        for m in c.mentions:
            vote = _vote(doc, m)
            votes[vote] += 1
            if vote != LABEL_TYPE[m.label]:
                ruled.add(vote)
        if c.type != "person" or votes["person"] == 0 or " " not in c.name:
            tied = votes["place"] == votes["person"] > 0  # not a club's name: "Liverpool"
            known = "place" if tied and is_place_name(c.name) else None  # GeoNames: "Glasgow"
            c.type = max(votes, key=lambda k: (votes[k], k in ruled, k == known))
        if c.type == "person":
            c.gender = _gender(c, doc)
        c.first_pos = min(m.start for m in c.mentions)
    _join_plurals(order)
    result = [c for c in order if c.mentions]
    result.sort(key=lambda c: (-len(c.mentions), c.first_pos))
    return result


def _join_plurals(order: list[EntityCluster]) -> None:
    """A name that is no person's and its plural are one entity ("Mini" and "Minis", "Oscar"
    and "Oscars"): the one with fewer mentions joins the other, whose type stays."""
    names = {canonical_key(c.name, "org"): c for c in order if c.mentions and c.type != "person"}
    for key, plural in list(names.items()):
        *head, last = key.split(" ")
        if not last.endswith("s") or not plural.mentions:
            continue
        for singular in (fold_plural(last), last[:-1]):  # "Minis": fold_plural keeps "-is"
            one = names.get(" ".join([*head, singular]))
            if one is not None and one is not plural and one.mentions:
                into, other = (
                    (one, plural) if len(one.mentions) >= len(plural.mentions) else (plural, one)
                )
                _absorb(into, other, order)
                into.first_pos = min(into.first_pos, other.first_pos)
                break


def _merge_same_names(order: list[EntityCluster]) -> None:
    """One entity per name in an article: clusters whose names (or short forms) have one key
    join the one with more mentions ("IRGC" read as a place once joins the organisation)."""
    by_key: dict[str, EntityCluster] = {}
    for c in sorted(order, key=lambda c: -len(c.mentions)):
        if not c.mentions:
            continue
        # a list, not a set: the name's key is looked up before the short form's, whatever
        # the process's string hashing (a set's order made "SAIC" a person in some runs)
        keys = list(
            dict.fromkeys([canonical_key(c.name, "org"), *([c.short.lower()] if c.short else [])])
        )
        into = next((by_key[k] for k in keys if k in by_key), None)
        if into is None or ((into.type == "person") != (c.type == "person") and " " in c.name):
            for k in keys:
                by_key.setdefault(k, c)
            continue
        _absorb(into, c, order)


def _join_short_first_names(order: list[EntityCluster]) -> None:
    """One person written with a first name and its short form ("Alex Soumbadze", "Alexander
    Soumbadze"; "Chris"/"Christopher", "Sam"/"Samuel"): same surname, one first name the start
    of the other (three letters or more), no gender against it. The name with more mentions
    stays."""
    people: dict[str, list[EntityCluster]] = {}
    for c in order:
        toks = c.name.split()
        if c.mentions and c.type == "person" and len(toks) == 2:
            people.setdefault(_bare(toks[1]), []).append(c)
    for same in people.values():
        for a in same:
            for b in same:
                if a is b or not a.mentions or not b.mentions:
                    continue
                short, full = _bare(a.name.split()[0]), _bare(b.name.split()[0])
                if len(short) < 3 or len(short) >= len(full) or not full.startswith(short):
                    continue
                if {name_gender(a.name), name_gender(b.name)} >= {"m", "f"}:
                    continue  # "Pat" may be Patrick's or Patricia's
                into, other = (a, b) if len(a.mentions) > len(b.mentions) else (b, a)
                _absorb(into, other, order)


def _join_fragments(order: list[EntityCluster], doc: Doc) -> None:
    """A mention that sits inside the words of a longer name the article has is that name,
    cut by the model ("Aston" in "... finished off Aston Villa", "Sierra" in "Sierra Leone",
    "Palace" in "Crystal Palace"): it joins the longer name's entity. Mentions of the same word
    elsewhere keep their own ("fans from Manchester" beside "Manchester City")."""
    text = doc.text
    spans: list[tuple[int, int, EntityCluster]] = []  # where each longer name is written
    for c in order:
        if c.mentions and " " in c.name:  # as written, capitals and all: not "across Wales"
            spans += [(m.start(), m.end(), c) for m in _as_words(c.name).finditer(text)]
    if not spans:
        return
    for c in order:
        for m in list(c.mentions):
            around = [
                (b - a, into)
                for a, b, into in spans
                if into is not c and a <= m.start and m.end <= b and b - a > m.end - m.start
            ]
            if not around:
                continue
            into = max(around, key=lambda x: x[0])[1]
            c.mentions.remove(m)
            m.entity = into
            into.mentions.append(m)
            into.mentions.sort(key=lambda x: x.start)


def _join_double_surnames(order: list[EntityCluster]) -> None:
    """One person named in full once and then by a surname of two words or more ("Charles
    Saumarez Smith", "Saumarez Smith"; "Martin Luther King", "Luther King"): the shorter name,
    the end of exactly one longer person name of the article, joins it."""
    people = [c for c in order if c.mentions and c.type == "person"]
    for short in people:
        words = [_bare(w) for w in short.name.split()]
        if len(words) < 2:
            continue
        longer = [
            c
            for c in people
            if c is not short
            and c.mentions
            and len(c.name.split()) > len(words)
            and [_bare(w) for w in c.name.split()][-len(words) :] == words
            and _given_names(c.name.split()[: -len(words)])
        ]
        if len(longer) == 1:
            _absorb(longer[0], short, order)


def _join_mistyped_full_names(order: list[EntityCluster]) -> None:
    """A person named in full once, which the model typed no person ("Ireland's Alistair Cragg"
    an organisation), then by the surname it types a person ("said Cragg"): the surname joins
    the full name, a person. The full name is two or three words, those before the surname
    given names or initials (``_name_word``), none an organisation's, place's or event's head
    word, and the only such name of the article ending in that surname."""
    people = [c for c in order if c.mentions and c.type == "person" and " " not in c.name]
    for short in people:
        word = _bare(short.name)
        longer = [
            c
            for c in order
            if c.mentions
            and c.type != "person"
            and 2 <= len(c.name.split()) <= 3
            and _bare(c.name.split()[-1]) == word
            and all(_name_word(w) or _family_name(w) for w in c.name.split()[:-1])
            and not any(
                _bare(w) in ORG_HEADS or _bare(w) in PLACE_HEADS or _bare(w) in EVENT_HEADS
                for w in c.name.split()
            )
        ]
        if len(longer) == 1:
            longer[0].type = "person"
            _absorb(longer[0], short, order)


# A word wordfreq finds this common (Zipf scale) is an English word before it is a given name:
# "European Elvis", "Mental Capacity Bill", "Twentieth Century Fox"; "Alistair" is 3.3.
COMMON_WORD_ZIPF = 4.0


def _name_word(word: str) -> bool:
    """A given name or an initial: "Alistair", "JP", "C"; not "European" (a common word),
    "Neath-Swansea" (a place) or "IRB"."""
    if len(word) <= 2 and word.isupper() and word.isalpha():
        return True  # "JP McManus", "C Jones"
    if not (word[:1].isupper() and word[1:].islower() and word.replace("-", "").isalpha()):
        return False
    if any(is_place_name(part) for part in word.split("-")):
        return False
    if _bare(word) in _GIVEN_NAMES:
        return True
    z = zipf(word.lower())
    return z is not None and z < COMMON_WORD_ZIPF


_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del", "dos", "bin"}


def _given_names(words: list[str]) -> bool:
    """Words before a surname that are given names ("Charles", "Philip van"), not a role
    ("Rapper Kanye West") or a fragment ("Matt Lucas & David Walliams")."""
    names = [w for w in words if w.lower() not in _PARTICLES]
    return bool(names) and all(
        w.isalpha() and w[0].isupper() and _bare(w) in _GIVEN_NAMES for w in names
    )


def _absorb(into: EntityCluster, other: EntityCluster, order: list[EntityCluster]) -> None:
    for m in other.mentions:
        m.entity = into
        into.mentions.append(m)
    other.mentions = []
    into.mentions.sort(key=lambda m: m.start)


def _gender(c: EntityCluster, doc: Doc) -> str | None:
    for m in c.mentions:
        g = name_gender(m.text)
        if g:
            return g
        if m.token_start > 0:
            prev = _bare(doc[m.token_start - 1].text)
            if prev in HONORIFICS_M or TITLE_GENDER.get(prev) == "m":
                return "m"
            if prev in HONORIFICS_F or TITLE_GENDER.get(prev) == "f":
                return "f"
    return name_gender(c.name)


# --- descriptions -----------------------------------------------------------------------


def _descriptions(doc: Doc, mentions: list[Mention], title_end: int = 0) -> list[Description]:
    """Descriptive phrases of people and organisations, from the body only: a headline's commas
    list names ("Amir, US president discuss …"), they do not describe them."""
    out: list[Description] = []
    seen: set[tuple[str, str]] = set()

    def add(entity: str, phrase: str) -> None:
        phrase = _EDGE_PUNCT.sub("", _trailing_title(phrase)).strip()
        if phrase.count("(") > phrase.count(")"):
            phrase += ")"  # "… Guard Corps (IRGC" cut before its closing bracket
        words = [_bare(w) for w in re.split(r"[\s-]+", phrase) if w]
        title_only = all(w in ROLE_WORDS or w in HONORIFICS for w in words)
        if title_only and OFFICE_WORDS.isdisjoint(words):
            return  # a rank or a courtesy on its own ("Major-General", "Sir") describes nobody;
            # an office does ("Prime Minister Tony Blair", "Chancellor Gordon Brown")
        if not phrase or len(phrase) > 200:
            return
        key = (entity, phrase.lower())
        if key not in seen:
            seen.add(key)
            out.append(Description(entity=entity, phrase=phrase))

    named = _tokens_of(mentions)
    for m in mentions:
        c = m.entity
        if c is None or c.type not in ("person", "organization") or m.start < title_end:
            continue
        span = doc[m.token_start : m.token_end]
        # "<role> X": role words inside the NER span and modifiers just before it.
        for pre in (_pre_name_role(doc, m), _office_before(doc, m)):
            if pre:
                add(c.name, pre)
        root = span.root
        # "X, the commander of ..., said"
        for child in root.rights:
            if child.i in named or any(g.dep_ == "appos" and g.i in named for g in child.children):
                continue  # a list of names: "the Lebanese group Hezbollah, the Palestinian
                # group Hamas, ..." does not say Hezbollah is "the Palestinian group Hamas"
            if child.dep_ == "appos" and child.i >= m.token_end:
                phrase = _appos_phrase(doc, child)
                if phrase:
                    add(c.name, phrase)
        # "the commander of ..., X, said"
        if root.dep_ == "appos" and root.head.i < m.token_start and _apposed(doc, m):
            head = root.head
            if head.tag_ in ("NN", "NNS") and not head.ent_type_:
                tokens = [t for t in head.subtree if t.i < m.token_start]
                commas = [k for k, t in enumerate(tokens) if t.text in {",", "(", "–", "—"}]
                if commas:
                    tokens = tokens[: commas[-1]]
                while tokens and (tokens[-1].is_punct or tokens[-1].is_space):
                    tokens.pop()
                if tokens and len(tokens) <= 15:
                    add(c.name, _join(tokens))
    return out


def _apposed(doc: Doc, m: Mention) -> bool:
    """Whether what stands before the name can be in apposition to it: set off by a comma, a
    bracket or a dash ("the commander of the IRGC, Hossein Salami"), or right before it ("chip
    giant Intel", "Andre Agassi's Australian coach Darren Cahill"); not with an honorific
    between and no comma ("A Labour loyalist from a working class background Mr Blunkett",
    which the parse may read so) unless the word before the honorific is a title ("Foreign
    Secretary Mr Straw")."""
    i = m.token_start - 1
    honoured = False
    while i >= 0 and _bare(doc[i].text) in HONORIFICS:
        honoured = True
        i -= 1
    if i < 0:
        return False
    if doc[i].text in {",", "(", "–", "—", "-"}:
        return True
    return not honoured or _bare(doc[i].text) in ROLE_WORDS


OFFICE_REACH = 10  # tokens back from a name to the title of an office ("the Amir of ...")
_OFFICES = _TITLES - {"state", "home", "former", "senior", "acting", "of"}


def _office_before(doc: Doc, m: Mention) -> str | None:
    """ "the Amir of the State of Qatar Sheikh Tamim ...", "President of the United States of
    America HE Donald Trump": an office of a place or body written right before the name
    (honorifics between), which the parse does not attach to it."""
    end = m.token_start
    while end > 0 and (doc[end - 1].text in _HONOURS or _bare(doc[end - 1].text) in _BEFORE_NAMES):
        end -= 1
    if end == m.token_start or end < 3 or not doc[end - 1].text[:1].isupper():
        return None  # no honorific between: the parse's own pre-name role, if any
    found = None  # the furthest office within reach: "Amir" of "Amir of the State of Qatar"
    for j in range(end - 2, max(-1, end - 1 - OFFICE_REACH), -1):
        t = doc[j]
        if t.is_punct or t.is_space or t.tag_.startswith("VB"):
            break
        if not (t.lower_ in {"of", "the", "and"} or t.text[:1].isupper()):
            break
        if _bare(t.text) in _OFFICES and doc[j + 1].lower_ == "of":
            found = j
    return doc[found:end].text if found is not None else None


def _trailing_title(phrase: str) -> str:
    """Without a title cut off from its name ("the loyal and steadfast commander, Major" of
    "…, Major-General Hossein Salami"): a last word after a comma that is a title."""
    head, sep, last = phrase.rpartition(",")
    if sep and _bare(last.strip().rstrip("-–—").strip()) in ROLE_WORDS | HONORIFICS:
        return head
    return phrase


def _join(tokens: list[Token]) -> str:
    if not tokens:
        return ""
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


def _appos_phrase(doc: Doc, head: Token) -> str | None:
    if head.ent_type_ == "PERSON" or head.tag_ not in ROLE_NOUN_TAGS | {"CD"}:
        return None
    tokens = [t for t in head.subtree if not t.is_space]
    # stop at a relative clause or a second comma-separated element of a list
    cut: list[Token] = []
    for t in tokens:
        if t.dep_ in ("relcl", "acl") and t.head.i == head.i and t.i > head.i:
            break
        cut.append(t)
    while cut and cut[-1].is_punct:
        cut.pop()
    while cut and cut[0].is_punct:
        cut.pop(0)
    if not cut or len(cut) > 20:
        return None
    if not any(t.tag_ in ("NN", "NNS") or _bare(t.text) in ROLE_WORDS for t in cut):
        return None
    return _join(cut)


# What a page's captions and media boxes put before a name ("Video David Cameron", "Picture:
# ..."): never a description of the person.
_CAPTION_NOUNS = {
    "video",
    "videos",
    "picture",
    "pictures",
    "photo",
    "photos",
    "image",
    "images",
    "footage",
    "clip",
    "clips",
    "gallery",
    "graphic",
    "caption",
    "credit",
    "file",
}


def _pre_name_role(doc: Doc, m: Mention) -> str | None:
    span_tokens = list(doc[m.token_start : m.token_end])
    # title words the NER put inside the span ("Prime Minister Benjamin Netanyahu")
    inner: list[Token] = []
    cleaned = clean_name(m.text, "person") if LABEL_TYPE[m.label] == "person" else m.text
    n_clean = len(cleaned.split())
    if LABEL_TYPE[m.label] == "person" and len(span_tokens) > n_clean:
        at = m.text.find(cleaned)
        if at >= 0:  # the words before the name: "President" of "President Bashar al-Assad",
            # none in "Bashar al-Assad" (its 4 tokens are 2 words: "President Bashar al" was
            # taken for his title)
            inner = [t for t in span_tokens if t.idx + len(t.text) <= m.start + at]
        else:
            inner = span_tokens[: len(span_tokens) - n_clean]
        # a possessive suffix is not a title
        inner = [t for t in inner if t.tag_ != "POS"]
    before: list[Token] = []
    root_i = doc[m.token_start : m.token_end].root.i
    i = m.token_start - 1
    while i >= 0:
        t = doc[i]
        if t.is_space or t.is_sent_end:
            break
        attached = (
            t.head.i == root_i
            or (t.head.i < m.token_start and t.head.i > i)
            or (m.token_start <= t.head.i < m.token_end)
        )
        if not attached or t.dep_ not in PRE_DEPS:
            break
        if t.ent_type_ == "PERSON":
            break
        if t.tag_ in ("VB", "VBD", "VBZ", "VBP", "VBG", "IN", "CC") or t.text in {",", ";", ":"}:
            break
        before.insert(0, t)
        i -= 1
    tokens = before + inner
    while tokens and (tokens[0].lower_ in {"the", "a", "an"} or tokens[0].is_punct):
        tokens.pop(0)
    if not tokens:
        return None
    words_ = [_bare(t.text) for t in tokens]
    if all(w in HONORIFICS for w in words_) or words_[-1] in _CAPTION_NOUNS:
        return None  # "Scroll down for video David Cameron ...": no description of him
    has_role = any(
        w in ROLE_WORDS - {"of", "former", "senior", "acting", "state", "home"} for w in words_
    ) or any(t.tag_ in ("NN", "NNS") for t in tokens)
    if not has_role:
        return None
    words_kept = [t for t in tokens if _bare(t.text) not in HONORIFICS]
    if not words_kept:
        return None
    return " ".join(t.text for t in words_kept) if inner else _join(words_kept)
