"""Personal reading: subscriptions, read / starred marks, follows, and article listings.

Shared by the "My feed" pages, the JSON API and the Google Reader API. Plain SQLAlchemy,
portable across SQLite and PostgreSQL; every function works inside the caller's session.

Listings are keyset-paginated newest first (or oldest first) by
coalesce(published_at, fetched_at) then id, optionally with unread articles first; a
`Position` is where the next page starts, and its `encode()` is the opaque cursor.

Grouped by story (`Listing.by_story`), a listing keeps only each story's first article in its
own order (the story's "head": no other article of the story that the listing holds comes
before it) and lists the story's other outlets with it. Heads are a subset of the listing
fixed by its filters, not by the page, so the same keyset pages them: no story twice across
pages, none lost.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased, defer
from sqlalchemy.sql.util import ClauseAdapter

from newsdesk.store.db import plan_for_values
from newsdesk.store.models import Article, Feed, FeedArticle, utcnow
from newsdesk.store.models_ai import Enrichment, Tag
from newsdesk.store.models_readers import FOLLOW_KINDS, ArticleState, Follow, UserFeed
from newsdesk.stories import views
from newsdesk.web.queries import EXCERPT_CHARS, MAX_ID, Cursor, _plain, sort_key

MAX_PAGE = 200
MAX_IDS = 1000  # article ids in one bulk request
MAX_IDS_PAGE = 10000  # ids in one page of list_ids
MAX_FOLDER_CHARS = 256
MAX_TITLE_CHARS = 512

SOURCES = (
    "all",
    "subscriptions",
    "personal",
    "starred",
    "feed",
    "folder",
    "outlet",
    "tag",
    "story",
)


# --- positions (cursors) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a listing page starts: after (group, when, id) in the listing's order.

    `group` is 0 for unread and 1 for read articles in "unread first" listings, else 0.
    """

    when: datetime
    id: int
    group: int = 0

    _RE = re.compile(r"([01])\.(.+)")

    def encode(self) -> str:
        return f"{self.group}.{Cursor(self.when, self.id).encode()}"

    @classmethod
    def decode(cls, raw: str | None) -> Position | None:
        match = cls._RE.fullmatch(raw or "")
        cursor = Cursor.decode(match[2]) if match else None
        if match is None or cursor is None:
            return None
        return cls(cursor.when, cursor.id, int(match[1]))


# --- listings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """What to list, for whom (user_id None: anonymous, no read/starred filters)."""

    source: str = "all"  # one of SOURCES
    user_id: int | None = None
    feed_id: int | None = None
    folder: str | None = None
    outlet: str | None = None
    tag_id: int | None = None  # source "tag"
    story_id: int | None = None  # source "story"
    read: bool | None = None  # True: only read; False: only unread
    starred: bool | None = None
    since: datetime | None = None  # sort time >= since
    until: datetime | None = None  # sort time < until
    oldest_first: bool = False
    unread_first: bool = False
    by_story: bool = False  # one entry per story (its first article), other outlets with it
    tag_articles: int | None = None  # source "tag": its article count (set by _sized)


@dataclass
class ListedArticle:
    """An article in a listing with the user's marks (duck-types queries.ArticleItem).

    In a listing by story: `story_id`, how many articles the story has, and its other
    outlets (most articles first)."""

    article: Article
    excerpt: str
    read_at: datetime | None = None
    starred_at: datetime | None = None
    story_id: int | None = None
    story_articles: int = 1
    others: list[views.OtherOutlet] = field(default_factory=list)

    @property
    def read(self) -> bool:
        return self.read_at is not None

    @property
    def starred(self) -> bool:
        return self.starred_at is not None


@dataclass
class EntryPage:
    items: list[ListedArticle]
    next: Position | None


def subscribed_feed_ids(user_id: int) -> Select[Any]:
    return select(UserFeed.feed_id).where(UserFeed.user_id == user_id)


def _in_feeds(feed_ids: Select[Any]) -> ColumnElement[bool]:
    return exists().where(FeedArticle.article_id == Article.id, FeedArticle.feed_id.in_(feed_ids))


