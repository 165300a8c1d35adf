"""The read model of stories, tags and entities: the one place that decides what the HTML pages,
the JSON API and the Atom feeds show of them (newsdesk.store.models_ai, filled by
newsdesk.enrich), so that the three cannot disagree.

- Top stories: stories with at least one article, highest score first (outlets, size,
  velocity, recency), then most recently seen, then newest id.
- A story is shown while it has articles; its coverage is grouped by outlet, copies folded into
  their originals.
- A story is developing when its articles fall on two or more calendar days (UTC) and span 24
  hours or more, copies counted on their original's day (`developing_days`); its page then has
  a day-by-day timeline.
- A tag is found by its slug ('#' and spaces ignored): the exact slug first, else
  case-insensitively (the oldest such tag); it is shown while it has articles. A hashtag is a
  tag some article uses as a hashtag; an entity is a tag of kind person, organization or place.
- The articles of a story, of a tag and of a user's follows: conditions on Article that the
  listings of newsdesk.web.reading (pages, API, Atom, Google Reader) filter by.
- Follow keys are tags' slugs lower-cased (`tag_key`): "#Brexit" -> "brexit", "Bank of
  England" -> "bankofengland".

STORY_PAGE and TAG_PAGE are where the site shows a story / a tag; pages, API and Atom all link
there. Every function only reads, inside the caller's Session; plain dataclasses out, so
templates and API schemas need no SQLAlchemy.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    cast,
    distinct,
    exists,
    func,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased, defer

from newsdesk.nlp.figures import Claim, ClaimGroup, comparable, group_claims
from newsdesk.nlp.gazetteer import CountryPlace, where_country
from newsdesk.nlp.keyphrases import hashtag_slug
from newsdesk.nlp.lexicon.entities import THE_NAME_HEADS
from newsdesk.nlp.text import fold_plural
from newsdesk.store.models import MAX_ID, Article
from newsdesk.store.models_ai import (
    ArticleTag,
    DescriptionRow,
    Enrichment,
    FigureRow,
    QuoteRow,
    Story,
    Tag,
)
from newsdesk.store.models_readers import Follow

if TYPE_CHECKING:
    import numpy as np

ENTITY_KINDS = ("person", "organization", "place")
TagKind = Literal["hashtag", "entity"]  # how the API and Atom address tags
# Where the site shows a story / a tag.
STORY_PAGE = "/stories/{id}"
TAG_PAGE = "/tags/{slug}"
MAX_SLUG = 255
TRENDING_HOURS = 48
TRENDING_MIN = 3  # fewer tags than this in the window: show the all-time ranking instead
KIND_LABELS = {
    "person": "Person",
    "organization": "Organisation",
    "place": "Place",
    "topic": "Topic",
}
QUESTION_WORDS = {"person": "Who is", "organization": "What is", "place": "Where is"}
# The tag page looks at this many of a tag's newest articles for co-occurring names.
COOCCUR_SAMPLE = 500
HOME_STORIES = 6
# A story whose articles fall on this many calendar days (UTC) or more is developing, when
# they also span DEVELOPING_SPAN: reports a few hours apart on either side of midnight are one
# day's news, not a story developing over two.
DEVELOPING_DAYS = 2
DEVELOPING_SPAN = timedelta(hours=24)
# Articles of one day within this cosine of the most central one count as central too (the
# earliest of them is the day's headline): float16 vectors are not more precise than that.
CENTRAL_TIE = 1e-3


def story_url(story_id: int) -> str:
    return STORY_PAGE.format(id=story_id)


def tag_url(slug: str) -> str:
    return TAG_PAGE.format(slug=quote(slug, safe=""))


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


# --- one article's AI data -------------------------------------------------------------------


@dataclass
class TagRef:
    slug: str  # "HosseinSalami": link /tags/{slug}
    label: str  # "Hossein Salami"
    kind: str  # person | organization | place | topic
    score: float = 0.0


@dataclass
class QuoteRef:
    quote: str
    speaker: str | None
    speaker_slug: str | None  # the speaker's tag, when the speaker is a known entity
    cue: str | None
    kind: str  # direct | reported
    outlet: str | None  # a carried source ("... quoted by Reuters")
    speaker_label: str | None = None  # the speaker's tag's name, in full ("Rafael Grossi")


@dataclass
class ArticleAI:
    article_id: int
    summary: list[str] = field(default_factory=list)
    key_points: list[str] = field(default_factory=list)
    hashtags: list[TagRef] = field(default_factory=list)
    entities: list[TagRef] = field(default_factory=list)
    quotes: list[QuoteRef] = field(default_factory=list)
    story_id: int | None = None
    duplicate_of: int | None = None  # this text is a copy of that article
    also_published_by: list[tuple[int, str, str]] = field(default_factory=list)  # (id, outlet, url)


# An article page reads these for every article it makes: built once (building a statement
# costs about as much CPU as running it), the article's number bound on each run.
# ENRICHMENT_ROW is what the page's parts read of the article's enrichment (its slots' key and
# summary box, article_ai, related's own vector and story): one statement for all of them, a
# row whose columns are read by name. `has_copies`: another article's text is a copy of this
# one (an indexed look-up; most articles have none, and their page reads no copies).
_COPY = aliased(Enrichment)
ENRICHMENT_ROW = (
    select(
        Enrichment.enriched_at,
        Enrichment.story_id,
        Enrichment.duplicate_of,
        Enrichment.summary,
        Enrichment.key_points,
        Enrichment.box_summary,
        Enrichment.embedding,
        Enrichment.seen_at,
        Enrichment.language,
        Article.outlet,
        exists()
        .where(_COPY.duplicate_of == Enrichment.article_id)
        .correlate(Enrichment)
        .label("has_copies"),
    )
    .join(Article, Article.id == Enrichment.article_id)
    .where(Enrichment.article_id == bindparam("article_id"))
)
_AI_TAGS = (
    select(Tag.slug, Tag.label, Tag.kind, ArticleTag.score, ArticleTag.is_hashtag)
    .join(ArticleTag, ArticleTag.tag_id == Tag.id)
    .where(ArticleTag.article_id == bindparam("article_id"))
    .order_by(ArticleTag.score.desc(), Tag.slug)
)
_AI_QUOTES = (
    select(
        QuoteRow.quote,
        QuoteRow.speaker,
        Tag.slug,
        QuoteRow.cue,
        QuoteRow.kind,
        QuoteRow.outlet,
        Tag.label,
    )
    .outerjoin(Tag, Tag.id == QuoteRow.speaker_tag_id)
    .where(QuoteRow.article_id == bindparam("article_id"))
    .order_by(QuoteRow.position)
)


EnrichmentRow = Row[*tuple[Any, ...]]  # ENRICHMENT_ROW's columns, read by name


def enrichment_row(session: Session, article_id: int) -> EnrichmentRow | None:
    """The article's ENRICHMENT_ROW; None if it is not enriched yet."""
    return session.execute(ENRICHMENT_ROW, {"article_id": article_id}).first()


