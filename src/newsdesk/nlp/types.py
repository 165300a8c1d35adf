"""What text analysis produces for one article: the contract between nlp/ and the store."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EntityMention:
    text: str  # canonical name, e.g. "Benjamin Netanyahu"
    type: str  # "person" | "organization" | "place" | "other"
    aliases: list[str] = field(default_factory=list)  # surface forms seen in this article
    count: int = 1


@dataclass
class Hashtag:
    tag: str  # display form without '#', e.g. "HosseinSalami", "IAEA", "Syria"
    label: str  # human label, e.g. "Hossein Salami"
    kind: str  # "person" | "organization" | "place" | "topic"
    score: float = 0.0


@dataclass
class Quote:
    quote: str
    speaker: str | None  # as written: "Benjamin Netanyahu", "one of the Turkish sources"
    cue: str | None  # the speech verb / cue: "said", "according to"
    kind: str = "direct"  # "direct" | "reported"
    speaker_entity: str | None = None  # canonical entity name when the speaker is a known entity
    outlet: str | None = None  # a carried source: "an Israeli source quoted by Reuters" -> Reuters


@dataclass
class Description:
    """A descriptive phrase the coverage uses for an entity (apposition): 'X, the commander of …'."""

    entity: str
    phrase: str


@dataclass
class Figure:
    """A figure claim: '"more than 500 air attacks on targets in Syria", says the Observatory'."""

    text: str  # as written, with its qualifier: "more than 500"
    value: float
    low: float | None  # a lower bound ("more than", "at least", a range)
    high: float | None  # an upper bound ("up to", "nearly", a range)
    unit: str | None  # "percent", "km", "dollars", "magnitude"; None for a plain count
    what: str | None  # what is counted: "air attacks on targets in Syria", "people killed"
    key: str | None  # what is counted, for matching across outlets: "people:killed"
    when: str | None  # the date or time span of the sentence: "from December 8 to December 31"
    source: str | None  # who vouches: "the Syrian Observatory for Human Rights"
    sentence: str


@dataclass
class Analysis:
    summary: list[str] = field(default_factory=list)  # 3 extractive sentences
    key_points: list[str] = field(default_factory=list)  # 3-5
    hashtags: list[Hashtag] = field(default_factory=list)  # 3-8
    entities: list[EntityMention] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    descriptions: list[Description] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    language: str | None = None
    # The article page's summary box (nlp.summary_box): [] none (a short article); None when
    # this analysis did not make one (the page makes it on first view).
    box: list[str] | None = None
    # Whether the headline reports (has a finite verb: "Biden says …", not "Russia's war in
    # Ukraine"); None when it was not parsed (no headline, a language the model does not read).
    headline_verb: bool | None = None