def _source_condition(listing: Listing) -> ColumnElement[bool] | None:
    uid = listing.user_id
    if listing.source in ("subscriptions", "personal", "starred", "folder") and uid is None:
        raise ValueError(f"listing {listing.source!r} needs a user")
    if listing.source == "subscriptions":
        assert uid is not None
        return _in_feeds(subscribed_feed_ids(uid))
    if listing.source == "personal":
        assert uid is not None
        return or_(_in_feeds(subscribed_feed_ids(uid)), views.followed_condition(uid))
    if listing.source == "feed":
        return exists().where(
            FeedArticle.article_id == Article.id, FeedArticle.feed_id == (listing.feed_id or 0)
        )
    if listing.source == "folder":
        assert uid is not None
        feeds = subscribed_feed_ids(uid).where(UserFeed.folder == (listing.folder or ""))
        return _in_feeds(feeds)
    if listing.source == "outlet":
        return Article.outlet == (listing.outlet or "")
    if listing.source == "tag":
        few = listing.tag_articles is not None and listing.tag_articles < FEW_TAG_ARTICLES
        return views.tag_condition(listing.tag_id or 0, few=few)
    if listing.source == "story":
        return views.story_condition(listing.story_id or 0)
    return None  # "all", "starred" (a state filter, below)


def _members(listing: Listing) -> list[ColumnElement[bool]]:
    """Conditions on Article: the listing holds it (source, marks, time window)."""
    conditions: list[ColumnElement[bool]] = []
    condition = _source_condition(listing)
    if condition is not None:
        conditions.append(condition)
    uid = listing.user_id
    starred = True if listing.source == "starred" else listing.starred
    if uid is not None:
        mark = aliased(ArticleState, name="mark")  # not the listing's joined ArticleState
        for wanted, column in ((listing.read, mark.read_at), (starred, mark.starred_at)):
            if wanted is not None:
                marked = exists().where(
                    mark.user_id == uid, mark.article_id == Article.id, column.is_not(None)
                )
                conditions.append(marked if wanted else ~marked)
    if listing.since is not None:
        conditions.append(sort_key >= listing.since)
    if listing.until is not None:
        conditions.append(sort_key < listing.until)
    return conditions


def _story_head(listing: Listing, story: Any) -> ColumnElement[bool]:
    """A condition on Article (joined with its enrichment `story`, and ArticleState when the
    listing has a user): no other article of its story that the listing holds comes first."""
    other = aliased(Article, name="other_article")
    other_story = aliased(Enrichment, name="other_story")
    other_key = func.coalesce(other.published_at, other.fetched_at)
    if listing.oldest_first:
        first = or_(other_key < sort_key, and_(other_key == sort_key, other.id < Article.id))
    else:
        first = or_(other_key > sort_key, and_(other_key == sort_key, other.id > Article.id))
    if listing.unread_first and listing.user_id is not None:
        other_state = aliased(ArticleState, name="other_state")
        other_read = exists().where(
            other_state.user_id == listing.user_id,
            other_state.article_id == other.id,
            other_state.read_at.is_not(None),
        )
        here_read = ArticleState.read_at.is_not(None)
        same_group = or_(and_(other_read, here_read), and_(~other_read, ~here_read))
        first = or_(and_(~other_read, here_read), and_(same_group, first))
    # the same conditions on the other article: Article's columns read from the alias
    adapter = ClauseAdapter(inspect(other).selectable)
    held = [adapter.traverse(c) for c in _members(listing)]
    # Nested on purpose: the story's few articles by its index, then each one by id (as a
    # join, SQLite may instead scan every article of the outlet or tag for each row).
    comes_first = (
        exists().where(other.id == other_story.article_id, first, *held).correlate_except(other)
    )
    before = exists().where(
        other_story.story_id == story.story_id,
        other_story.article_id != Article.id,
        comes_first,
    )
    return or_(story.story_id.is_(None), ~before)