def article_ai(
    session: Session, article_id: int, row: EnrichmentRow | None = None
) -> ArticleAI | None:
    """Everything the enrichment stored for one article; None if it is not enriched yet.
    `row`: its enrichment_row() when already read."""
    from newsdesk.stories.dedup import also_published_by  # numpy, datasketch: on first use

    key = {"article_id": article_id}
    if row is None:
        row = enrichment_row(session, article_id)
    if row is None:
        return None
    out = ArticleAI(
        article_id=article_id,
        summary=list(row.summary or []),
        key_points=list(row.key_points or []),
        story_id=row.story_id,
        duplicate_of=row.duplicate_of,
        also_published_by=also_published_by(
            session, article_id, root=row.duplicate_of or article_id
        )
        if row.duplicate_of is not None or row.has_copies
        else [],
    )
    for slug, label, kind, score, is_hashtag in session.execute(_AI_TAGS, key):
        ref = TagRef(slug, label, kind, float(score or 0.0))
        if is_hashtag:
            out.hashtags.append(ref)
        if kind in ENTITY_KINDS:
            out.entities.append(ref)
    out.quotes = [QuoteRef(*q) for q in session.execute(_AI_QUOTES, key)]
    return out


def enriched_article(session: Session, article_id: int) -> tuple[str, int | None] | None:
    """(title, story id) of an enriched article; None if there is none by that number."""
    if not 0 < article_id <= MAX_ID:
        return None
    row = session.execute(
        select(Article.title, Enrichment.story_id)
        .join(Enrichment, Enrichment.article_id == Article.id)
        .where(Article.id == article_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


_QUOTE_PAIRS = {"“": "”", "‘": "’", '"': '"', "'": "'", "`": "'", "«": "»"}


def clean_quote(text: str) -> str:
    """A quote as shown: spaces collapsed, stray quote marks (`` '' " “ ”) trimmed at the
    ends; a closing mark whose opening one is in the text stays ("a 'danger to Israel'")."""
    text = " ".join(text.split())
    while text and text[0] in _QUOTE_PAIRS:
        rest = text[1:]
        if _QUOTE_PAIRS[text[0]] in rest and not rest.endswith(_QUOTE_PAIRS[text[0]]):
            break  # "'red line' is what they said": the mark opens a quotation inside
        text = rest.lstrip()
    while text and text[-1] in "'\"”’»":
        body, close = text[:-1], text[-1]
        openers = {o for o, c in _QUOTE_PAIRS.items() if c == close}
        padded = f" {body} "
        opened = sum(  # marks opening a word ('danger), less those closing one (danger')
            1
            for i in range(1, len(padded) - 1)
            if padded[i] in openers and not padded[i - 1].isalnum()
        ) - sum(
            1
            for i in range(1, len(padded) - 1)
            if padded[i] == close and not padded[i + 1].isalnum()
        )
        if opened > 0:
            break
        text = body.rstrip()
    return text


def snippet_after_title(snippet: str, title: str) -> str:
    """Article texts often start with their headline: drop it from a snippet under it."""
    text = " ".join(snippet.split())
    head = " ".join(title.split())
    if head and text.startswith(head) and len(text) > len(head) + 20:
        return text[len(head) :].lstrip(" .:-—")
    return text


# --- tags ------------------------------------------------------------------------------------


@dataclass
class TagLink:
    slug: str  # "WladimirKlitschko"
    label: str  # "Wladimir Klitschko"
    kind: str  # person | organization | place | topic
    count: int = 0  # articles (in the context it was counted in)
    id: int = 0  # the tag's row (set by find_tag and list_tags)

    @property
    def url(self) -> str:
        return tag_url(self.slug)

    @property
    def key(self) -> str:
        """The key that follows of this tag have."""
        return self.slug.lower()

    @property
    def is_entity(self) -> bool:
        return self.kind in ENTITY_KINDS

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "Topic")

    @property
    def question(self) -> str:
        """The explainer heading: "Who is X?", "What is X?", "Where is X?" (topics: "#Slug")."""
        word = QUESTION_WORDS.get(self.kind)
        if not word:
            return f"#{self.slug}"
        the = self.kind != "person" and with_the(self.label)
        return f"{word} the {self.label}?" if the else f"{word} {self.label}?"


def with_the(name: str) -> bool:
    """Whether English writes the name with "the": "the United Nations", "the Islamic
    Revolutionary Guard Corps", "the Bank of England"; not "Deutsche Bank" (THE_NAME_HEADS)."""
    words = name.split()
    if len(words) < 2 or words[0].lower() == "the":
        return False
    return words[0] == "United" or "of" in words[1:-1] or words[-1].lower() in THE_NAME_HEADS


def _link(tag: Tag) -> TagLink:
    return TagLink(tag.slug, tag.label, tag.kind, tag.article_count or 0, tag.id)


def tag_key(text: str) -> str:
    """The follow key of a typed hashtag or name: its slug, lower-cased ("#Brexit" -> "brexit")."""
    return hashtag_slug(text).lower()[:MAX_SLUG]


def _kind_condition(kind: TagKind) -> ColumnElement[bool]:
    if kind == "hashtag":
        return exists().where(ArticleTag.tag_id == Tag.id, ArticleTag.is_hashtag.is_(True))
    return Tag.kind.in_(ENTITY_KINDS)


def find_tag(session: Session, slug: str, kind: TagKind | None = None) -> TagLink | None:
    """The shown tag of a slug ("#brexit" finds "Brexit"); None if there is none with articles.

    The exact slug wins, else the oldest tag whose slug matches case-insensitively. `kind`
    limits the search to hashtags or entities."""
    slug = slug.strip().lstrip("#")
    if not slug or len(slug) > MAX_SLUG:
        return None
    where = [_kind_condition(kind)] if kind is not None else []
    row = session.scalar(select(Tag).where(Tag.slug == slug, *where))
    if row is None:
        row = session.scalar(
            select(Tag)
            .where(func.lower(Tag.slug) == slug.lower(), *where)
            .order_by(Tag.id)
            .limit(1)
        )
    if row is None or not row.article_count:
        return None
    return _link(row)


def list_tags(session: Session, kind: TagKind, offset: int = 0, limit: int = 50) -> list[TagLink]:
    """Shown hashtags or entities, most articles first."""
    rows = session.scalars(
        select(Tag)
        .where(_kind_condition(kind), Tag.article_count > 0)
        .order_by(Tag.article_count.desc(), Tag.id)
        .offset(offset)
        .limit(limit)
    )
    return [_link(row) for row in rows]


def followed_tags(session: Session, keys: Sequence[str]) -> dict[str, TagLink]:
    """The tags of the follow keys the site has tags for (a key none has is left out)."""
    if not keys:
        return {}
    tags = session.scalars(select(Tag).where(func.lower(Tag.slug).in_(list(keys))))
    return {link.key: link for link in map(_link, tags)}


@dataclass
class Trending:
    tags: list[TagLink]
    recent: bool  # True: counted over the last TRENDING_HOURS; False: all-time


def trending_hashtags(
    session: Session, now: datetime | None = None, limit: int = 12, hours: int = TRENDING_HOURS
) -> Trending:
    """The hashtags most used in the last `hours`; the all-time ranking when the data is old."""
    now = now or datetime.now(UTC)
    n = func.count(ArticleTag.article_id)
    rows = session.execute(
        select(Tag.slug, Tag.label, Tag.kind, n)
        .join(ArticleTag, ArticleTag.tag_id == Tag.id)
        .where(
            # driven by the ix_enrichments_seen_at range, then article_tags by article id
            ArticleTag.article_id.in_(
                select(Enrichment.article_id).where(
                    Enrichment.seen_at >= now - timedelta(hours=hours)
                )
            ),
            ArticleTag.is_hashtag.is_(True),
        )
        .group_by(Tag.id, Tag.slug, Tag.label, Tag.kind)
        .order_by(n.desc(), Tag.slug)
        .limit(limit)
    ).all()
    if len(rows) >= TRENDING_MIN:
        return Trending([TagLink(s, label, k, c) for s, label, k, c in rows], True)
    rows = session.execute(
        select(Tag.slug, Tag.label, Tag.kind, Tag.article_count)
        .where(_kind_condition("hashtag"), Tag.article_count > 0)
        .order_by(Tag.article_count.desc(), Tag.slug)
        .limit(limit)
    ).all()
    return Trending([TagLink(s, label, k, c) for s, label, k, c in rows], False)


# --- stories ---------------------------------------------------------------------------------


@dataclass
class StoryCard:
    id: int
    title: str
    article_count: int
    outlet_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    summary: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)  # names, most articles first
    score: float = 0.0
    updated_at: datetime | None = None  # last re-counted
    days: int = 0  # calendar days of a developing story; 0: not developing (or not counted)

    @property
    def url(self) -> str:
        return story_url(self.id)


