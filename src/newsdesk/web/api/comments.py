"""Comments through the API, with the rules of the web forms (newsdesk.web.comments):
the same Markdown rendering and sanitizing, length limit, rate limits, bans, own-comment-only
edits, edit history and soft deletes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from newsdesk.accounts import Viewer
from newsdesk.store.db import session_scope
from newsdesk.store.models import utcnow
from newsdesk.store.models_readers import Comment as CommentRow
from newsdesk.store.models_readers import User
from newsdesk.web import comments as web_comments
from newsdesk.web import queries
from newsdesk.web.api import schemas
from newsdesk.web.api.deps import CurrentViewer, OptionalViewer
from newsdesk.web.api.errors import ApiError, responses
from newsdesk.web.comments import CommentRefused, Node, Target
from newsdesk.web.request import TurnRoute, engine_of

router = APIRouter(tags=["comments"], route_class=TurnRoute)
Id = Annotated[int, Path(ge=1, le=queries.MAX_ID, examples=[1])]


def _walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        yield from _walk(node.replies)


def _out(node: Node, viewer: Viewer | None) -> schemas.Comment:
    c = node.comment
    own = viewer is not None and c.user_id == viewer.id
    return schemas.Comment(
        id=c.id,
        article_id=c.article_id,
        story_id=c.story_id,
        parent_id=c.parent_id,
        author=node.author if node.has_body else None,
        state=node.state,  # type: ignore[arg-type]
        body_html=c.body_html if node.has_body else None,
        body_markdown=c.body_markdown if own and node.has_body else None,
        created_at=c.created_at,
        edited_at=c.edited_at,
        depth=node.depth,
    )


def _single(comment: CommentRow, author: str | None, viewer: Viewer) -> schemas.Comment:
    state = "visible" if comment.visible else "hidden" if comment.deleted_at is None else "deleted"
    return _out(Node(comment, author, state), viewer)


def _thread(request: Request, target: Target, viewer: Viewer | None) -> schemas.CommentList:
    with session_scope(engine_of(request)) as session:
        if not target.exists(session):
            raise ApiError(404, message=f"There is no {target.kind} with that number.")
        thread = web_comments.build_thread(session, target, viewer)
        return schemas.CommentList(
            items=[_out(n, viewer) for n in _walk(thread.roots)], count=thread.count
        )


def _refuse(refused: CommentRefused) -> ApiError:
    codes = {429: "rate_limited", 403: "forbidden", 404: "not_found", 400: "bad_request"}
    return ApiError(refused.status, codes.get(refused.status), refused.message, refused.headers)


def _checked_text(body: str) -> str:
    """The normalized body; an invalid one is refused with 422 (before anything else)."""
    text = web_comments.normalize_body(body)
    problem = web_comments.check_body(text)
    if problem:
        raise ApiError(422, "invalid_body", problem)
    return text


def _post(
    request: Request, target: Target, viewer: Viewer, body: schemas.CommentCreate
) -> schemas.Comment:
    text = _checked_text(body.body)
    with session_scope(engine_of(request)) as session:
        try:
            comment = web_comments.post_comment(
                session, request, viewer, target, text, body.parent_id
            )
        except CommentRefused as refused:
            raise _refuse(refused) from None
        return _single(comment, viewer.username, viewer)


@router.get(
    "/articles/{article_id}/comments",
    response_model=schemas.CommentList,
    responses=responses(401, 404, 422),
    summary="An article's comments in thread order",
)
def article_comments(
    request: Request, viewer: OptionalViewer, article_id: Id
) -> schemas.CommentList:
    return _thread(request, Target("article", article_id), viewer)


@router.post(
    "/articles/{article_id}/comments",
    response_model=schemas.Comment,
    status_code=201,
    responses=responses(400, 401, 403, 404, 422, 429),
    summary="Comment on an article (or reply with parent_id)",
)
def post_article_comment(
    request: Request, viewer: CurrentViewer, article_id: Id, body: schemas.CommentCreate
) -> schemas.Comment:
    return _post(request, Target("article", article_id), viewer, body)


@router.get(
    "/stories/{story_id}/comments",
    response_model=schemas.CommentList,
    responses=responses(401, 404, 422),
    summary="A story's comments in thread order",
)
def story_comments(request: Request, viewer: OptionalViewer, story_id: Id) -> schemas.CommentList:
    return _thread(request, Target("story", story_id), viewer)


@router.post(
    "/stories/{story_id}/comments",
    response_model=schemas.Comment,
    status_code=201,
    responses=responses(400, 401, 403, 404, 422, 429),
    summary="Comment on a story",
)
def post_story_comment(
    request: Request, viewer: CurrentViewer, story_id: Id, body: schemas.CommentCreate
) -> schemas.Comment:
    return _post(request, Target("story", story_id), viewer, body)


@router.get(
    "/comments/{comment_id}",
    response_model=schemas.Comment,
    responses=responses(401, 404, 422),
)
def get_comment(request: Request, viewer: OptionalViewer, comment_id: Id) -> schemas.Comment:
    moderator = viewer is not None and viewer.is_moderator
    with session_scope(engine_of(request)) as session:
        row = session.get(CommentRow, comment_id)
        if (
            row is None
            or row.deleted_at is not None
            or (row.hidden_at is not None and not moderator)
        ):
            raise ApiError(404, message="There is no comment with that number.")
        author = session.get(User, row.user_id) if row.user_id is not None else None
        state = "visible" if row.visible else "hidden"
        return _out(Node(row, author.username if author else None, state), viewer)


@router.patch(
    "/comments/{comment_id}",
    response_model=schemas.Comment,
    responses=responses(401, 403, 404, 422, 429),
    summary="Edit your comment (earlier versions are kept)",
)
def edit_comment(
    request: Request, viewer: CurrentViewer, comment_id: Id, body: schemas.CommentUpdate
) -> schemas.Comment:
    text = _checked_text(body.body)
    with session_scope(engine_of(request)) as session:
        try:
            comment = web_comments.own_comment(session, comment_id, viewer)
            web_comments.edit_comment(session, request, viewer, comment, text)
        except CommentRefused as refused:
            raise _refuse(refused) from None
        return _single(comment, viewer.username, viewer)


@router.delete(
    "/comments/{comment_id}",
    status_code=204,
    responses=responses(401, 403, 404, 422),
    summary="Delete your comment",
)
def delete_comment(request: Request, viewer: CurrentViewer, comment_id: Id) -> Response:
    with session_scope(engine_of(request)) as session:
        try:
            comment = web_comments.own_comment(session, comment_id, viewer)
        except CommentRefused as refused:
            raise _refuse(refused) from None
        comment.deleted_at = utcnow()
    return Response(status_code=204)