def _listing_select(
    listing: Listing, after: Position | None, columns: Sequence[Any]
) -> tuple[Select[Any], ColumnElement[int]]:
    """The listing's statement over `columns` (+ read_at, starred_at, group, story id),
    ordered."""
    uid = listing.user_id
    read_at = ArticleState.read_at if uid is not None else literal(None)
    starred_at = ArticleState.starred_at if uid is not None else literal(None)
    group: ColumnElement[int] = literal(0)
    if listing.unread_first and uid is not None:
        group = case((ArticleState.read_at.is_(None), 0), else_=1)
    story = aliased(Enrichment, name="story_of")
    story_id = story.story_id if listing.by_story else literal(None)
    stmt = select(*columns, read_at, starred_at, group, story_id)
    if uid is not None:
        stmt = stmt.outerjoin(
            ArticleState, and_(ArticleState.article_id == Article.id, ArticleState.user_id == uid)
        )
    if listing.by_story:
        stmt = stmt.outerjoin(story, story.article_id == Article.id)
        stmt = stmt.where(_story_head(listing, story))
    condition = _source_condition(listing)
    if condition is not None:
        stmt = stmt.where(condition)
    starred = True if listing.source == "starred" else listing.starred
    if uid is not None:
        if listing.read is not None:
            stmt = stmt.where(
                ArticleState.read_at.is_not(None)
                if listing.read
                else ArticleState.read_at.is_(None)
            )
        if starred is not None:
            stmt = stmt.where(
                ArticleState.starred_at.is_not(None)
                if starred
                else ArticleState.starred_at.is_(None)
            )
    if listing.since is not None:
        stmt = stmt.where(sort_key >= listing.since)
    if listing.until is not None:
        stmt = stmt.where(sort_key < listing.until)
    if after is not None:
        if listing.oldest_first:
            later = or_(sort_key > after.when, and_(sort_key == after.when, Article.id > after.id))
        else:
            later = or_(sort_key < after.when, and_(sort_key == after.when, Article.id < after.id))
        stmt = stmt.where(or_(group > after.group, and_(group == after.group, later)))
    # A constant first sort term (no unread-first grouping) would keep SQLite from reading
    # the rows in the order of the ix_articles_seen index: it would sort every article.
    first = [group] if listing.unread_first and uid is not None else []
    if listing.oldest_first:
        stmt = stmt.order_by(*first, sort_key.asc(), Article.id.asc())
    else:
        stmt = stmt.order_by(*first, sort_key.desc(), Article.id.desc())
    return stmt, group


# A tag with fewer articles than this is listed from its article_tags rows (then sorted); a
# larger one by reading the articles newest first until a page is found. Measured at 100,000
# articles (bench/load.py --generated): a 20-article tag 190 ms -> 1 ms that way, a 30,000-article
# tag 6 ms read newest first but 395 ms from its rows; the two meet near 1,000-3,000 articles.
FEW_TAG_ARTICLES = 1000


def _sized(session: Session, listing: Listing) -> Listing:
    """The listing with its tag's article count, which chooses how the tag is read."""
    if listing.source != "tag" or listing.tag_articles is not None:
        return listing
    count = session.scalar(select(Tag.article_count).where(Tag.id == (listing.tag_id or 0)))
    return replace(listing, tag_articles=int(count or 0))


def list_entries(
    session: Session,
    listing: Listing,
    after: Position | None = None,
    limit: int = 20,
    cap: int = MAX_PAGE,
) -> EntryPage:
    """One page of a listing: the articles after `after`, with the user's marks."""
    limit = max(1, min(limit, cap))
    listing = _sized(session, listing)
    columns = [Article, func.substr(Article.text, 1, EXCERPT_CHARS)]
    stmt, _ = _listing_select(listing, after, columns)
    stmt = stmt.options(defer(Article.text), defer(Article.html))
    plan_for_values(session)  # a tag of 30 articles or of 30,000
    rows = session.execute(stmt.limit(limit + 1)).all()
    items = [
        ListedArticle(article, text or _plain(article.summary), r_at, s_at, story_id)
        for article, text, r_at, s_at, _, story_id in rows
    ]
    more = len(items) > limit
    items = items[:limit]
    if listing.by_story:
        _add_other_outlets(session, items)
    nxt = None
    if more and items:
        last = items[-1]
        g = 1 if listing.unread_first and listing.user_id is not None and last.read else 0
        nxt = Position(last.article.published_at or last.article.fetched_at, last.article.id, g)
    return EntryPage(items, nxt)


def _add_other_outlets(session: Session, items: list[ListedArticle]) -> None:
    """Each item's story size and other outlets, from one query for the page's stories."""
    outlets = views.story_outlets(session, (i.story_id for i in items if i.story_id is not None))
    for item in items:
        found = outlets.get(item.story_id or 0, [])
        item.story_articles = max(1, sum(o.articles for o in found))
        item.others = [o for o in found if o.outlet and o.outlet != item.article.outlet]


@dataclass
class IdPage:
    items: list[tuple[int, datetime]]  # (article id, sort time)
    next: Position | None