@dataclass
class CoverageItem:
    """One article of a story (or a page listing): headline, outlet, time."""

    article_id: int
    outlet: str
    title: str
    when: datetime | None
    snippet: str = ""
    copies: list[tuple[int, str]] = field(default_factory=list)  # (article id, outlet)
    image_url: str | None = None  # the article's picture, as its feed or page gave it


@dataclass
class OutletCoverage:
    outlet: str
    items: list[CoverageItem]


@dataclass
class TimelineDay:
    """One day of a developing story: its articles (copies folded), the headline first."""

    day: date  # UTC
    items: list[CoverageItem]  # the day's most central article first, then earliest first

    @property
    def headline(self) -> CoverageItem:
        return self.items[0]

    @property
    def label(self) -> str:
        """'Wed 11 Apr 2007'."""
        return f"{self.day:%a} {self.day.day} {self.day:%b %Y}"

    @property
    def article_count(self) -> int:
        return sum(1 + len(i.copies) for i in self.items)

    @property
    def outlets(self) -> list[str]:
        """The day's outlet names (copies' too), most articles first."""
        names = [i.outlet for i in self.items] + [o for i in self.items for _, o in i.copies]
        counts: OrderedDict[str, int] = OrderedDict()
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts, key=lambda n: -counts[n])  # stable: first seen first among equals
        return [n for n in ranked if n]

    @property
    def outlet_count(self) -> int:
        return max(1, len(self.outlets))


