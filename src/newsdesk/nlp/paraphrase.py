"""Words news uses for the same thing, so that a question need not use the article's words.

    stem("captured") -> "captur"
    variants("seize") -> {"seiz", "captur", "hijack"}      # stems

A question asking how many pirates were "seized" is answered by an article saying they were
"captured". Groups are kept as data and compared on Snowball (Porter 2) stems; a word belongs
to at most one group. Each group holds words a reporter would use interchangeably for one event.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import snowballstemmer

GROUPS = [
    "rise rose risen increase climb jump soar surge gain grow grew higher",
    "fall fell fallen drop decline slump plunge tumble sink sank slide slid lower decrease",
    "kill die died dead death fatal fatality toll perish slain",
    "injure injury wound hurt",
    "arrest detain custody apprehend",
    "charge accuse indict prosecute",
    "fire sack dismiss oust",
    "resign quit",
    "appoint nominate pick choose chose chosen select",
    "capture seize hijack",
    "win won beat defeat victory",
    "quake earthquake tremor",
    "ship vessel boat",
    "share stock",
    "steal stole stolen rob robbery heist theft haul loot",
    "host present emcee",
    "replace succeed successor",
    "cut sever severed damage",
    "say said tell told announce call describe",
    "rehab rehabilitation clinic center centre facility",
    "attack assault bomb bombing firebomb",
    "begin began start launch",
    "speak spoke spoken talk discuss",
    "plan intend intention",
    "cost price",
    "sell sold sale",
    "expect estimate forecast predict",
    "buy bought purchase pay paid",
    "chair chairman chairwoman chairperson",
    "release issue",
]

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer.stemWord(word.lower()))


@lru_cache(maxsize=1)
def _table() -> dict[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in GROUPS:
        stems = frozenset(stem(w) for w in line.split())
        for s in stems:
            table[s] = stems
    return table


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    """Irregular verb forms and their base ("spent": "spend", "left": "leave"): the exceptions
    table of the lemmatizer the spaCy model package ships (WordNet's); empty without it."""
    from newsdesk.nlp.model import MODEL_PACKAGE

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:  # pragma: no cover - depends on the install
        return {}
    found = next(Path(spec.origin).parent.glob("*/lemmatizer/lookups"), None)
    if found is None:  # pragma: no cover
        return {}
    from spacy.lookups import Lookups

    table = Lookups().from_disk(found).get_table("lemma_exc").get("verb", {})
    return {form: bases[0] for form, bases in table.items() if bases and bases[0] != form}


def base(word: str) -> str:
    """The base form of an irregular verb form ("spent" -> "spend"); other words unchanged."""
    w = word.lower()
    return _irregular().get(w, w)


def variants(word: str) -> frozenset[str]:
    """The stems that count as this word: its own, and its group's."""
    s = stem(word)
    return _table().get(s, frozenset((s,)))
