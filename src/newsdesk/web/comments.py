"""Comments on articles and stories: threads, posting, editing, deleting, reporting, hiding.

Bodies are a Markdown subset (paragraphs, emphasis, strong, code, links, quotes, lists)
rendered with markdown-it (raw HTML off) and then sanitized with nh3, whose allow-list is the
real guarantee: no scripts, no styles, no event handlers, only http(s)/mailto links, and every
link gets rel="nofollow ugc noopener".

Every form works without JavaScript (POST, then a redirect to #comment-ID). web/static/
comments.js sends the same forms with fetch() and header X-Requested-With: fetch; those get
the re-rendered comments section (status 200, header X-Comment-Id) or a plain-text error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import nh3
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from newsdesk.accounts import Viewer
from newsdesk.security import Limit, rate_check, rate_record, safe_next
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Base, utcnow
from newsdesk.store.models_readers import Comment, CommentReport, CommentRevision, User
from newsdesk.web.request import (
    TurnRoute,
    client_hash,
    engine_of,
    fail,
    is_fetch,
    limits_of,
    render,
)
from newsdesk.web.sessions import current_user

MAX_BODY = 10_000
REPORTED = "Thank you: the moderators will look at the comment you reported."
MAX_DEPTH = 5  # deeper replies are shown at this depth, marked "in reply to NAME"
REPORT_REASONS = {
    "spam": "Spam or advertising",
    "abuse": "Abusive, harassing or hateful",
    "off-topic": "Off topic",
    "other": "Something else",
}

# --- Markdown -------------------------------------------------------------------------------

_markdown = MarkdownIt("zero", {"maxNesting": 20, "breaks": True, "html": False}).enable(
    ["emphasis", "backticks", "link", "autolink", "blockquote", "list", "escape", "entity"]
    + ["newline", "fence", "code"]
)
_cleaner = nh3.Cleaner(
    tags={"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"},
    attributes={"a": {"href"}, "ol": {"start"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
    clean_content_tags={"script", "style"},
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Only the comment tags, http(s)/mailto links with rel="nofollow ugc noopener"."""
    return _cleaner.clean(html)


def render_markdown(text: str) -> str:
    """Markdown subset to safe HTML (sanitized: safe to insert unescaped)."""
    return sanitize_html(_markdown.render(text))