@dataclass
class SummaryLine:
    """A sentence of a story's summary and the outlets whose articles say it: (article id,
    outlet), earliest first."""

    text: str
    sources: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class StoryPage:
    story: StoryCard
    outlets: list[OutletCoverage]
    hashtags: list[TagLink]
    shown: int  # articles listed (copies folded into their originals)
    timeline: list[TimelineDay] = field(default_factory=list)  # newest day first; [] if one day
    figures: list[ClaimGroup] = field(default_factory=list)  # the same figure across outlets
    summary: list[SummaryLine] = field(default_factory=list)  # the story's summary, attributed

    @property
    def image_url(self) -> str | None:
        """The story's picture: the first of its articles (earliest outlet first) with one."""
        items = (item for group in self.outlets for item in group.items)
        return next((item.image_url for item in items if item.image_url), None)

    @property
    def outlet_total(self) -> int:
        """Outlets in the coverage, counting those that only carried a copy."""
        names = {g.outlet for g in self.outlets}
        names |= {o for g in self.outlets for i in g.items for _, o in i.copies}
        return len(names)


def _card(story: Story) -> StoryCard:
    summary = story.summary if isinstance(story.summary, list) else []
    return StoryCard(
        id=story.id,
        title=story.title or "",
        article_count=story.article_count or 0,
        outlet_count=story.outlet_count or 0,
        first_seen=_aware(story.first_seen),
        last_seen=_aware(story.last_seen),
        summary=[str(s) for s in summary if s],
        score=float(story.score or 0.0),
        updated_at=_aware(story.updated_at or story.last_seen or story.created_at),
    )


_OUTLET_COUNT = func.count(Article.id)
_OUTLETS = (
    select(Enrichment.story_id, Article.outlet, _OUTLET_COUNT)
    .join(Article, Article.id == Enrichment.article_id)
    .where(Enrichment.story_id.in_(bindparam("stories", expanding=True)), Article.outlet != "")
    .group_by(Enrichment.story_id, Article.outlet)
    .order_by(Enrichment.story_id, _OUTLET_COUNT.desc(), Article.outlet)
)


def _fill_outlets(session: Session, cards: list[StoryCard]) -> None:
    """Each card's outlet names, most articles first (one query for all cards)."""
    if not cards:
        return
    rows = session.execute(_OUTLETS, {"stories": [c.id for c in cards]}).all()
    names: dict[int, list[str]] = {}
    for story_id, outlet, _ in rows:
        if story_id is not None:
            names.setdefault(story_id, []).append(outlet)
    for card in cards:
        card.outlets = names.get(card.id, [])


# --- developing stories: the days a story's articles fall on --------------------------------


def developing_days(times: Iterable[datetime]) -> int:
    """How many days a story has been developing, from when its articles count (a copy on its
    original's time): the number of distinct UTC dates, or 0 when that is fewer than
    DEVELOPING_DAYS or the times span less than DEVELOPING_SPAN (a one-day story, however
    midnight falls in it, is not developing)."""
    utc = [_utc(t) for t in times]
    if not utc:
        return 0
    return _developing(len({t.date() for t in utc}), min(utc), max(utc))


def _developing(dates: int, first: datetime, last: datetime) -> int:
    return dates if dates >= DEVELOPING_DAYS and _utc(last) - _utc(first) >= DEVELOPING_SPAN else 0


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC) if t.tzinfo else t.replace(tzinfo=UTC)


def when_counted() -> ColumnElement[datetime]:
    """When an article counts (joined with Article): seen_at, else published or fetched."""
    return func.coalesce(Enrichment.seen_at, Article.published_at, Article.fetched_at)


