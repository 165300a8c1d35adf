"""Keyphrases and hashtags.

Keyphrase ranking (measured in bench/hashtags.py against YAKE on 500N-KPCrowd): candidates
are nouns, proper nouns, participles ("accused", "trapped"; ``PARTICIPLES``), noun phrases
(tag patterns ``(JJ|NN|NNP)* NN|NNP``, up to 4 words) and named entities; a hyphenated compound
("X-Men", "hands-free", "Secretary-General") is one word, not its parts. A word's weight is its
frequency with a position prior (early sentences and the title count more); a word that only
ever occurs inside a noun compound ("cancer" of "prostate cancer") counts less (``NESTED_ONLY``,
after C-value's nested terms); a phrase scores by its own frequency and its words' weights. A
single-word candidate is further weighted by its rarity in general English (``_rarity``: the
Zipf frequency from the ``wordfreq`` package's bundled lists, offline), so "tsunami" outranks
"government" at equal counts; without wordfreq installed that weight is 1
(``BACKGROUND`` names what was used; it is part of ``analyze.MODEL_VERSION``).
Multi-word phrases and names are scaled down against single words (``MULTI_WORD_*``). Last, a
candidate whose words contain or are contained in a better one's ("Penelope" after "Penelope
Cruz") moves down the order (``OVERLAP``; names do not move, scores stay), so the top places go
to different things.

Hashtags: 3-8 per article, from the merged entities (people, organisations, places) and the
best topical keyphrases (nouns only, never a participle), as CamelCase ASCII slugs
(``hashtag_slug``) the store merges on.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from newsdesk.nlp.entities import (
    COMMON_WORD_ZIPF,
    HONORIFICS,
    PERSON_ROLES,
    EntityResult,
    clean_name,
)
from newsdesk.nlp.lexicon.entities import KEEP_TITLES, SHORT_FORMS
from newsdesk.nlp.lexicon.entity_types import NAME_TITLES
from newsdesk.nlp.lexicon.figures import UNIT_AFTER
from newsdesk.nlp.paraphrase import variants
from newsdesk.nlp.text import ascii_fold, fold_plural, zipf
from newsdesk.nlp.types import Hashtag

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


def _wordset(text: str) -> set[str]:
    return set(text.split())


NOUN_TAGS = {"NN", "NNS", "NNP", "NNPS"}
PHRASE_TAGS = NOUN_TAGS | {"JJ", "HYPH", "VBN", "NML"}
_GENERIC = _wordset(
    """year years time times people way day days week weeks month months thing things lot
lots number part percent per cent world man men woman women today yesterday tomorrow end
place case point fact kind sort area side group home week's news story report statement
comment comments issue issues question questions mr mrs ms dr one ones others other
something anything everything nothing someone anyone everyone use level levels set
term terms bit half rest line lines source sources official officials spokesman
spokeswoman spokesperson told said says say"""
)
# Units of measure: "#Km" is no topic. Not candidates at all, as _GENERIC.
_UNITS = _wordset(
    """km kms kg kgs mph kph km/h cm mm ft lb lbs mi oz sq bn mn gb mb kb tb ghz mhz kw mw gw
kwh mwh gwh pc pct sec secs mins hrs"""
)
_GENERIC |= _UNITS
# Too vague to be a hashtag on their own (still ranked as keyphrases); a relative ("my daughter's
# RSV case": #Daughter) is someone's, no topic.
_VAGUE_TAGS = _wordset(
    """government plan plans concern concerns firm firms company companies country countries