def normalize_body(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- what a comment is attached to -----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The page a thread belongs to: an article or a story."""

    kind: str  # "article" | "story"
    id: int

    @property
    def page_url(self) -> str:
        return f"/stories/{self.id}" if self.kind == "story" else f"/{self.kind}s/{self.id}"

    @property
    def post_url(self) -> str:
        return f"{self.page_url}/comments"

    def where(self) -> ColumnElement[bool]:
        column = Comment.article_id if self.kind == "article" else Comment.story_id
        return column == self.id

    def exists(self, session: Session) -> bool:
        if self.kind == "article":
            return session.scalar(select(Article.id).where(Article.id == self.id)) is not None
        stories = Base.metadata.tables.get("stories")  # owned by the AI layer, if present
        if stories is None:
            return False
        try:
            found = session.execute(select(stories.c.id).where(stories.c.id == self.id)).first()
        except DBAPIError:  # declared but not migrated yet
            session.rollback()
            return False
        return found is not None

    @classmethod
    def of(cls, comment: Comment) -> Target:
        if comment.article_id is not None:
            return cls("article", comment.article_id)
        assert comment.story_id is not None
        return cls("story", comment.story_id)


# --- threads --------------------------------------------------------------------------------


@dataclass
class Node:
    comment: Comment
    author: str | None  # None: the account was deleted
    state: str  # "visible" | "hidden" (moderators) | "removed" | "deleted" (placeholders)
    replies: list[Node] = field(default_factory=list)
    depth: int = 0
    reply_to: str | None = None  # set when shown flattened below MAX_DEPTH
    shown: bool = False
    _siblings: list[Node] | None = field(default=None, repr=False)

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def has_body(self) -> bool:
        return self.state in ("visible", "hidden")


@dataclass
class Thread:
    target: Target
    roots: list[Node]
    count: int  # visible comments (what comment_counts() reports)
    viewer: Viewer | None
    notice: str | None = None

    @property
    def post_url(self) -> str:
        return self.target.post_url

    @property
    def page_url(self) -> str:
        return self.target.page_url

    @property
    def reasons(self) -> dict[str, str]:
        return REPORT_REASONS

    @property
    def max_body(self) -> int:
        return MAX_BODY


def build_thread(session: Session, target: Target, viewer: Viewer | None) -> Thread:
    """The comments of `target` as the viewer may see them, as a tree (oldest first).

    Deleted comments, and hidden ones for non-moderators, become placeholders when they have
    replies that are shown, and vanish otherwise.
    """
    moderator = viewer is not None and viewer.is_moderator
    rows = session.execute(
        select(Comment, User.username)
        .outerjoin(User, User.id == Comment.user_id)
        .where(target.where())
        .order_by(Comment.id)
    ).all()
    nodes: dict[int, Node] = {}
    for comment, username in rows:
        if comment.deleted_at is not None:
            state = "deleted"
        elif comment.hidden_at is not None:
            state = "hidden" if moderator else "removed"
        else:
            state = "visible"
        nodes[comment.id] = Node(comment, username, state)
    ordered = list(nodes.values())
    for node in ordered:
        parent = nodes.get(node.comment.parent_id or 0)
        if parent is not None:
            parent.replies.append(node)
    for node in reversed(ordered):  # replies have larger ids: children are settled first
        node.shown = node.has_body or any(r.shown for r in node.replies)
        node.replies = []
    roots: list[Node] = []
    for node in ordered:
        if not node.shown:
            continue
        parent = nodes.get(node.comment.parent_id or 0)
        if parent is None or not parent.shown:
            node.depth, node._siblings = 0, roots
        elif parent.depth < MAX_DEPTH:
            node.depth, node._siblings = parent.depth + 1, parent.replies
        else:
            node.depth, node._siblings = parent.depth, parent._siblings
            node.reply_to = parent.author if parent.has_body else "[deleted]"
        assert node._siblings is not None
        node._siblings.append(node)
    count = sum(1 for n in ordered if n.state == "visible")
    return Thread(target, roots, count, viewer)


def comment_thread(
    request: Request,
    session: Session,
    article_id: int | None = None,
    story_id: int | None = None,
    none_stored: bool = False,
) -> Thread:
    """The comment thread of an article (or story) page, for the viewer of `request`.

    Pass it to the page template as `thread`; templates/readers/thread.html shows it.
    `none_stored`: the caller has just read that the target has no comments (none is read).
    """
    if (article_id is None) == (story_id is None):
        raise ValueError("give exactly one of article_id and story_id")
    target = Target("article", article_id) if article_id is not None else Target("story", story_id)  # type: ignore[arg-type]
    viewer = current_user(request)
    thread = Thread(target, [], 0, viewer) if none_stored else build_thread(session, target, viewer)
    if request.query_params.get("reported"):
        thread.notice = REPORTED
    return thread


def _counts(session: Session, column: Any, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(column, func.count())
        .where(column.in_(ids), Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
        .group_by(column)
    ).all()
    return {key: count for key, count in rows}


def comment_counts(session: Session, article_ids: list[int] | set[int]) -> dict[int, int]:
    """Visible comments per article, for article lists (articles without comments are absent)."""
    return _counts(session, Comment.article_id, sorted(set(article_ids)))


def story_comment_counts(session: Session, story_ids: list[int] | set[int]) -> dict[int, int]:
    return _counts(session, Comment.story_id, sorted(set(story_ids)))


# --- responses ------------------------------------------------------------------------------

router = APIRouter(route_class=TurnRoute)
Body = Annotated[str, Form(max_length=MAX_BODY * 2)]


def _thread_response(
    request: Request, target: Target, focus: int | None, notice: str | None = None
) -> Response:
    """After a change: the new comments section (fetch) or a redirect back to the page."""
    if not is_fetch(request):
        anchor = f"#comment-{focus}" if focus else "#comments"
        return RedirectResponse(target.page_url + anchor, status_code=303)
    with session_scope(engine_of(request)) as session:
        thread = build_thread(session, target, current_user(request))
    thread.notice = notice
    headers = {"X-Comment-Id": str(focus)} if focus else None
    return render(request, "readers/thread_section.html", {"thread": thread}, 200, headers)


def _form_error(
    request: Request,
    status: int,
    message: str,
    form: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Any:
    """A refused comment form: the message for fetch(), else a page with the text kept."""
    if is_fetch(request) or not form:
        return fail(request, status, message, headers)
    return render(request, "readers/comment_form.html", {"error": message, **form}, status, headers)


def check_body(text: str) -> str | None:
    """What is wrong with a (normalized) comment body, or None."""
    if not text:
        return "Write something first."
    if len(text) > MAX_BODY:
        return f"Comments can be at most {MAX_BODY:,} characters long ({len(text):,} now)."
    return None


def _rate_wait(session: Session, request: Request, action: str, viewer: Viewer) -> int:
    limits = limits_of(request)
    per_user: tuple[Limit, ...] = limits.comment_per_user
    per_ip: tuple[Limit, ...] = limits.comment_per_ip
    if action == "report":
        per_user, per_ip = limits.report_per_user, ()
    wait = rate_check(session, action, f"user:{viewer.id}", per_user)
    if per_ip:
        wait = max(wait, rate_check(session, action, f"ip:{client_hash(request)}", per_ip))
    return wait


def _too_fast(wait: int) -> tuple[int, str, dict[str, str]]:
    when = f"{wait} seconds" if wait < 120 else f"{round(wait / 60)} minutes"
    return 429, f"You are commenting too fast. Try again in {when}.", {"Retry-After": str(wait)}


def _active_user(session: Session, viewer: Viewer) -> User | None:
    user = session.get(User, viewer.id)
    return user if user is not None and user.banned_at is None else None


# --- the rules of posting and editing, shared by the web forms and the API ----------------------


class CommentRefused(Exception):
    """A comment change that the rules refuse: an HTTP status, a message for the reader and
    extra response headers (Retry-After when rate limited)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def post_comment(
    session: Session,
    request: Request,
    viewer: Viewer,
    target: Target,
    text: str,
    parent_id: int | None = None,
) -> Comment:
    """Store `viewer`'s comment on `target` (a reply when `parent_id` is given) and count it
    against the rate limits; `text` is the body as normalize_body() returns it.

    Raises CommentRefused when the body is invalid, the target does not exist, the account is
    suspended, the viewer comments too fast, or the parent is not a visible comment of the
    same thread (in that order).
    """
    problem = check_body(text)
    if problem:
        raise CommentRefused(400, problem)
    if not target.exists(session):
        raise CommentRefused(404, f"There is no {target.kind} with that number.")
    if _active_user(session, viewer) is None:
        raise CommentRefused(403, "Your account has been suspended: you cannot comment.")
    if wait := _rate_wait(session, request, "comment", viewer):
        raise CommentRefused(*_too_fast(wait))
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or Target.of(parent) != target or not parent.visible:
            raise CommentRefused(400, "The comment you replied to is gone.")
    comment = Comment(
        article_id=target.id if target.kind == "article" else None,
        story_id=target.id if target.kind == "story" else None,
        parent_id=parent_id,
        user_id=viewer.id,
        body_markdown=text,
        body_html=render_markdown(text),
        ip_hash=client_hash(request),
        created_at=utcnow(),
    )
    session.add(comment)
    session.flush()
    rate_record(session, "comment", f"user:{viewer.id}", f"ip:{client_hash(request)}")
    return comment


def own_comment(session: Session, comment_id: int, viewer: Viewer) -> Comment:
    """The viewer's own (not deleted) comment; raises CommentRefused (404 or 403) otherwise."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise CommentRefused(404, "There is no comment with that number.")
    if comment.user_id != viewer.id:
        raise CommentRefused(403, "You can only change your own comments.")
    return comment


def edit_comment(
    session: Session, request: Request, viewer: Viewer, comment: Comment, text: str
) -> None:
    """Replace the body of `viewer`'s comment (from own_comment()) with `text` (normalized),
    keeping the earlier version as a revision; an unchanged body is left alone (and not
    counted against the rate limits).

    Raises CommentRefused when the body is invalid, a moderator hid the comment, the account
    is suspended or the viewer edits too fast (in that order).
    """
    problem = check_body(text)
    if problem:
        raise CommentRefused(400, problem)
    if comment.hidden_at is not None:
        raise CommentRefused(403, "A moderator hid this comment: it cannot be edited.")
    if _active_user(session, viewer) is None:
        raise CommentRefused(403, "Your account has been suspended.")
    if wait := _rate_wait(session, request, "edit", viewer):
        raise CommentRefused(*_too_fast(wait))
    if text != comment.body_markdown:
        session.add(
            CommentRevision(
                comment_id=comment.id,
                body_markdown=comment.body_markdown,
                created_at=comment.edited_at or comment.created_at,
                replaced_at=utcnow(),
            )
        )
        comment.body_markdown = text
        comment.body_html = render_markdown(text)
        comment.edited_at = utcnow()
        rate_record(session, "edit", f"user:{viewer.id}")


# --- routes ---------------------------------------------------------------------------------


def _post(request: Request, target: Target, body: str, parent_raw: str) -> Response:
    viewer = current_user(request)
    text = normalize_body(body)
    form = {
        "title": "Reply" if parent_raw else "Add a comment",
        "action": target.post_url,
        "body": text,
        "parent_id": parent_raw,
        "back": target.page_url + "#comments",
    }
    if viewer is None:
        return fail(request, 403, "Log in to comment.")
    problem = check_body(text)
    if problem:
        return _form_error(request, 400, problem, form)
    parent_id: int | None = None
    if parent_raw:
        if not parent_raw.isdigit() or len(parent_raw) > 10:
            return fail(request, 400, "That reply is not valid.")
        parent_id = int(parent_raw)
    error: CommentRefused | None = None
    with session_scope(engine_of(request)) as session:
        try:
            new_id = post_comment(session, request, viewer, target, text, parent_id).id
        except CommentRefused as refused:
            error = refused
    if error is not None:
        return _form_error(request, error.status, error.message, form, error.headers)
    return _thread_response(request, target, new_id)


@router.post("/articles/{article_id:int}/comments", name="post_comment")
def post_article_comment(
    request: Request,
    article_id: int,
    body: Body = "",
    parent_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    return _post(request, Target("article", article_id), body, parent_id)


@router.post("/stories/{story_id:int}/comments", name="post_story_comment")
def post_story_comment(
    request: Request,
    story_id: int,
    body: Body = "",
    parent_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    return _post(request, Target("story", story_id), body, parent_id)


@router.post("/comments/{comment_id:int}/edit", name="edit_comment")
def edit_comment_form(request: Request, comment_id: int, body: Body = "") -> Response:
    viewer = current_user(request)
    if viewer is None:
        return fail(request, 403, "Log in to edit your comments.")
    text = normalize_body(body)
    form: dict[str, Any] = {
        "title": "Edit your comment",
        "action": f"/comments/{comment_id}/edit",
        "body": text,
        "parent_id": "",
        "back": "/",
    }
    error: CommentRefused | None = None
    target: Target | None = None
    with session_scope(engine_of(request)) as session:
        try:
            comment = own_comment(session, comment_id, viewer)
        except CommentRefused as refused:
            error, form = refused, {}  # not theirs to edit: no form to show again
        else:
            target = Target.of(comment)
            form["back"] = f"{target.page_url}#comment-{comment_id}"
            try:
                edit_comment(session, request, viewer, comment, text)
            except CommentRefused as refused:
                error = refused
    if error is not None:
        return _form_error(request, error.status, error.message, form, error.headers)
    assert target is not None
    return _thread_response(request, target, comment_id)


@router.post("/comments/{comment_id:int}/delete", name="delete_comment")
def delete_comment(request: Request, comment_id: int) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return fail(request, 403, "Log in to delete your comments.")
    error: CommentRefused | None = None
    with session_scope(engine_of(request)) as session:
        try:
            comment = own_comment(session, comment_id, viewer)
            comment.deleted_at = utcnow()
            target = Target.of(comment)
        except CommentRefused as refused:
            error = refused
    if error is not None:
        return fail(request, error.status, error.message)
    return _thread_response(request, target, None)


@router.post("/comments/{comment_id:int}/report", name="report_comment")
def report_comment(
    request: Request,
    comment_id: int,
    reason: Annotated[str, Form(max_length=32)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    viewer = current_user(request)
    if viewer is None:
        return fail(request, 403, "Log in to report comments.")
    if reason not in REPORT_REASONS:
        return fail(request, 400, "Choose why you are reporting this comment.")
    error: tuple[int, str, dict[str, str] | None] | None = None
    with session_scope(engine_of(request)) as session:
        comment = session.get(Comment, comment_id)
        if comment is None or not comment.visible:
            error = (404, "There is no comment with that number.", None)
        elif comment.user_id == viewer.id:
            error = (400, "You cannot report your own comment.", None)
        elif _active_user(session, viewer) is None:
            error = (403, "Your account has been suspended.", None)
        elif wait := _rate_wait(session, request, "report", viewer):
            error = _too_fast(wait)
        else:
            target = Target.of(comment)
            report = session.scalar(
                select(CommentReport).where(
                    CommentReport.comment_id == comment_id, CommentReport.user_id == viewer.id
                )
            )
            if report is None:
                session.add(
                    CommentReport(
                        comment_id=comment_id,
                        user_id=viewer.id,
                        reason=reason,
                        note=" ".join(note.split())[:500] or None,
                        created_at=utcnow(),
                    )
                )
            elif report.resolved_at is None:
                report.reason = reason
                report.note = " ".join(note.split())[:500] or report.note
            rate_record(session, "report", f"user:{viewer.id}")
    if error is not None:
        return fail(request, error[0], error[1], error[2])
    if is_fetch(request):
        return _thread_response(request, target, comment_id, REPORTED)
    return RedirectResponse(
        f"{target.page_url}?reported={comment_id}#comment-{comment_id}", status_code=303
    )


def moderate(session: Session, comment: Comment, moderator: Viewer, hide: bool) -> None:
    """Hide a comment (resolving its open reports) or restore it."""
    now = utcnow()
    if hide:
        comment.hidden_at = comment.hidden_at or now
        comment.hidden_by = moderator.id
        session.execute(
            update(CommentReport)
            .where(CommentReport.comment_id == comment.id, CommentReport.resolved_at.is_(None))
            .values(resolved_at=now, resolved_by=moderator.id, resolution="hidden")
        )
    else:
        comment.hidden_at = None
        comment.hidden_by = None


def _moderate_route(request: Request, comment_id: int, hide: bool, next: str) -> Response:
    viewer = current_user(request)
    if viewer is None or not viewer.is_moderator:
        return fail(request, 403, "Only moderators can hide or restore comments.")
    with session_scope(engine_of(request)) as session:
        comment = session.get(Comment, comment_id)
        if comment is not None:
            moderate(session, comment, viewer, hide)
            target = Target.of(comment)
    if comment is None:
        return fail(request, 404, "There is no comment with that number.")
    if next and not is_fetch(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _thread_response(request, target, comment_id)


@router.post("/comments/{comment_id:int}/hide", name="hide_comment")
def hide_comment(
    request: Request, comment_id: int, next: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    return _moderate_route(request, comment_id, True, next)


@router.post("/comments/{comment_id:int}/restore", name="restore_comment")
def restore_comment(
    request: Request, comment_id: int, next: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    return _moderate_route(request, comment_id, False, next)


@router.get("/comments/{comment_id:int}", name="comment")
def comment_permalink(request: Request, comment_id: int) -> Response:
    """Where a comment is: a redirect to its page, at the comment."""
    viewer = current_user(request)
    with session_scope(engine_of(request)) as session:
        comment = session.get(Comment, comment_id)
        allowed = comment is not None and (
            comment.visible or (viewer is not None and viewer.is_moderator)
        )
        target = Target.of(comment) if comment is not None else None
    if not allowed or target is None:
        return fail(request, 404, "There is no comment with that number.")
    return RedirectResponse(f"{target.page_url}#comment-{comment_id}", status_code=303)


@router.get("/comments/{comment_id:int}/history", response_class=HTMLResponse)
def comment_history(request: Request, comment_id: int) -> Response:
    """Earlier versions of an edited comment (for its author and moderators)."""
    viewer = current_user(request)
    with session_scope(engine_of(request)) as session:
        comment = session.get(Comment, comment_id)
        allowed = (
            comment is not None
            and viewer is not None
            and (viewer.is_moderator or (comment.user_id == viewer.id and comment.visible))
        )
        revisions: list[tuple[datetime, str]] = []
        if allowed and comment is not None:
            revisions = [
                (r.created_at, render_markdown(r.body_markdown))
                for r in session.scalars(
                    select(CommentRevision)
                    .where(CommentRevision.comment_id == comment_id)
                    .order_by(CommentRevision.id.desc())
                )
            ]
            target = Target.of(comment)
    if not allowed or comment is None:
        return fail(request, 404, "There is no comment with that number.")
    return render(
        request,
        "readers/history.html",
        {
            "comment": comment,
            "revisions": revisions,
            "back": f"{target.page_url}#comment-{comment_id}",
        },
    )
