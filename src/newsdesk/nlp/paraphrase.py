"""Words news uses for the same thing, so that a question need not use the article's words.

    stem("captured") -> "captur"
    variants("seize") -> {"seiz", "captur", "hijack"}      # stems

A question asking how many pirates were "seized" is answered by an article saying they were
"captured". Groups are kept as data and compared on Snowball (Porter 2) stems; a word belongs
to at most one group. Each group holds words a reporter would use interchangeably for one event.
"""

from __future__ import annotations

from functools import lru_cache

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


def variants(word: str) -> frozenset[str]:
    """The stems that count as this word: its own, and its group's."""
    s = stem(word)
    return _table().get(s, frozenset((s,)))