def _utc_date(session: Session, when: ColumnElement[datetime]) -> ColumnElement[date]:
    """The UTC calendar date of a time: SQLite stores UTC as naive text (date() of it);
    PostgreSQL a timestamptz, taken to UTC before the cast (not the session's time zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", when), Date)
    return func.date(when, type_=Date)


def _folded_copy() -> ColumnElement[bool]:
    """A condition on Enrichment: a copy whose original is in the same story (the story page
    lists it under its original)."""
    original = aliased(Enrichment)
    return and_(
        Enrichment.duplicate_of.is_not(None),
        Enrichment.duplicate_of != Enrichment.article_id,
        exists().where(
            original.article_id == Enrichment.duplicate_of,
            original.story_id == Enrichment.story_id,
        ),
    )


_DAYS: dict[str, Select[int | None, int, datetime, datetime]] = {}  # per dialect: _utc_date


def _fill_days(session: Session, cards: list[StoryCard]) -> None:
    """Each card's developing days (one query for all cards that may have some: a story of
    fewer than DEVELOPING_DAYS articles has fewer dates): per story, its distinct UTC dates and
    its first and last times, as `developing_days` counts them."""
    for card in cards:
        card.days = 0
    cards = [c for c in cards if c.article_count >= DEVELOPING_DAYS]
    if not cards:
        return
    dialect = session.get_bind().dialect.name
    stmt = _DAYS.get(dialect)
    if stmt is None:  # built once per dialect (an aliased() per call cost more than running it)
        when = when_counted()
        stmt = _DAYS[dialect] = (
            select(
                Enrichment.story_id,
                func.count(distinct(_utc_date(session, when))),
                func.min(when),
                func.max(when),
            )
            .join(Article, Article.id == Enrichment.article_id)
            .where(Enrichment.story_id.in_(bindparam("stories", expanding=True)), ~_folded_copy())
            .group_by(Enrichment.story_id)
        )
    found = {
        story_id: _developing(dates, first, last)
        for story_id, dates, first, last in session.execute(
            stmt, {"stories": [c.id for c in cards]}
        )
        if story_id is not None and first is not None and last is not None
    }
    for card in cards:
        card.days = found.get(card.id, 0)


def _central(items: list[CoverageItem], vectors: dict[int, np.ndarray]) -> CoverageItem:
    """The item nearest (cosine) the mean of the items' vectors, the earliest among ties;
    the earliest item when none has a vector."""
    import numpy as np

    have = [i for i in items if i.article_id in vectors]
    if not have:
        return items[0]
    mat = np.vstack([vectors[i.article_id] for i in have])
    mean = mat.mean(axis=0)
    norms = np.linalg.norm(mat, axis=1) * np.linalg.norm(mean)
    scores = (mat @ mean) / np.where(norms > 0, norms, 1.0)
    best = float(scores.max())
    return next(i for i, s in zip(have, scores, strict=True) if s >= best - CENTRAL_TIE)


def _vectors(session: Session, article_ids: list[int]) -> dict[int, np.ndarray]:
    """The stored embeddings of these articles (those that have one)."""
    from newsdesk.nlp.embed import from_blob  # numpy: on first use

    rows = session.execute(
        select(Enrichment.article_id, Enrichment.embedding).where(
            Enrichment.article_id.in_(article_ids)
        )
    ).all()
    return {i: v for i, blob in rows if (v := from_blob(blob)) is not None}


def story_timeline(session: Session, items: list[CoverageItem]) -> list[TimelineDay]:
    """A story's listed articles (copies folded) day by day, newest day first, each day's
    most central article first; [] when they fall on one day (not developing)."""
    by_day: OrderedDict[date, list[CoverageItem]] = OrderedDict()
    for item in sorted(items, key=lambda i: i.when or datetime.max.replace(tzinfo=UTC)):
        if item.when is not None:
            by_day.setdefault(item.when.astimezone(UTC).date(), []).append(item)
    if not developing_days(i.when for i in items if i.when is not None):
        return []
    vectors = _vectors(session, [i.article_id for i in items])
    days = []
    for day, its in reversed(by_day.items()):
        lead = _central(its, vectors)
        days.append(TimelineDay(day, [lead, *[i for i in its if i is not lead]]))
    return days


def top_stories(
    session: Session,
    limit: int = 20,
    offset: int = 0,
    min_articles: int = 1,
    *,
    outlets: bool = True,
) -> list[StoryCard]:
    """Stories with `min_articles`+ articles by the score enrich stores (outlets, size,
    velocity, recency), then newest; those of two articles or more first, the home page's top
    stories (a newer single report ranked above the 16 articles on Yukos, and the home page's
    "All top stories" led to a page of podcast episodes). `outlets`: fill in each card's
    outlet names and developing days (what the HTML cards show)."""

    def ranked(where: Any, count: int, skip: int) -> list[Story]:
        return list(
            session.scalars(
                select(Story)
                .options(defer(Story.centroid))
                .where(where)
                .order_by(Story.score.desc(), Story.last_seen.desc(), Story.id.desc())
                .offset(skip)
                .limit(count)
            )
        )

    several = Story.article_count >= max(2, min_articles)
    rows = ranked(several, limit, offset)
    if len(rows) < limit and min_articles <= 1:  # then the single reports
        before = session.scalar(select(func.count()).select_from(Story).where(several)) or 0
        rows += ranked(Story.article_count == 1, limit - len(rows), max(0, offset - before))
    cards = [_card(s) for s in rows]
    if outlets:
        _fill_outlets(session, cards)
        _fill_days(session, cards)
    return cards


_STORY = select(Story).options(defer(Story.centroid)).where(Story.id == bindparam("story_id"))


def story_card(session: Session, story_id: int, outlets: bool = True) -> StoryCard | None:
    """A story by its number, articles or not (None: no such story). `outlets`: with its
    outlets' names (one more query; an article page's story box shows only their count)."""
    story = (
        session.scalars(_STORY, {"story_id": story_id}).first() if 0 < story_id <= MAX_ID else None
    )
    if story is None:
        return None
    card = _card(story)
    if outlets:
        _fill_outlets(session, [card])
    _fill_days(session, [card])
    return card


def shown_story(session: Session, story_id: int) -> StoryCard | None:
    """A story the site shows: one that has articles (None: no such story, or it is empty)."""
    card = story_card(session, story_id)
    if card is None:
        return None
    has_articles = session.scalar(
        select(Enrichment.article_id).where(Enrichment.story_id == story_id).limit(1)
    )
    return card if has_articles is not None else None


def story_hashtags(session: Session, story_id: int, limit: int = 12) -> list[TagLink]:
    """The hashtags of a story's articles, the most shared first."""
    n = func.count(ArticleTag.article_id)
    rows = session.execute(
        select(Tag.slug, Tag.label, Tag.kind, n)
        .join(ArticleTag, ArticleTag.tag_id == Tag.id)
        .join(Enrichment, Enrichment.article_id == ArticleTag.article_id)
        .where(Enrichment.story_id == story_id, ArticleTag.is_hashtag.is_(True))
        .group_by(Tag.id, Tag.slug, Tag.label, Tag.kind)
        .order_by(n.desc(), func.max(ArticleTag.score).desc(), Tag.slug)
        .limit(2 * limit)
    ).all()
    tags = [TagLink(slug, label, kind, count) for slug, label, kind, count in rows]
    return _without_variants(tags)[:limit]


def _without_variants(tags: list[TagLink]) -> list[TagLink]:
    """A story's tags without the variants of a tag before them (most shared first): a topic
    word inside a topic of more words (#Tests beside #DrugsTests, whichever comes first) and
    a person spelled one letter apart (#CostasKenteris after #KostasKenteris)."""
    out: list[TagLink] = []
    for tag in tags:
        if not any(_variant(tag, kept) or _variant(kept, tag) for kept in out):
            out.append(tag)
        elif tag.kind == "topic" and " " in tag.label:
            i = next(i for i, kept in enumerate(out) if _variant(kept, tag))
            out[i] = TagLink(tag.slug, tag.label, tag.kind, max(tag.count, out[i].count))
    return out


def _variant(a: TagLink, b: TagLink) -> bool:
    """`a` is a variant of `b`: a one-word topic one of `b`'s words, or a person whose name is
    `b`'s but for one letter."""
    if a.kind == "topic" == b.kind and " " not in a.label.strip():
        word = fold_plural(a.label)
        return " " in b.label.strip() and word in {fold_plural(w) for w in b.label.split()}
    if a.kind == "person" == b.kind:
        x, y = a.label.casefold().split(), b.label.casefold().split()
        return len(x) == len(y) >= 2 and x != y and _one_letter(" ".join(x), " ".join(y))
    return False


