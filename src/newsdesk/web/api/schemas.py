"""Request and response bodies of the JSON API (these make the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FollowKind = Literal["hashtag", "entity"]
TokenScope = Literal["api", "greader", "feed"]


class Strict(BaseModel):
    """Request bodies: unknown fields are an error (catches typos)."""

    model_config = ConfigDict(extra="forbid")


# --- articles --------------------------------------------------------------------------------


class FeedRef(BaseModel):
    id: int
    title: str
    url: str


class OtherOutlet(BaseModel):
    outlet: str
    article_id: int = Field(description="Its newest article in the story")
    link: str = Field(description="That article on this site (absolute URL)")
    article_count: int = Field(description="How many of the story's articles it has")


class StoryGroup(BaseModel):
    id: int
    link: str = Field(description="The story's page on this site (absolute URL)")
    article_count: int
    other_outlets: list[OtherOutlet] = Field(
        description="The story's other outlets, most articles first"
    )


class Article(BaseModel):
    id: int
    title: str
    url: str = Field(description="The article at its outlet")
    link: str = Field(description="The article on this site (absolute URL)")
    author: str | None
    outlet: str
    published_at: datetime | None
    fetched_at: datetime
    language: str | None
    image_url: str | None
    thumbnail_url: str | None = Field(
        None, description="The picture through this site's image proxy (absolute URL)"
    )
    excerpt: str = Field(description="Plain text: the start of the article or its feed summary")
    teaser_only: bool = Field(
        False, description="The article page could not be read: the text is the feed's teaser"
    )
    read: bool | None = Field(None, description="Your read mark (null when anonymous)")
    starred: bool | None = Field(None, description="Your star (null when anonymous)")
    story: StoryGroup | None = Field(
        None, description="With group=story: the story this entry stands for (null: none)"
    )


class ArticleDetail(Article):
    text: str = Field(description="The extracted article text, plain")
    html: str = Field(description="The extracted article, sanitized HTML ('' if none)")
    summary: str | None = Field(description="The feed's summary (may be HTML)")
    word_count: int
    feeds: list[FeedRef]
    comment_count: int


class ArticlePage(BaseModel):
    items: list[Article]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null at the end"
    )


class SearchHit(BaseModel):
    article: Article = Field(description="The story's best-matching article (`story`: the rest)")
    snippet: str = Field(description="Plain text around the matches")
    snippet_html: str = Field(description="The snippet, HTML-escaped, matches in <mark>")
    matched: bool = Field(
        True, description="Holds the query's words (false: found as close in meaning only)"
    )


class SearchPage(BaseModel):
    query: str
    items: list[SearchHit] = Field(description="One per story, best first (or newest: sort=date)")
    next_cursor: str | None
    exact: bool = Field(
        True, description="Some article holds every word (false: the items hold some of them)"
    )
    tags: list[Tag] = Field(
        default_factory=list, description="Tags and entities the query names, most articles first"
    )
    synonyms: dict[str, list[str]] = Field(
        default_factory=dict, description="Other names searched for, by the name typed"
    )
    nearest: list[SearchHit] = Field(
        default_factory=list,
        description="When no article holds the words: the nearest in meaning (items is empty)",
    )


class Outlet(BaseModel):
    name: str
    article_count: int
    link: str


# --- marks -----------------------------------------------------------------------------------


class ArticleState(BaseModel):
    article_id: int
    read: bool
    starred: bool
    read_at: datetime | None
    starred_at: datetime | None


class StateUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"read": True, "starred": True}]}
    )

    read: bool | None = Field(None, description="true: mark read; false: mark unread; omit: keep")
    starred: bool | None = Field(None, description="true: star; false: unstar; omit: keep")


class BulkStateUpdate(StateUpdate):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"article_ids": [1, 2], "read": True}]}
    )

    article_ids: list[int] = Field(min_length=1, max_length=1000)


class BulkStateResult(BaseModel):
    updated: list[int] = Field(description="The ids that exist (and were updated)")
    missing: list[int] = Field(description="The ids with no article")


class MarkAllRead(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"feed_id": 1}]})

    feed_id: int | None = Field(None, description="Only this feed's articles")
    until: datetime | None = Field(None, description="Only articles older than this")


class MarkAllResult(BaseModel):
    marked: int


# --- feeds and subscriptions -----------------------------------------------------------------


class Feed(BaseModel):
    id: int
    url: str
    title: str | None
    site_url: str | None
    category: str | None


class FeedAdmin(Feed):
    added_at: datetime
    last_fetched_at: datetime | None
    last_success_at: datetime | None
    next_fetch_at: datetime | None
    last_error: str | None
    error_count: int
    article_count: int


class FeedCreate(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"url": "https://feeds.example.org/news.xml", "title": "Example"}]
        },
    )

    url: str = Field(
        min_length=8,
        max_length=2048,
        pattern=r"^https?://",
        description="An http(s) feed URL",
        examples=["https://feeds.example.org/news.xml"],
    )
    title: str | None = Field(None, max_length=512)
    category: str | None = Field(None, max_length=256)


class Subscription(BaseModel):
    feed: Feed
    title: str | None = Field(description="Your name for it (null: the feed's)")
    folder: str | None
    unread_count: int
    created_at: datetime


class SubscriptionUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "Money", "folder": "Business"}]}
    )

    title: str | None = Field(None, max_length=512)
    folder: str | None = Field(None, max_length=256)


# --- follows ---------------------------------------------------------------------------------


class Follow(BaseModel):
    kind: FollowKind
    key: str = Field(description="The normalised key: a tag slug, lower-cased")
    name: str = Field(description="The tag's name when the site knows it, else the key")
    created_at: datetime


class FollowCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"kind": "hashtag", "key": "#Brexit"}]}
    )

    kind: FollowKind
    key: str = Field(
        min_length=1,
        max_length=256,
        description="A hashtag ('#brexit') or entity",
        examples=["#Brexit", "Bank of England"],
    )


# --- comments --------------------------------------------------------------------------------


class Comment(BaseModel):
    id: int
    article_id: int | None
    story_id: int | None
    parent_id: int | None
    author: str | None = Field(description="Username; null when the account is gone")
    state: Literal["visible", "hidden", "removed", "deleted"]
    body_html: str | None = Field(description="Sanitized HTML; null for removed/deleted")
    body_markdown: str | None = Field(description="Your own comments only")
    created_at: datetime
    edited_at: datetime | None
    depth: int


class CommentList(BaseModel):
    items: list[Comment] = Field(description="Thread order: each comment before its replies")
    count: int = Field(description="Visible comments")


class CommentCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "Good **point**."}]}
    )

    body: str = Field(
        min_length=1, max_length=20000, description="Markdown", examples=["Good **point**."]
    )
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1)


class CommentUpdate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"body": "Edited: good **point**."}]}
    )

    body: str = Field(min_length=1, max_length=20000)


# --- you -------------------------------------------------------------------------------------


class Me(BaseModel):
    id: int
    username: str
    role: str
    csrf_token: str | None = Field(
        description="For cookie-session callers: send as X-CSRF-Token on writes"
    )


class Token(BaseModel):
    id: int
    name: str
    scope: TokenScope
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class TokenCreate(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "My phone", "scope": "api"}]}
    )

    name: str = Field(min_length=1, max_length=128)
    scope: TokenScope = "api"


class TokenCreated(Token):
    token: str = Field(description="The secret: shown only now")
    feed_url: str | None = Field(description="For scope feed: your private starred-items feed")


# --- stories and tags (when the AI tables exist) ---------------------------------------------


class Tag(BaseModel):
    kind: FollowKind = Field(description="hashtag, or entity (a person, organization or place)")
    type: str = Field(description="person, organization, place or topic")
    key: str = Field(description="What to follow it by (POST /me/follows)")
    slug: str = Field(description="As in #Slug")
    name: str
    article_count: int
    link: str
    following: bool | None = Field(None, description="Whether you follow it (null: anonymous)")


class TagPage(BaseModel):
    items: list[Tag]
    next_cursor: str | None


class ProfileFact(BaseModel):
    kind: str = Field(
        description="role, predecessor, successor, event, where or happened: what the sentence tells: a role, who came before or after, a dated event, "
        "where a place is, or what happened there"
    )
    sentence: str = Field(description="One whole sentence of the cited article, as written")
    when: str | None = Field(
        description='"2019", "12 June 2025": written in the sentence, or the article\'s date'
    )
    dated: bool = Field(description="Whether the date is written in the sentence")
    detail: str | None = Field(
        description='The role, the other person, or the wider place ("in Syria")'
    )
    detail_link: str | None = Field(description="The other person's or place's page, if known")
    article_id: int
    outlet: str
    title: str
    link: str = Field(description="The cited article's page")


class TagDetail(Tag):
    articles: ArticlePage
    died: str | None = Field(
        None, description="For a person: the sentence reporting their death, if any"
    )
    profile: list[ProfileFact] | None = Field(
        None,
        description="For an entity: a short profile from the coverage, each fact a cited "
        "sentence (roles, predecessors, successors, dated events, where, what happened there)",
    )
    located: str | None = Field(
        None,
        description='For a country: where it is, from GeoNames ("Syria is a country in Asia, '
        'bordering Iraq, ...")',
    )


class Story(BaseModel):
    id: int
    title: str
    summary: list[str] | None = Field(description="Summary sentences, when made")
    article_count: int
    outlet_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    link: str


class StoryPage(BaseModel):
    items: list[Story]
    next_cursor: str | None


class Figure(BaseModel):
    """A figure claim of an article (newsdesk.nlp.figures)."""

    text: str = Field(description='As written, with its qualifier: "more than 500"')
    value: float
    low: float | None = Field(description='A lower bound ("more than", "at least", a range)')
    high: float | None = Field(description='An upper bound ("up to", "nearly", a range)')
    unit: str | None = Field(description='"percent", "km", "dollars", "magnitude"; null: a count')
    what: str | None = Field(description='What is counted: "air attacks on targets in Syria"')
    when: str | None = Field(description="The date or time span of its sentence, as written")
    source: str | None = Field(description="Who vouches for it; null: the outlet itself")
    sentence: str


class FigureList(BaseModel):
    items: list[Figure] = Field(description="In text order")


class FigureClaim(BaseModel):
    article_id: int
    outlet: str
    seen: datetime | None
    text: str
    value: float
    low: float | None
    high: float | None
    what: str | None
    source: str | None
    sentence: str
    latest: bool = Field(description="The newest claim of its group")


class FigureGroup(BaseModel):
    """The same figure (one counted thing) across a story's articles, oldest first."""

    key: str = Field(description='What is counted, for matching: "people:killed", "magnitude"')
    what: str
    disagree: bool = Field(description="Two claims whose values cannot both hold")
    claims: list[FigureClaim]


class StoryDetail(Story):
    articles: list[Article] = Field(description="Newest first (at most 100)")
    figures: list[FigureGroup] = Field(description="The same figures across outlets")
