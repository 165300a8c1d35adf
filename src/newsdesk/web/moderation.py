"""Moderation pages: the reports queue (moderators) and the user list with bans (admins)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from newsdesk.accounts import Viewer, set_banned, username_key
from newsdesk.security import safe_next
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Base, utcnow
from newsdesk.store.models_readers import ROLES, Comment, CommentReport, User
from newsdesk.web.comments import REPORT_REASONS, Target
from newsdesk.web.request import TurnRoute, engine_of, login_redirect, render
from newsdesk.web.sessions import current_user

router = APIRouter(route_class=TurnRoute)
QUEUE_LIMIT = 100
USERS_LIMIT = 200
NextField = Annotated[str, Form(max_length=2000)]


@dataclass
class ReportItem:
    reporter: str
    reason: str
    note: str | None
    created_at: object


@dataclass
class ReportedComment:
    comment: Comment
    author: str | None
    author_id: int | None
    author_banned: bool
    target: Target
    reports: list[ReportItem] = field(default_factory=list)


def _staff(request: Request, role: str) -> Viewer | Response:
    viewer = current_user(request)
    if viewer is None:
        return login_redirect(request)
    if not viewer.has_role(role):
        raise HTTPException(403, f"Only a {role} can see this page.")
    return viewer


def _require(request: Request, role: str) -> Viewer:
    viewer = current_user(request)
    if viewer is None or not viewer.has_role(role):
        raise HTTPException(403, f"Only a {role} can do that.")
    return viewer


@router.get("/moderation", response_class=HTMLResponse, name="moderation")
def reports_queue(request: Request) -> Response:
    viewer = _staff(request, "moderator")
    if isinstance(viewer, Response):
        return viewer
    reporter = aliased(User)
    author = aliased(User)
    with session_scope(engine_of(request)) as session:
        rows = session.execute(
            select(CommentReport, Comment, author, reporter.username)
            .join(Comment, Comment.id == CommentReport.comment_id)
            .outerjoin(author, author.id == Comment.user_id)
            .join(reporter, reporter.id == CommentReport.user_id)
            .where(CommentReport.resolved_at.is_(None))
            .order_by(CommentReport.created_at, CommentReport.id)
            .limit(QUEUE_LIMIT * 5)
        ).all()
        queue: dict[int, ReportedComment] = {}
        for report, comment, user, reporter_name in rows:
            item = queue.get(comment.id)
            if item is None:
                if len(queue) >= QUEUE_LIMIT:
                    continue
                item = queue[comment.id] = ReportedComment(
                    comment,
                    user.username if user else None,
                    user.id if user else None,
                    bool(user and user.banned_at),
                    Target.of(comment),
                )
            item.reports.append(
                ReportItem(reporter_name, report.reason, report.note, report.created_at)
            )
        hidden = session.execute(
            select(Comment, author.username)
            .outerjoin(author, author.id == Comment.user_id)
            .where(Comment.hidden_at.is_not(None))
            .order_by(Comment.hidden_at.desc())
            .limit(20)
        ).all()
        titles = _titles(
            session, [i.target for i in queue.values()] + [Target.of(c) for c, _ in hidden]
        )
        open_total = session.scalar(
            select(func.count(func.distinct(CommentReport.comment_id))).where(
                CommentReport.resolved_at.is_(None)
            )
        )
    return render(
        request,
        "readers/moderation.html",
        {
            "queue": list(queue.values()),
            "open_total": open_total or 0,
            "hidden": [(c, name, Target.of(c)) for c, name in hidden],
            "reasons": REPORT_REASONS,
            "viewer": viewer,
            "titles": titles,
        },
    )


def _titles(session: Session, targets: list[Target]) -> dict[tuple[str, int], str]:
    """The headline of each article and the title of each story the comments are on."""
    out: dict[tuple[str, int], str] = {}
    articles = sorted({t.id for t in targets if t.kind == "article"})
    if articles:
        for i, title in session.execute(
            select(Article.id, Article.title).where(Article.id.in_(articles))
        ):
            out[("article", i)] = title
    stories = Base.metadata.tables.get("stories")  # owned by the AI layer, if present
    wanted = sorted({t.id for t in targets if t.kind == "story"})
    if stories is not None and wanted:
        for i, title in session.execute(
            select(stories.c.id, stories.c.title).where(stories.c.id.in_(wanted))
        ):
            out[("story", i)] = title
    return out


@router.post("/moderation/comments/{comment_id:int}/dismiss", name="dismiss_reports")
def dismiss_reports(request: Request, comment_id: int, next: NextField = "") -> Response:
    """Close the open reports of a comment, leaving it visible."""
    viewer = _require(request, "moderator")
    with session_scope(engine_of(request)) as session:
        session.execute(
            update(CommentReport)
            .where(CommentReport.comment_id == comment_id, CommentReport.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by=viewer.id, resolution="dismissed")
        )
    return RedirectResponse(safe_next(next, "/moderation"), status_code=303)


@router.get("/admin/users", response_class=HTMLResponse, name="admin_users")
def users_page(request: Request, q: str = "") -> Response:
    viewer = _staff(request, "admin")
    if isinstance(viewer, Response):
        return viewer
    q = q.strip()[:64]
    comments = select(Comment.user_id, func.count().label("n")).group_by(Comment.user_id).subquery()
    query = (
        select(User, func.coalesce(comments.c.n, 0))
        .outerjoin(comments, comments.c.user_id == User.id)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(USERS_LIMIT)
    )
    if q:
        escaped = username_key(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.username_key.like(f"%{escaped}%", escape="\\"))
    with session_scope(engine_of(request)) as session:
        users = session.execute(query).all()
    return render(
        request,
        "readers/users.html",
        {"users": users, "q": q, "roles": ROLES, "viewer": viewer, "limit": USERS_LIMIT},
    )


def _change_user(
    request: Request, user_id: int, next: str, change: str, value: str = ""
) -> Response:
    viewer = _require(request, "admin")
    if user_id == viewer.id:
        raise HTTPException(400, "You cannot ban yourself or change your own role.")
    with session_scope(engine_of(request)) as session:
        user = session.get(User, user_id)
        if user is None:
            raise HTTPException(404, "There is no such user.")
        if change == "ban":
            if user.role == "admin":
                raise HTTPException(400, "Admins cannot be banned: change their role first.")
            set_banned(session, user, True, value)
        elif change == "unban":
            set_banned(session, user, False)
        elif change == "role":
            if value not in ROLES:
                raise HTTPException(400, "That role does not exist.")
            user.role = value
    return RedirectResponse(safe_next(next, "/admin/users"), status_code=303)


@router.post("/admin/users/{user_id:int}/ban", name="ban_user")
def ban_user(
    request: Request,
    user_id: int,
    next: NextField = "",
    reason: Annotated[str, Form(max_length=512)] = "",
) -> Response:
    return _change_user(request, user_id, next, "ban", reason)


@router.post("/admin/users/{user_id:int}/unban", name="unban_user")
def unban_user(request: Request, user_id: int, next: NextField = "") -> Response:
    return _change_user(request, user_id, next, "unban")


@router.post("/admin/users/{user_id:int}/role", name="set_user_role")
def set_user_role(
    request: Request,
    user_id: int,
    next: NextField = "",
    role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    return _change_user(request, user_id, next, "role", role)