def _one_letter(a: str, b: str) -> bool:
    """Two names of four letters or more one substitution, insertion or deletion apart."""
    if min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(p != q for p, q in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def story_page(session: Session, story_id: int, limit: int = 300) -> StoryPage | None:
    """A shown story with its coverage grouped by outlet (earliest outlet first) and, when it
    is developing, day by day (`story_timeline`); None if the story does not exist or has no
    articles."""
    card = story_card(session, story_id)
    if card is None:
        return None
    rows = session.execute(
        select(
            Article.id,
            Article.outlet,
            Article.title,
            when_counted(),
            Enrichment.duplicate_of,
            Article.image_url,
        )
        .join(Enrichment, Enrichment.article_id == Article.id)
        .where(Enrichment.story_id == story_id)
        .order_by(Enrichment.seen_at, Article.id)
        .limit(limit)
    ).all()
    items: dict[int, CoverageItem] = {}
    copies: list[tuple[int, int, str]] = []
    for article_id, outlet, title, when, dup_of, image_url in rows:
        if dup_of is not None and dup_of != article_id:
            copies.append((dup_of, article_id, outlet or ""))
            continue
        items[article_id] = CoverageItem(
            article_id, outlet or "", title or "", _aware(when), image_url=image_url
        )
    for original, article_id, outlet in copies:
        if original in items:
            items[original].copies.append((article_id, outlet))
        else:  # the original is in another story (or gone): list the copy itself
            row = next(r for r in rows if r[0] == article_id)
            items[article_id] = CoverageItem(
                article_id, outlet, row[2] or "", _aware(row[3]), image_url=row[5]
            )
    if not items:
        return None
    groups: OrderedDict[str, list[CoverageItem]] = OrderedDict()
    for item in sorted(items.values(), key=lambda i: i.when or datetime.max.replace(tzinfo=UTC)):
        groups.setdefault(item.outlet, []).append(item)
    return StoryPage(
        story=card,
        outlets=[OutletCoverage(outlet, its) for outlet, its in groups.items()],
        hashtags=story_hashtags(session, story_id),
        shown=len(items),
        timeline=story_timeline(session, list(items.values())),
        figures=story_figures(session, story_id),
        summary=summary_sources(session, story_id, card.summary),
    )


def summary_sources(session: Session, story_id: int, sentences: list[str]) -> list[SummaryLine]:
    """Which outlet reports what: each summary sentence with the articles of the story whose
    own summary holds it (the story's summary is picked from those, nlp.summarize), one per
    outlet, earliest first."""
    if not sentences:
        return []
    rows = session.execute(
        select(Article.id, Article.outlet, Enrichment.summary)
        .join(Enrichment, Enrichment.article_id == Article.id)
        .where(Enrichment.story_id == story_id, Enrichment.summary.is_not(None))
        .order_by(Enrichment.seen_at, Article.id)
        .limit(300)
    ).all()
    said: dict[str, list[tuple[int, str]]] = {}
    for article_id, outlet, summary in rows:
        for sentence in summary if isinstance(summary, list) else []:
            said.setdefault(" ".join(str(sentence).split()).lower(), []).append(
                (article_id, outlet or "")
            )
    lines = []
    for text in sentences:
        sources: list[tuple[int, str]] = []
        for article_id, outlet in said.get(" ".join(text.split()).lower(), []):
            if outlet not in {o for _, o in sources}:
                sources.append((article_id, outlet))
        lines.append(SummaryLine(text, sources))
    return lines


_FIGURES = (
    select(FigureRow)
    .where(FigureRow.article_id == bindparam("article_id"))
    .order_by(FigureRow.position)
)


def article_figures(session: Session, article_id: int) -> list[FigureRow]:
    """The figure claims stored for one article, in text order."""
    return list(session.scalars(_FIGURES, {"article_id": article_id}))


def story_figures(session: Session, story_id: int) -> list[ClaimGroup]:
    """Figures about the same thing across the story's articles (nlp.figures.group_claims)."""
    rows = session.execute(
        select(FigureRow, Article.outlet, when_counted())
        .join(Enrichment, Enrichment.article_id == FigureRow.article_id)
        .join(Article, Article.id == FigureRow.article_id)
        .where(Enrichment.story_id == story_id)
        .order_by(FigureRow.article_id, FigureRow.position)
        .limit(2000)
    ).all()
    claims = [
        (
            f.what_key or "",
            Claim(
                f.article_id,
                outlet or "",
                _aware(when),
                f.text,
                f.value,
                f.low,
                f.high,
                f.what,
                f.source,
                f.sentence,
            ),
        )
        for f, outlet, when in rows
        if comparable(f.what_key, f.when)
    ]
    return group_claims(claims)


# --- which articles: conditions for the listings of newsdesk.web.reading ---------------------


def story_condition(story_id: int) -> ColumnElement[bool]:
    """A condition on Article: it is part of the story."""
    return exists().where(Enrichment.article_id == Article.id, Enrichment.story_id == story_id)


def tag_condition(tag_id: int, few: bool = False) -> ColumnElement[bool]:
    """A condition on Article: it has the tag (as a hashtag or a name it mentions). `few`: the
    tag has few articles, so the database reads them from the tag's rows (an IN list) rather
    than testing article after article (web.reading.FEW_TAG_ARTICLES)."""
    if few:
        return Article.id.in_(select(ArticleTag.article_id).where(ArticleTag.tag_id == tag_id))
    return exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag_id == tag_id)


def followed_condition(user_id: int) -> ColumnElement[bool]:
    """A condition on Article: it has a tag that the user follows."""
    keys = select(Follow.key).where(Follow.user_id == user_id)
    tag_ids = select(Tag.id).where(func.lower(Tag.slug).in_(keys))
    return exists().where(ArticleTag.article_id == Article.id, ArticleTag.tag_id.in_(tag_ids))


# --- explainers: what the coverage says about a tag ------------------------------------------


@dataclass(frozen=True)
class OtherOutlet:
    """An outlet's coverage of a story: its newest article there and how many of the story's
    articles it has."""

    outlet: str
    article_id: int
    articles: int