def list_ids(
    session: Session,
    listing: Listing,
    after: Position | None = None,
    limit: int = 1000,
    cap: int = MAX_IDS_PAGE,
) -> IdPage:
    """Like list_entries, but only the ids and sort times (for long id lists)."""
    limit = max(1, min(limit, cap))
    stmt, _ = _listing_select(_sized(session, listing), after, [Article.id, sort_key])
    plan_for_values(session)
    rows = session.execute(stmt.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [(article_id, when) for article_id, when, _r, _s, _g, _story in rows]
    nxt = None
    if more and rows:
        article_id, when, r_at, _s, group, _story = rows[-1]
        nxt = Position(when, article_id, int(group or 0))
    return IdPage(items, nxt)


def starred_entries(session: Session, user_id: int, limit: int = 50) -> list[ListedArticle]:
    """The user's starred articles, most recently starred first."""
    stmt = (
        select(
            Article,
            func.substr(Article.text, 1, EXCERPT_CHARS),
            ArticleState.read_at,
            ArticleState.starred_at,
        )
        .join(
            ArticleState,
            and_(ArticleState.article_id == Article.id, ArticleState.user_id == user_id),
        )
        .where(ArticleState.starred_at.is_not(None))
        .options(defer(Article.text), defer(Article.html))
        .order_by(ArticleState.starred_at.desc(), Article.id.desc())
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    return [
        ListedArticle(article, text or _plain(article.summary), r_at, s_at)
        for article, text, r_at, s_at in session.execute(stmt).all()
    ]


def entries_by_ids(
    session: Session, user_id: int | None, ids: Iterable[int]
) -> list[ListedArticle]:
    """The given articles (unknown ids skipped), newest first, with the user's marks."""
    wanted = sorted({i for i in ids if 0 < i <= MAX_ID})
    if not wanted:
        return []
    stmt = select(Article).where(Article.id.in_(wanted))
    articles = list(session.scalars(stmt.order_by(sort_key.desc(), Article.id.desc())))
    marks = states(session, user_id, [a.id for a in articles]) if user_id is not None else {}
    result = []
    for article in articles:
        mark = marks.get(article.id)
        result.append(
            ListedArticle(
                article,
                (article.text or "")[:EXCERPT_CHARS] or _plain(article.summary),
                mark.read_at if mark else None,
                mark.starred_at if mark else None,
            )
        )
    return result


# --- read / starred marks --------------------------------------------------------------------


def states(session: Session, user_id: int, article_ids: Sequence[int]) -> dict[int, ArticleState]:
    if not article_ids:
        return {}
    rows = session.scalars(
        select(ArticleState).where(
            ArticleState.user_id == user_id, ArticleState.article_id.in_(list(article_ids))
        )
    )
    return {row.article_id: row for row in rows}


def existing_article_ids(session: Session, ids: Iterable[int]) -> list[int]:
    wanted = sorted({i for i in ids if 0 < i <= MAX_ID})
    if not wanted:
        return []
    return list(session.scalars(select(Article.id).where(Article.id.in_(wanted))))


def set_marks(
    session: Session,
    user_id: int,
    article_ids: Iterable[int],
    read: bool | None = None,
    starred: bool | None = None,
) -> list[int]:
    """Mark articles read/unread and/or starred/unstarred; returns the ids that exist.

    Marks that are already set keep their original time.
    """
    ids = existing_article_ids(session, article_ids)
    if not ids or (read is None and starred is None):
        return ids
    now = utcnow()
    current = states(session, user_id, ids)
    for article_id in ids:
        row = current.get(article_id)
        if row is None:
            if not read and not starred:
                continue
            row = ArticleState(user_id=user_id, article_id=article_id)
            session.add(row)
        if read is not None:
            row.read_at = (row.read_at or now) if read else None
        if starred is not None:
            row.starred_at = (row.starred_at or now) if starred else None
    session.flush()
    session.execute(
        delete(ArticleState).where(
            ArticleState.user_id == user_id,
            ArticleState.article_id.in_(ids),
            ArticleState.read_at.is_(None),
            ArticleState.starred_at.is_(None),
        )
    )
    return ids


def mark_all_read(session: Session, listing: Listing) -> int:
    """Mark every unread article of a listing read (e.g. a feed up to a time); returns how many."""
    uid = listing.user_id
    if uid is None:
        raise ValueError("mark_all_read needs a user")
    ids = select(Article.id)
    condition = _source_condition(listing)
    if condition is not None:
        ids = ids.where(condition)
    if listing.source == "starred":
        ids = ids.where(
            exists().where(
                ArticleState.user_id == uid,
                ArticleState.article_id == Article.id,
                ArticleState.starred_at.is_not(None),
            )
        )
    if listing.since is not None:
        ids = ids.where(sort_key >= listing.since)
    if listing.until is not None:
        ids = ids.where(sort_key < listing.until)
    now = utcnow()
    # Counted with RETURNING: psycopg may report rowcount -1 for these statements.
    updated = len(
        session.execute(
            update(ArticleState)
            .where(
                ArticleState.user_id == uid,
                ArticleState.read_at.is_(None),
                ArticleState.article_id.in_(ids),
            )
            .values(read_at=now)
            .returning(ArticleState.article_id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    missing = ids.where(
        ~exists().where(ArticleState.user_id == uid, ArticleState.article_id == Article.id)
    )
    fresh = missing.with_only_columns(
        literal(uid), Article.id, literal(now, type_=ArticleState.read_at.type)
    )
    inserted = len(
        session.execute(
            insert(ArticleState)
            .from_select(["user_id", "article_id", "read_at"], fresh)
            .returning(ArticleState.article_id)
        ).all()
    )
    return updated + inserted


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- subscriptions ---------------------------------------------------------------------------


@dataclass
class Subscription:
    feed: Feed
    title: str | None
    folder: str | None
    created_at: datetime
    unread: int = 0

    @property
    def name(self) -> str:
        return self.title or self.feed.name


def _clip(text: str | None, limit: int) -> str | None:
    text = " ".join((text or "").split())
    return text[:limit] or None


def unread_counts(session: Session, user_id: int) -> dict[int, int]:
    """Unread articles per subscribed feed id (feeds with none are absent)."""
    stmt = (
        select(FeedArticle.feed_id, func.count(FeedArticle.article_id))
        .join(UserFeed, and_(UserFeed.feed_id == FeedArticle.feed_id, UserFeed.user_id == user_id))
        .outerjoin(
            ArticleState,
            and_(
                ArticleState.user_id == user_id, ArticleState.article_id == FeedArticle.article_id
            ),
        )
        .where(ArticleState.read_at.is_(None))
        .group_by(FeedArticle.feed_id)
    )
    return {feed_id: n for feed_id, n in session.execute(stmt).all()}


def subscriptions(session: Session, user_id: int) -> list[Subscription]:
    """The user's subscriptions with unread counts, by folder then name."""
    rows = session.execute(
        select(UserFeed, Feed)
        .join(Feed, Feed.id == UserFeed.feed_id)
        .where(UserFeed.user_id == user_id)
    ).all()
    counts = unread_counts(session, user_id)
    subs = [
        Subscription(feed, uf.title, uf.folder, uf.created_at, counts.get(feed.id, 0))
        for uf, feed in rows
    ]
    subs.sort(key=lambda s: ((s.folder or "").casefold(), s.name.casefold(), s.feed.id))
    return subs


def subscription(session: Session, user_id: int, feed_id: int) -> Subscription | None:
    return next((s for s in subscriptions(session, user_id) if s.feed.id == feed_id), None)


def subscribe(
    session: Session,
    user_id: int,
    feed_id: int,
    title: str | None = None,
    folder: str | None = None,
    *,
    update_fields: bool = True,
) -> bool:
    """Subscribe (or update the title/folder of a subscription); True if it is new."""
    row = session.scalar(
        select(UserFeed).where(UserFeed.user_id == user_id, UserFeed.feed_id == feed_id)
    )
    if row is None:
        session.add(
            UserFeed(
                user_id=user_id,
                feed_id=feed_id,
                title=_clip(title, MAX_TITLE_CHARS),
                folder=_clip(folder, MAX_FOLDER_CHARS),
                created_at=utcnow(),
            )
        )
        session.flush()
        return True
    if update_fields:
        row.title = _clip(title, MAX_TITLE_CHARS)
        row.folder = _clip(folder, MAX_FOLDER_CHARS)
    return False


def edit_subscription(
    session: Session,
    user_id: int,
    feed_id: int,
    *,
    title: str | None = None,
    folder: str | None = None,
    clear_folder: bool = False,
) -> bool:
    """Rename and/or refile a subscription (None: unchanged); False if not subscribed."""
    row = session.scalar(
        select(UserFeed).where(UserFeed.user_id == user_id, UserFeed.feed_id == feed_id)
    )
    if row is None:
        return False
    if title is not None:
        row.title = _clip(title, MAX_TITLE_CHARS)
    if clear_folder:
        row.folder = None
    elif folder is not None:
        row.folder = _clip(folder, MAX_FOLDER_CHARS)
    return True


def unsubscribe(session: Session, user_id: int, feed_id: int) -> bool:
    result = session.execute(
        delete(UserFeed).where(UserFeed.user_id == user_id, UserFeed.feed_id == feed_id)
    )
    return _rowcount(result) > 0


def set_subscriptions(session: Session, user_id: int, feed_ids: Iterable[int]) -> None:
    """Make the user's subscriptions exactly `feed_ids` (unknown feeds ignored)."""
    wanted = set(feed_ids)
    known = (
        set(session.scalars(select(Feed.id).where(Feed.id.in_(sorted(wanted)))))
        if wanted
        else set()
    )
    current = set(session.scalars(subscribed_feed_ids(user_id)))
    if current - known:
        session.execute(
            delete(UserFeed).where(
                UserFeed.user_id == user_id, UserFeed.feed_id.in_(sorted(current - known))
            )
        )
    for feed_id in sorted(known - current):
        session.add(UserFeed(user_id=user_id, feed_id=feed_id, created_at=utcnow()))
    session.flush()


def folders(session: Session, user_id: int) -> list[str]:
    rows = session.scalars(
        select(UserFeed.folder)
        .where(UserFeed.user_id == user_id, UserFeed.folder.is_not(None))
        .distinct()
    )
    return sorted((f for f in rows if f), key=str.casefold)


def all_feeds(session: Session) -> list[Feed]:
    return list(
        session.scalars(
            select(Feed).order_by(func.lower(func.coalesce(Feed.title, Feed.url)), Feed.id)
        )
    )


def feed_labels(feeds: Sequence[Feed]) -> dict[int, tuple[str, str]]:
    """Each feed's name in a list of feeds: its outlet's, and what tells it apart from the
    outlet's other feeds: the feed's own title, without the outlet's name ("Business" of
    "NYT > Business" for "NYT", "News" of "News - Apple Developer"), else, if two would read
    alike, its address. In the order of the labels."""
    labels = {f.id: (f.outlet_name or f.name, _feed_detail(f)) for f in feeds}
    seen = Counter(labels.values())
    for f in feeds:
        if seen[labels[f.id]] > 1:
            labels[f.id] = (labels[f.id][0], f.url.split("://", 1)[-1])
    return dict(sorted(labels.items(), key=lambda kv: (kv[1][0].casefold(), kv[1][1].casefold())))


def _feed_detail(feed: Feed) -> str:
    title, outlet = (feed.title or "").strip(), (feed.outlet_name or "").strip()
    if not outlet or not title or title.casefold() == outlet.casefold():
        return ""
    if title.casefold().startswith(outlet.casefold()):
        return title[len(outlet) :].strip(" -–—|:>»·")
    if title.casefold().endswith(outlet.casefold()):  # "News - Apple Developer"
        return title[: -len(outlet)].strip(" -–—|:<«·")
    return title


def feed_by_url(session: Session, url: str) -> Feed | None:
    return session.scalar(select(Feed).where(Feed.url == url))


# --- follows ---------------------------------------------------------------------------------


def follow_key(kind: str, key: str) -> str:
    """The normalised key of a followed hashtag ('#Brexit' -> 'brexit') or entity name."""
    return views.tag_key(key)


def follows(session: Session, user_id: int) -> list[Follow]:
    return list(
        session.scalars(
            select(Follow).where(Follow.user_id == user_id).order_by(Follow.kind, Follow.key)
        )
    )


def follow(session: Session, user_id: int, kind: str, key: str) -> tuple[Follow, bool]:
    """Follow a hashtag or entity; returns (row, created). Raises ValueError for bad input."""
    if kind not in FOLLOW_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FOLLOW_KINDS)}")
    norm = follow_key(kind, key)
    if not norm:
        raise ValueError("empty key")
    row = session.scalar(
        select(Follow).where(Follow.user_id == user_id, Follow.kind == kind, Follow.key == norm)
    )
    if row is not None:
        return row, False
    row = Follow(user_id=user_id, kind=kind, key=norm, created_at=utcnow())
    session.add(row)
    session.flush()
    return row, True


def followed_tags(session: Session, keys: Sequence[str]) -> dict[str, views.TagLink]:
    """The tags of follow keys the site has tags for: their names, pages and counts."""
    return views.followed_tags(session, keys)


def unfollow(session: Session, user_id: int, kind: str, key: str) -> bool:
    if kind not in FOLLOW_KINDS:
        return False
    result = session.execute(
        delete(Follow).where(
            Follow.user_id == user_id, Follow.kind == kind, Follow.key == follow_key(kind, key)
        )
    )
    return _rowcount(result) > 0


def utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