minister ministers deal move decision market markets sale sales share shares price prices
state states city cities member members party parties report reports law laws rule rules
problem problems change changes system systems job jobs work life money cost costs
child children family families club clubs team teams player players game games match
matches season show shows film films star stars music album service services user users
site sites firm's chief head leader leaders boss bosses move plan's proposal proposals
support attack attacks war talks meeting meetings official statement news development
developments situation issue issues matter matters thing things way ways people president
presidents amir emir king queen prime spokesperson spokesman spokeswoman region regions
highness highnesses excellency majesty hh host hosts guest guests panelist panelists
contestant contestants listener listeners caller callers article articles episode episodes
mother mothers father fathers son sons daughter daughters wife wives husband husbands brother
brothers sister sisters grandmother grandfather grandson granddaughter aunt uncle
niece nephew cousin mum dad mom boyfriend girlfriend fiance fiancee widow widower
monday tuesday wednesday thursday friday saturday sunday january february march april june
july august september october november december spring summer autumn winter
title titles record records result results
ton tonne kilogram metre meter litre per cent
win wins loss losses tie ties draw draws victory defeat quarter quarters warning warnings
order orders command commands argument arguments item items view views"""
)
# and every unit a figure is counted in ("#Tons", "#Km", "#Seconds", "#Points")
_VAGUE_TAGS |= {unit for unit in UNIT_AFTER if unit.isalpha()}
# People's titles and roles are no tags on their own (#Dame, #Chancellor, #Manager, #Actor,
# #Vice of "Vice President": whom they name depends on the article), whatever the model calls
# them; the Pope is one.
_TITLE_WORDS = {"vice", "prime", "acting", "interim", "former", "lieutenant", "brigadier"}
_TITLE_TAGS = (HONORIFICS | PERSON_ROLES | _TITLE_WORDS | KEEP_TITLES | NAME_TITLES) - {"pope"}


def _vague(name: str) -> bool:
    """A name or topic that names nothing on its own: one vague word, or titles only ("Vice
    President")."""
    word = name.lower()
    if " " in word:
        return all(w in _TITLE_TAGS for w in word.split())
    return word in _VAGUE_TAGS or word in _TITLE_TAGS or fold_plural(word) in _TITLE_TAGS


ENTITY_TYPES = ("person", "organization", "place")
SPEAKERS = 1  # the person quoted most (the first quoted among ties) goes ahead of the ranked names
_ROMAN = re.compile(r"(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})")
_SLUG_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")


def hashtag_slug(label: str) -> str:
    """CamelCase ASCII tag for a label: "Hossein Salami" -> "HosseinSalami",
    "IAEA" -> "IAEA", "U.S." -> "US", "climate change" -> "ClimateChange",
    "Erdoğan's" -> "Erdogan", "iOS" -> "iOS" (a name's own casing, as people tag it).
    The store merges hashtags on this slug (case-insensitively)."""
    text = ascii_fold(label.strip().lstrip("#"))
    text = re.sub(r"['’]s\b", "", text)
    text = text.replace("'", "").replace("’", "")
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    parts = [p for p in _SLUG_SPLIT.split(text) if p]
    out = []
    for p in parts:
        if p[0].islower() and any(ch.isupper() for ch in p[1:]):
            out.append(p)  # "iPhone", "macOS", "eBay"
        elif p.isupper() or any(ch.isupper() for ch in p[1:]):
            out.append(p[0].upper() + p[1:])  # acronyms and "McDonald" stay
        else:
            out.append(p[0].upper() + p[1:].lower())
    return "".join(out)


BACKGROUND = "none" if zipf("the") is None else "wordfreq"

# rarity = clip((RARITY_TOP - zipf) / RARITY_SCALE, RARITY_MIN, RARITY_MAX); words wordfreq
# does not know count as zipf RARITY_UNKNOWN. Chosen on the even-numbered 500N-KPCrowd
# documents, checked on the odd ones (F1@10 0.172 / 0.175; 0.156 before).
RARITY_TOP = 8.5
RARITY_SCALE = 3.0
RARITY_MIN = 0.3
RARITY_MAX = 2.0
RARITY_UNKNOWN = 3.0


# An everyday word written once counts as a topic when its MiniLM vector is this near the
# headline's: "missile" under "Russia's war in Ukraine" (0.36), "tennis" under "Australian Open
# Fast Facts" (0.31), not "limits" under "Questions about Donald Trump's campaign money" (0.05).
# Chosen on the 30 teasers of CNN's real feed (syndikit-real-feeds); BENCHMARKS.md reports
# it on 500N-KPCrowd and BBC News.
ABOUT_HEADLINE = 0.25


def _about(headline: str, words: list[str]) -> set[str]:
    """The words whose meaning is near the headline's (cosine >= ABOUT_HEADLINE)."""
    from newsdesk.nlp.embed import get_embedder, normalize

    vectors = normalize(get_embedder().embed([headline, *words]))
    near = vectors[1:] @ vectors[0]
    return {w for w, cos in zip(words, near, strict=True) if cos >= ABOUT_HEADLINE}


_LABEL = re.compile(r"([A-Za-z]+(?: [A-Za-z]+)?): ")


def _label_length(doc: Doc, title_end: int) -> int:
    """How many characters open the headline as the outlet's label of its kind ("Opinion: ",
    "Profile: ", "DVD review: "): one or two words before a colon, the last an everyday word,
    no name among them ("Kerry: Formal climate talks …" is Kerry's)."""
    m = _LABEL.match(doc.text, 0, title_end)
    if m is None or not _common_word(m.group(1).rsplit(" ", 1)[-1].lower()):
        return 0
    if any(
        t.ent_type_ and t.ent_type_ not in ("DATE", "TIME")
        for t in doc.char_span(0, m.end(1), alignment_mode="expand") or ()
    ):
        return 0
    return m.end()


def _common_word(word: str) -> bool:
    """As common as an everyday English word (entities.COMMON_WORD_ZIPF): written once, in
    passing, it tells nothing of the story ("limits", "showing"); a rarer word written once
    may ("tsunami", "blizzard")."""
    z = zipf(word)
    return z is not None and z >= COMMON_WORD_ZIPF


@lru_cache(maxsize=50_000)
def _rarity(word: str) -> float:
    """How unusual a word is in general English: 0.8 for "said", 1.7 for "tsunami"."""
    z = zipf(word)
    if z is None:
        return 1.0
    z = z or RARITY_UNKNOWN
    return min(RARITY_MAX, max(RARITY_MIN, (RARITY_TOP - z) / RARITY_SCALE))


# Multi-word candidates are scaled down against single words: crowd annotators of news mostly
# pick single words (73 % of the gold phrases of 500N-KPCrowd's half 0), and there the
# precision of a multi-word phrase in the top 5 was 0.26 (entity names 0.41) against 0.59-0.64
# for single words. Chosen on half 0 (F1@5 0.116 -> 0.127), reported on half 1
# (bench/hashtags.py). Hashtags still take names whole (select_hashtags).
MULTI_WORD_PHRASE = 0.4
MULTI_WORD_NAME = 0.6


# Participles are candidates at this weight against nouns (crowd annotators pick "haunted",
# "accused", "freezing"); a single word that never occurs outside a noun compound (as its
# modifier or as a head with a compound modifier) has its weight scaled by NESTED_ONLY; after
# ranking, a candidate whose words contain or are contained in a better one's has its place
# (not its score) scaled by OVERLAP, names excepted. Chosen on half 0 of 500N-KPCrowd together with the
# hyphenated compounds (F1@5 0.127 -> 0.131, F1@10 0.186 -> 0.197), reported on half 1
# (0.117 -> 0.121, 0.176 -> 0.184; bench/hashtags.py). A name is no nested term: a word that is
# also an entity keeps its full weight.
PARTICIPLES = {"VBN": 0.8, "VBG": 0.8}
NESTED_ONLY = 0.6
OVERLAP = 0.3


@dataclass
class Keyphrase:
    text: str
    score: float
    is_entity: bool = False
    kind: str = "topic"
    n_words: int = 1
    noun: bool = True  # False for a participle ("haunted"): ranked, never a hashtag
    whole: str | None = None  # the noun compound a one-word topic is mostly written in
    passing: bool = False  # a common word written once, not in the headline


def _form(t: Token | _Compound) -> str:
    """A word as a keyphrase writes it: a name or an acronym as written ("WWDC", "iOS", which
    the tagger may call common nouns), any other word in lower case."""
    text = t.text
    if t.tag_.startswith("NNP") or (len(text) > 1 and any(ch.isupper() for ch in text[1:])):
        return text
    return t.lower_


@dataclass
class _Compound:
    """A hyphenated compound read as one word ("X-Men", "hands-free"), tagged by its last
    part; `head` is that last token (its index and dependencies stand for the compound)."""

    text: str
    tag_: str
    head: Token
    is_stop: bool = False
    is_alpha: bool = False

    @property
    def lower_(self) -> str:
        return self.text.lower()


def _words(sent: Span) -> Sequence[Token | _Compound]:
    """The sentence's tokens, with each hyphenated compound ("Lace-Making") as one word."""
    toks = list(sent)
    if "-" not in sent.text:
        return toks
    out: list[Token | _Compound] = []
    i = 0
    while i < len(toks):
        j = i
        while (
            j + 2 < len(toks)
            and toks[j + 1].text == "-"
            and not toks[j].whitespace_
            and not toks[j + 1].whitespace_
            and toks[j].is_alpha
            and toks[j + 2].is_alpha
        ):
            j += 2
        if j == i:
            out.append(toks[i])
        else:
            parts = toks[i : j + 1]
            head = parts[-1]
            tag = head.tag_ if head.tag_ in NOUN_TAGS else "JJ"  # "long-awaited" is an adjective
            if tag in NOUN_TAGS and any(p.tag_.startswith("NNP") for p in parts):
                tag = "NNP"
            out.append(_Compound("".join(p.text for p in parts), tag, head))
        i = j + 1
    return out


def _plain(t: Token | _Compound) -> bool:
    return (
        not t.is_stop
        and (t.is_alpha or "-" in t.text)
        and len(t.text) > 1
        and t.lower_ not in _GENERIC
    )


def _content(t: Token | _Compound) -> bool:
    return t.tag_ in PHRASE_TAGS and _plain(t)


def rank_keyphrases(
    doc: Doc,
    title_end: int = 0,
    ents: EntityResult | None = None,
    top: int = 20,
    dateline: tuple[int, int] = (0, 0),
) -> list[Keyphrase]:
    """Keyphrases of a parsed article, best first (title = text before `title_end`; no
    keyphrase from the `dateline` char span)."""
    sents = list(doc.sents)
    word_w: dict[str, float] = defaultdict(float)
    word_form: dict[str, str] = {}
    word_count: dict[str, int] = defaultdict(int)
    phrase_count: dict[str, int] = defaultdict(int)
    phrase_form: dict[str, str] = {}
    phrase_first: dict[str, int] = {}
    # words that only occur inside multi-word names ("Katy" of "Katy Perry") are no keyphrases
    in_name: set[int] = set()
    named: set[int] = set()  # every name's tokens, one word or more
    if ents is not None:
        for m in ents.mentions:
            named.update(range(m.token_start, m.token_end))
            if m.token_end - m.token_start > 1:
                in_name.update(range(m.token_start, m.token_end))
    in_name.update(_quoted_terms(doc, title_end))  # nor "horse" of "Tory 'stalking horse' …"
    outside_names: set[str] = set()
    # a noun compound's modifiers ("prostate" of "prostate cancer") and heads ("cancer")
    nested: set[int] = set()
    for t in doc:
        if t.dep_ == "compound":
            nested.update((t.i, t.head.i))
    free: set[str] = set()  # words seen at least once outside a noun compound
    headline: set[str] = set()  # words of the headline
    participles: set[str] = set()
    label = _label_length(doc, title_end)  # "Opinion: …": the outlet's label, no keyphrase
    for si, sent in enumerate(sents):
        in_title = sent.start_char < title_end
        pos_w = 3.0 if in_title else 1.0 + 1.0 / math.sqrt(1 + si)
        run: list[Token] = []
        kept: list[Token | None] = [
            x for x in sent if not (dateline[0] <= x.idx < dateline[1] or x.idx < label)
        ]
        for k in [*kept, None]:  # the dateline ("DOHA:") ends no phrase and starts none
            if k is not None and k.tag_ in PHRASE_TAGS and not k.is_space and not k.is_punct:
                run.append(k)
                continue
            if k is not None and k.tag_ == "HYPH":
                continue
            _phrases(run, si, phrase_count, phrase_form, phrase_first)
            run = []
        for w in _words(sent):
            tok = w.head if isinstance(w, _Compound) else w
            if dateline[0] <= tok.idx < dateline[1] or tok.idx < label:
                continue
            tag_w = 1.0 if w.tag_ in NOUN_TAGS else PARTICIPLES.get(w.tag_, 0.0)
            if not tag_w or not _plain(w):
                continue
            key = fold_plural(w.text)
            word_w[key] += pos_w * tag_w
            word_count[key] += 1
            if in_title:
                headline.add(key)
            if key not in word_form:
                word_form[key] = _form(w)
                if tag_w != 1.0:
                    participles.add(key)
            if tok.i not in in_name:
                outside_names.add(key)
            if tok.i not in nested:
                free.add(key)
    wholes = _compounds(doc, named)
    cands: dict[str, Keyphrase] = {}
    for key, weight in word_w.items():
        if key in outside_names:
            score = weight * _rarity(key) * (1.0 if key in free else NESTED_ONLY)
            cands[key] = Keyphrase(
                word_form[key],
                score,
                n_words=1,
                noun=key not in participles,
                passing=word_count[key] == 1
                and key not in headline
                and _common_word(word_form[key].lower()),
            )
            # a head mostly in one compound ("centre" of "call centre"), a modifier always
            # ("maternity" of "maternity pay"; not "trial" of "trial date" and a trial)
            whole = wholes.get(key)
            if whole is not None and whole[1] * (2 if whole[2] else 1) >= word_count[key]:
                cands[key].whole = whole[0]
    for key, count in phrase_count.items():
        parts = key.split(" ")
        if len(parts) < 2:
            continue
        ws = [word_w.get(p, 0.0) for p in parts]
        if min(ws) == 0.0 and count < 2:
            continue
        first = phrase_first[key]
        prior = 1.0 + 1.0 / math.sqrt(1 + first)
        score = count * prior + 0.5 * sum(ws) / len(ws)
        if count < 2:
            score *= 0.6
        score *= MULTI_WORD_PHRASE
        cands[key] = Keyphrase(phrase_form[key], score, n_words=len(parts))
    if ents is not None:
        for c in ents.clusters:
            if c.type == "other" and all(m.label == "NORP" for m in c.mentions):
                continue
            name = c.short or c.name
            key = " ".join(fold_plural(w) for w in name.split())
            bonus = 1.5 if c.in_title else 1.0
            if len(name.split()) > 1:
                bonus *= MULTI_WORD_NAME
            score = bonus * (
                len(c.mentions) * (1.0 + 1.0 / math.sqrt(1 + _sent_of(sents, c.first_pos)))
            )
            prev = cands.get(key)
            if prev is not None and key in word_w and key not in free:
                free.add(key)  # a name is no nested term ("Schuester" of "Will Schuester")
                prev.score /= NESTED_ONLY
            if prev is None or prev.score < score:
                cands[key] = Keyphrase(name, score, True, c.type, len(name.split()))
            else:
                prev.is_entity, prev.kind, prev.text, prev.noun = True, c.type, name, True
    ranked = sorted(cands.values(), key=lambda k: (-k.score, k.text))
    return _spread(ranked[: 2 * top])[:top]


_MODIFIERS = frozenset({"compound", "amod", "nmod"})
QUOTED_TERM_WORDS = (2, 4)  # a term set in quotation marks: "stalking horse", "axis of evil"


def _quoted_terms(doc: Doc, title_end: int) -> set[int]:
    """The tokens of the short expressions the headline sets in quotation marks (two to four
    words between an opening and a closing mark), there and in the body: one such expression
    ("Tory 'stalking horse' Meyer dies"), not a word of it apart. A partial quote of the body
    alone ('Poland said a "Russian-made missile" landed') leaves its words as they are."""
    spans: list[tuple[int, int]] = []
    for t in doc:
        if t.tag_ != "``":
            continue
        lo, hi = QUOTED_TERM_WORDS
        for j in range(t.i + 1 + lo, min(t.i + 2 + hi, len(doc))):
            if doc[j].tag_ == "''":
                if all(w.is_alpha or w.tag_ == "HYPH" for w in doc[t.i + 1 : j]):
                    spans.append((t.i + 1, j))
                break
            if not (doc[j].is_alpha or doc[j].tag_ == "HYPH"):
                break
    terms = {doc[a:b].text.lower() for a, b in spans if doc[a].idx < title_end}
    return {i for a, b in spans if doc[a:b].text.lower() in terms for i in range(a, b)}


def _modifier(t: Token) -> bool:
    """A noun fit to open a two-word tag: a common noun as ``_plain``, but spaCy's stop words
    may ("call" of "call centre", "part" excepted as generic); or an abbreviation that names
    nobody ("ID cards", "GM crops")."""
    if not (t.is_alpha and len(t.text) > 1 and t.lower_ not in _GENERIC):
        return False
    if t.tag_ in ("NNP", "NNPS") and t.text.islower():
        return True  # a lowercase word the tagger took for a name ("US box office")
    return t.tag_ in ("NN", "NNS") or (t.tag_ == "NNP" and t.text.isupper() and len(t.text) <= 4)


def _common(t: Token) -> bool:
    """A common noun that is no name nor a time: "box" of "box office chart", not "US" nor
    "weekend" of "the weekend box office" (nor a lowercase word tagged a name: "total")."""
    return t.text.islower() and t.tag_ in ("NN", "NNS") and t.ent_type_ not in ("DATE", "TIME")


def _capitalised(t: Token) -> bool:
    """A capitalised noun, not all capitals; at the start of a sentence only a proper one."""
    if t.tag_ not in NOUN_TAGS or not t.is_alpha or not t.text[:1].isupper() or t.is_upper:
        return False
    return t.tag_ in ("NNP", "NNPS") or not t.is_sent_start


def _proper_pair(doc: Doc, mod: Token, t: Token) -> bool:
    """Two capitalised words written together, the second ending their run ("Wall Street
    bonuses"): a name the NER left out, or a series' title ("CNN's Fast Facts")."""
    if not (_capitalised(mod) and _capitalised(t) and _plain(mod) and _plain(t)):
        return False
    if mod.lower_ == t.lower_:
        return False  # "Spend Spend Spend", a title
    return t.i + 1 >= len(doc) or not _capitalised(doc[t.i + 1])


def _noun_compound(mod: Token, t: Token) -> bool:
    """A two-noun compound "mod t" ("call centre"), not the last two of a longer one."""
    if t.tag_ not in ("NN", "NNS") or not _plain(t):
        return False
    if mod.dep_ != "compound" or mod.head.i != t.i or not _modifier(mod):
        return False
    # "box office chart", "human rights activist": no tag of their last two ("US box office",
    # "the weekend box office" are the box office's)
    return not (
        any(x.dep_ in _MODIFIERS for x in mod.lefts)
        or any(x.dep_ == "compound" and x.i < mod.i and _common(x) for x in t.lefts)
    )


def _compounds(doc: Doc, named: set[int]) -> dict[str, tuple[str, int, bool]]:
    """For each noun, the two-noun compound it is most often written in (as its head or its
    modifier), as written, how often, and whether the noun is its head: "centre" -> ("call
    centre", 14, True), "maternity" -> ("maternity pay", 3, False). Only a compound written
    at least twice. Two capitalised words no name covers count too, the last two of their
    run: "Wall" -> ("Wall Street", 2, False), "Fast" of "Opioid Crisis Fast Facts"."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    forms: dict[str, str] = {}
    for t in doc:
        if t.i == 0 or t.i in named or t.i - 1 in named:
            continue
        mod = doc[t.i - 1]
        if _proper_pair(doc, mod, t):
            form = f"{mod.text} {t.text}"
        elif _noun_compound(mod, t):
            form = f"{_form(mod)} {_form(t)}"
        else:
            continue
        key = f"{fold_plural(mod.text)} {fold_plural(t.text)}"
        counts[fold_plural(t.text)][key] += 1
        counts[fold_plural(mod.text)][key] += 1  # "maternity" of "maternity pay" too
        forms.setdefault(key, form)
    out: dict[str, tuple[str, int, bool]] = {}
    for word, phrases in counts.items():
        key, n = max(phrases.items(), key=lambda kv: (kv[1], kv[0]))
        if n >= 2:
            out[word] = (forms[key], n, key.rsplit(" ", 1)[1] == word)
    return out


def _spread(ranked: list[Keyphrase]) -> list[Keyphrase]:
    """Greedy re-ordering: each pick scales down (OVERLAP) the rank of the rest whose words
    contain or are contained in its words ("Penelope" after "Penelope Cruz"). Names are not
    moved down, and the scores stay as they were: hashtags take a name whole on its own score."""
    pool = list(ranked)
    rank = [k.score for k in pool]
    words = [{fold_plural(w) for w in k.text.split()} for k in pool]
    out: list[Keyphrase] = []
    while pool:
        best = max(range(len(pool)), key=rank.__getitem__)
        out.append(pool.pop(best))
        rank.pop(best)
        picked = words.pop(best)
        for i, other in enumerate(words):
            if not pool[i].is_entity and (other <= picked or picked <= other):
                rank[i] *= OVERLAP
    return out


def _sent_of(sents: list, pos: int) -> int:
    for i, s in enumerate(sents):
        if s.end_char > pos:
            return i
    return len(sents)


def _phrases(
    run: list[Token],
    si: int,
    count: dict[str, int],
    form: dict[str, str],
    first: dict[str, int],
) -> None:
    # trim to a noun-final phrase without stop words at the edges
    while run and not _content(run[0]):
        run = run[1:]
    while run and not (run[-1].tag_ in NOUN_TAGS and _content(run[-1])):
        run = run[:-1]
    if len(run) < 2:
        return
    n = len(run)
    for a in range(n):
        if not _content(run[a]):
            continue
        for b in range(a + 2, min(n, a + 4) + 1):
            last = run[b - 1]
            if last.tag_ not in NOUN_TAGS or not _content(last):
                continue
            toks = run[a:b]
            key = " ".join(fold_plural(t.text) for t in toks)
            count[key] += 1
            if key not in form:
                form[key] = " ".join(_form(t) for t in toks)
                first[key] = si


def select_hashtags(
    ranked: list[Keyphrase],
    ents: EntityResult | None,
    outlet: str | None = None,
    minimum: int = 3,
    maximum: int = 8,
    lead: tuple[int, int] = (0, 0),
    speakers: Sequence[str] = (),
    headline: str = "",
) -> list[Hashtag]:
    """3-8 hashtags: the headline's actors, then the lead's (the `lead` char span: the
    body's first sentence), then the people quoted (`speakers`: the entity name of each
    quote's speaker, in text order; the most quoted first), then the article's main entities
    and its topics. An everyday word written once in passing is a topic only when it is about
    the `headline` (``_about``)."""
    out: list[Hashtag] = []
    about: set[str] | None = None  # the passing words near the headline, embedded once needed

    def off_topic(k: Keyphrase) -> bool:
        nonlocal about
        if not k.passing:
            return False
        if about is None:
            passing = [p.text for p in ranked if p.passing and p.noun and not p.is_entity]
            about = _about(headline, passing) if headline else set()
        return k.text not in about

    seen: set[str] = set()
    outlet_slug = hashtag_slug(outlet).lower() if outlet else None
    # The outlet's own brand, when it is an acronym: "BBC" and "BBC Sport" on BBC News ("he
    # told BBC Sport"), "CNN" on CNN; not "Qatar" on the Qatar Tribune.
    brand = next(iter((outlet or "").split()), "")
    brand = brand.lower() if len(brand) >= 2 and brand.isupper() and brand.isalpha() else ""
    quota = {"person": 3, "organization": 3, "place": 2, "other": 1, "topic": 3}
    used: dict[str, int] = defaultdict(int)
    entity_words: set[str] = set()
    if ents is not None:
        for c in ents.clusters:
            for alias in (c.name, *c.aliases()):
                entity_words.update(fold_plural(w) for w in clean_name(alias, None).split())

    def add(
        label: str, kind: str, score: float, short: str | None = None, headline: bool = False
    ) -> bool:
        short = short or SHORT_FORMS.get(label)
        tag = hashtag_slug(short or label)
        low = tag.lower()
        if not tag or low in seen or (outlet_slug and low == outlet_slug) or len(tag) > 40:
            return False
        if brand and kind == "organization" and low.startswith(brand) and not headline:
            return False  # unless the headline names it: "BBC to cut 2,900 jobs"
        if tag.isdigit() or _ROMAN.fullmatch(tag):
            return False  # "#2004", "#VIII" of "Part VIII"
        stems = {fold_plural(w) for w in re.findall(r"\w+", label)}
        if any(stems <= other or other <= stems for other in chosen_stems):
            return False  # "Motorsport Endeavour" after "Motorsport Endeavour Club"
        chosen_stems.append(stems)
        seen.add(low)
        out.append(Hashtag(tag=tag, label=label, kind=kind, score=round(score, 3)))
        used[kind] += 1
        return True

    top_score = ranked[0].score if ranked else 1.0
    topic_stems: list[set[str]] = []
    topic_groups: set[frozenset[str]] = set()  # nlp.paraphrase groups of the one-word topics
    chosen_stems: list[set[str]] = []
    # The headline's actors first, in headline order ("Turkiye and Israel hold talks…":
    # #Turkey beside #Israel), whatever the quota of their kind; a title alone ("Amir") is none.
    # Their score ranks them first, in that order, wherever the tags are listed by score.
    if ents is not None:
        heads = [c for c in ents.clusters if c.title_pos >= 0 and c.type in ENTITY_TYPES]
        heads = [c for c in heads if not _vague(c.name)]
        for i, c in enumerate(sorted(heads, key=lambda c: c.title_pos)):
            if len(out) < maximum:
                score = top_score * (1.0 + 0.01 * (len(heads) - i))
                add(c.name, c.type, score, c.short, headline=True)
        # Then the lead's people and organisations, in its order ("... according to Rafael
        # Grossi, chief of the United Nations nuclear watchdog"), within their kinds' quotas.
        in_head = {id(c) for c in heads}
        leads = [
            c
            for c in ents.clusters
            if c.type in ("person", "organization")
            and id(c) not in in_head
            and any(lead[0] <= m.start < lead[1] for m in c.mentions)
            and not _vague(c.name)
        ]
        leads.sort(key=lambda c: c.first_pos)
        for i, c in enumerate(leads):
            if len(out) < maximum and used[c.type] < quota[c.type]:
                add(c.name, c.type, top_score * (1.0 - 0.001 * (i + 1)), c.short)
        # Then the people the article quotes ("…, Turkish Foreign Minister Hakan Fidan
        # confirmed"): the actors a reader looks for, however seldom they are named.
        said = Counter(speakers)
        taken = in_head | {id(c) for c in leads}
        people = [
            c
            for c in ents.clusters
            if c.type == "person" and said[c.name] and id(c) not in taken and not _vague(c.name)
        ]
        people.sort(key=lambda c: (-said[c.name], c.first_pos))
        for i, c in enumerate(people[:SPEAKERS]):
            if len(out) < maximum and used["person"] < quota["person"]:
                add(c.name, "person", top_score * (0.99 - 0.001 * i), c.short)
    for k in ranked:
        if len(out) >= maximum:
            break
        kind = k.kind if k.is_entity else "topic"
        if used[kind] >= quota.get(kind, 2):
            continue
        if k.is_entity:
            if k.score < 0.15 * top_score and len(out) >= minimum:
                continue
            if _vague(k.text):
                continue  # a title on its own ("Amir") names nobody
            label, short = k.text, None
            if ents is not None:
                match = next((c for c in ents.clusters if (c.short or c.name) == k.text), None)
                if match is not None:
                    label, short = match.name, match.short
            add(label, "topic" if kind == "other" else kind, k.score, short)
        elif k.noun:
            stems = {fold_plural(w) for w in k.text.split()}
            if stems & entity_words or _vague(k.text) or off_topic(k):
                continue  # a common word written once in passing (#Showing, #Limits)
            if any(stems <= other or other <= stems for other in topic_stems):
                continue  # "quarter profits" after "fourth quarter profits"
            words = k.text.split()
            group = variants(words[0]) if len(words) == 1 else frozenset()
            if len(group) > 1 and group in topic_groups:
                continue  # #Tremor or #Quake after #Earthquake: one word of news for it
            topic_groups.add(group)
            topic_stems.append(stems)
            if k.score < 0.3 * top_score and len(out) >= minimum:
                continue
            if k.whole is not None:
                whole = {fold_plural(w) for w in k.whole.split()}
                if any(whole & other for other in chosen_stems):
                    continue  # "job gains" after "jobs growth"
            add(k.whole or k.text, "topic", k.score)  # #CallCentre, not #Centre
    if len(out) < minimum:
        for k in ranked:
            if len(out) >= minimum:
                break
            if not k.noun or _vague(k.text) or off_topic(k):
                continue
            if not k.is_entity and {fold_plural(w) for w in k.text.split()} & entity_words:
                continue  # "Read CNN" of "Read CNN's Fast Facts about Nepal"
            add(k.text, k.kind if k.is_entity else "topic", k.score)
    return out