def story_outlets(session: Session, story_ids: Iterable[int]) -> dict[int, list[OtherOutlet]]:
    """The outlets of each of these stories, most articles first (one query)."""
    ids = sorted(set(story_ids))
    if not ids:
        return {}
    count = func.count(Article.id)
    rows = session.execute(
        select(Enrichment.story_id, Article.outlet, count, func.max(Article.id))
        .join(Article, Article.id == Enrichment.article_id)
        .where(Enrichment.story_id.in_(ids))
        .group_by(Enrichment.story_id, Article.outlet)
        .order_by(Enrichment.story_id, count.desc(), Article.outlet)
    )
    out: dict[int, list[OtherOutlet]] = {}
    for story_id, outlet, n, newest in rows.tuples():
        if story_id is not None:  # never None: the query asks for these stories
            out.setdefault(story_id, []).append(OtherOutlet(outlet or "", newest, n))
    return out


@dataclass
class Source:
    """An article that something on a page came from."""

    article_id: int
    outlet: str
    title: str
    when: datetime | None


@dataclass
class DescriptionView:
    phrase: str
    sources: list[Source]


@dataclass
class SaidQuote:
    quote: str
    cue: str | None
    sources: list[Source]
    kind: str = "direct"  # direct | reported: in quotation marks only when direct


@dataclass
class StoryMention:
    story: StoryCard
    mentions: int  # the story's articles that mention the tag


@dataclass
class Explainer:
    descriptions: list[DescriptionView]
    quotes: list[SaidQuote]
    stories: list[StoryMention]  # newest first
    related: list[TagLink]  # co-occurring tags, most shared articles first
    died: DeathReport | None = None  # a person the coverage reports dead: "Who was X?"
    profile: ProfileView | None = None  # role, dated facts, successors, where (entities)
    located: CountryPlace | None = None  # a country: where it is, from GeoNames

    def question(self, tag: TagLink) -> str:
        """The page's heading: "Who was X?" for a person the coverage reports dead."""
        if self.died is not None and tag.kind == "person":
            return f"Who was {tag.label}?"
        return tag.question


@dataclass
class DeathReport:
    sentence: str
    source: Source


DEATH_SAMPLE = 30  # a person's newest articles searched for a report of their death


def death_report_of(session: Session, tag: TagLink) -> DeathReport | None:
    """The newest article sentence reporting this person's death (full name or last name)."""
    from newsdesk.nlp.deaths import death_report

    if tag.kind != "person" or not tag.id:
        return None
    parts = tag.label.split()
    names = [tag.label] + ([parts[-1]] if len(parts) > 1 else [])
    rows = session.execute(
        select(Article.id, Article.title, Article.text)
        .join(ArticleTag, ArticleTag.article_id == Article.id)
        .where(ArticleTag.tag_id == tag.id)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(DEATH_SAMPLE)
    ).all()
    for article_id, title, text in rows:
        sentence = death_report(f"{title}.\n{text or ''}", names)
        if sentence is not None:
            source = _sources(session, {article_id}).get(article_id)
            if source is not None:
                return DeathReport(sentence, source)
    return None


@dataclass
class ProfileFact:
    """One fact of a profile: a whole sentence of the coverage, cited."""

    kind: str  # role | event | predecessor | successor | where | happened
    sentence: str
    source: Source
    when: str | None  # "2019", "12 June 2025": written in the sentence, or the article's date
    dated: bool  # the date is written in the sentence
    detail: str | None  # the role, the other person, the wider place
    link: TagLink | None = None  # the other person's / the wider place's tag, when known


@dataclass
class ProfileView:
    roles: list[ProfileFact]
    predecessors: list[ProfileFact]
    successors: list[ProfileFact]
    events: list[ProfileFact]  # dated ones oldest first, then the undated
    where: list[ProfileFact]
    happened: list[ProfileFact]  # newest first

    def facts(self) -> list[ProfileFact]:
        return [
            *self.roles,
            *self.predecessors,
            *self.successors,
            *self.events,
            *self.where,
            *self.happened,
        ]


PROFILE_SAMPLE = 40  # an entity's newest articles its profile is built from


def entity_profile(session: Session, tag: TagLink) -> ProfileView | None:
    """A short profile of a person, organisation or place from its newest coverage
    (newsdesk.nlp.profiles): each fact a whole sentence with its article; None if none."""
    from newsdesk.nlp.profiles import Coverage, profile_of

    if tag.kind not in ENTITY_KINDS or not tag.id:
        return None
    rows = session.execute(
        select(Article.id, Article.text, func.coalesce(Article.published_at, Article.fetched_at))
        .join(ArticleTag, ArticleTag.article_id == Article.id)
        .where(ArticleTag.tag_id == tag.id)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(PROFILE_SAMPLE)
    ).all()
    if not rows:
        return None
    ids = [r[0] for r in rows]
    coverage = [Coverage(i, text or "", when.date() if when else None) for i, text, when in rows]
    descriptions = session.execute(
        select(DescriptionRow.phrase, DescriptionRow.article_id)
        .where(DescriptionRow.tag_id == tag.id, DescriptionRow.article_id.in_(ids))
        .order_by(DescriptionRow.article_id.desc(), DescriptionRow.id)
    ).all()
    others = session.execute(
        select(Tag.id, Tag.slug, Tag.label, Tag.kind, Tag.article_count)
        .join(ArticleTag, ArticleTag.tag_id == Tag.id)
        .where(ArticleTag.article_id.in_(ids), Tag.kind.in_(("person", "place")))
        .distinct()
    ).all()
    places = {label: count or 0 for _, _, label, kind, count in others if kind == "place"}
    people = [label for _, _, label, kind, _ in others if kind == "person" and label != tag.label]
    links = {
        label: TagLink(slug, label, kind, count or 0, i) for i, slug, label, kind, count in others
    }
    built = profile_of(
        tag.label,
        tag.kind,
        coverage,
        descriptions=[(p, a) for p, a in descriptions],
        places={**places, tag.label: tag.count},
        people=people,
    )
    if not built:
        return None
    sources = _sources(session, {f.article_id for f in built.facts()})

    def view(facts: list[Any]) -> list[ProfileFact]:
        out = []
        for f in facts:
            if f.article_id in sources:
                link = None
                if f.detail and f.kind in ("predecessor", "successor", "where"):
                    link = links.get(f.detail) or next(
                        (t for label, t in links.items() if f.detail.endswith(" " + label)), None
                    )
                out.append(
                    ProfileFact(
                        f.kind, f.sentence, sources[f.article_id], f.when, f.dated, f.detail, link
                    )
                )
        return out

    return ProfileView(
        roles=view(built.roles),
        predecessors=view(built.predecessors),
        successors=view(built.successors),
        events=view(built.events),
        where=view(built.where),
        happened=view(built.happened),
    )


def _sources(
    session: Session, article_ids: set[int]
) -> dict[int, Source]:  # one query for a page's worth of sources
    if not article_ids:
        return {}
    rows = session.execute(
        select(
            Article.id,
            Article.outlet,
            Article.title,
            func.coalesce(Article.published_at, Article.fetched_at),
        ).where(Article.id.in_(sorted(article_ids)))
    ).all()
    return {
        i: Source(i, outlet or "", title or "", _aware(when)) for i, outlet, title, when in rows
    }


def _newest_first(sources: list[Source]) -> list[Source]:
    return sorted(sources, key=lambda s: s.when or datetime.min.replace(tzinfo=UTC), reverse=True)


def explainer(session: Session, tag: TagLink, limit: int = 12) -> Explainer:
    """What the coverage says about a tag: descriptions, quotes, stories, co-occurring names."""
    # Descriptive phrases, each with the articles that used it (most used, then newest, first).
    desc_rows = session.execute(
        select(DescriptionRow.phrase, DescriptionRow.article_id)
        .where(DescriptionRow.tag_id == tag.id)
        .order_by(DescriptionRow.article_id.desc())
        .limit(200)
    ).all()
    # What the tag said (quotes whose speaker is this tag), the same words from copies folded.
    quote_rows = session.execute(
        select(QuoteRow.quote, QuoteRow.cue, QuoteRow.article_id, QuoteRow.kind)
        .where(QuoteRow.speaker_tag_id == tag.id)
        .order_by(QuoteRow.article_id.desc(), QuoteRow.position)
        .limit(200)
    ).all()
    sources = _sources(
        session, {r.article_id for r in desc_rows} | {r.article_id for r in quote_rows}
    )

    phrases: OrderedDict[str, tuple[str, list[Source]]] = OrderedDict()
    for phrase, article_id in desc_rows:
        text = " ".join(phrase.split()).strip(" ,;:")
        if not text or article_id not in sources:
            continue
        entry = phrases.setdefault(text.casefold(), (text, []))
        if all(s.article_id != article_id for s in entry[1]):
            entry[1].append(sources[article_id])
    descriptions = [DescriptionView(text, _newest_first(srcs)) for text, srcs in phrases.values()]
    descriptions.sort(key=lambda d: -len(d.sources))  # stable: newest stay first among equals

    said: OrderedDict[str, SaidQuote] = OrderedDict()
    for quote_text, cue, article_id, kind in quote_rows:
        text = clean_quote(quote_text)
        key = "".join(ch for ch in text.casefold() if ch.isalnum())
        if not key or article_id not in sources:
            continue
        if key not in said:
            said[key] = SaidQuote(text, cue, [], kind)
        elif kind == "direct":
            said[key].kind = kind  # another outlet quotes the same words
        if all(s.article_id != article_id for s in said[key].sources):
            said[key].sources.append(sources[article_id])

    # Stories that mention the tag, newest first, with how many of their articles do.
    mentions = func.count(ArticleTag.article_id)
    story_rows = session.execute(
        select(Story, mentions)
        .join(Enrichment, Enrichment.story_id == Story.id)
        .join(ArticleTag, ArticleTag.article_id == Enrichment.article_id)
        .where(ArticleTag.tag_id == tag.id)
        .group_by(Story.id)
        .order_by(Story.last_seen.desc(), Story.id.desc())
        .limit(limit * 2)
    ).all()
    stories = [StoryMention(_card(s), int(n)) for s, n in story_rows]
    _fill_outlets(session, [m.story for m in stories])

    # Names that share articles with this tag (among its newest articles).
    sample = (
        select(ArticleTag.article_id)
        .where(ArticleTag.tag_id == tag.id)
        .order_by(ArticleTag.article_id.desc())
        .limit(COOCCUR_SAMPLE)
        .subquery()
    )
    other = aliased(ArticleTag)
    shared = func.count(other.article_id)
    co_rows = session.execute(
        select(Tag.slug, Tag.label, Tag.kind, shared)
        .join(other, other.tag_id == Tag.id)
        .where(
            other.article_id.in_(select(sample.c.article_id)),
            other.tag_id != tag.id,
            Tag.kind.in_(ENTITY_KINDS),
        )
        .group_by(Tag.id, Tag.slug, Tag.label, Tag.kind)
        .order_by(shared.desc(), Tag.slug)
        .limit(limit)
    ).all()
    related = [TagLink(s, label, k, int(c)) for s, label, k, c in co_rows]

    return Explainer(
        descriptions=descriptions[:limit],
        quotes=list(said.values())[:limit],
        stories=stories,
        related=related,
        died=death_report_of(session, tag),
        profile=entity_profile(session, tag),
        located=where_country(tag.label) if tag.kind == "place" else None,
    )


# --- the home page ---------------------------------------------------------------------------


def home_ai(session: Session) -> dict[str, Any]:
    """The home page's "Top stories" (2+ articles) and "Trending hashtags" (empty: hidden)."""
    return {
        "top_stories": top_stories(session, HOME_STORIES, min_articles=2),
        "trending": trending_hashtags(session),
    }
