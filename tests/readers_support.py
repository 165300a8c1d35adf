"""Shared helpers for the readers tests: an app over real SQLite, accounts, forms, comments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.accounts import create_user
from newsdesk.config import Settings
from newsdesk.security import use_hasher
from newsdesk.store import Article, connect, session_scope
from newsdesk.web import create_app

# argon2id with small parameters: the same code paths, a few milliseconds per hash
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
PASSWORD = "correct horse battery"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def fast_hashing() -> Iterator[None]:
    previous = use_hasher(FAST_HASHER)
    try:
        yield
    finally:
        use_hasher(previous)


def add_article(engine: Engine, title: str = "Markets rally on rate hopes") -> int:
    with session_scope(engine) as s:
        article = Article(
            url=f"https://news.example/{abs(hash(title))}",
            title=title,
            outlet="Example News",
            author="A. Writer",
            published_at=datetime.now(UTC),
            text="Stocks rose on Tuesday.\nInvestors cheered the news.",
            word_count=8,
        )
        s.add(article)
        s.flush()
        return article.id


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def new_client(app: FastAPI, **kwargs: object) -> TestClient:
    return TestClient(app, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def login(client: TestClient, username: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def page_token(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


def post_comment(
    client: TestClient,
    article_id: int,
    body: str,
    parent_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    token = page_token(client, f"/articles/{article_id}")
    data = {"body": body, "csrf_token": token}
    if parent_id is not None:
        data["parent_id"] = str(parent_id)
    return client.post(f"/articles/{article_id}/comments", data=data, headers=headers or {})


def create_users(engine: Engine) -> dict[str, int]:
    """alice and bob (readers), mod (moderator), root (admin); all with PASSWORD. Their ids."""
    return {
        name: create_user(engine, name, PASSWORD, role)
        for name, role in [
            ("alice", "reader"),
            ("bob", "reader"),
            ("mod", "moderator"),
            ("root", "admin"),
        ]
    }


def comment_id_from(location: str) -> int:
    match = re.search(r"#comment-(\d+)$", location)
    assert match, location
    return int(match.group(1))


# --- fixtures (import them into a test module to use them) ----------------------------------


@pytest.fixture(autouse=True)
def _fast_hashing() -> Iterator[None]:
    with fast_hashing():
        yield


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = connect(settings.db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with new_client(app) as client:
        yield client


@pytest.fixture
def article_id(engine: Engine) -> int:
    return add_article(engine)


@pytest.fixture
def users(engine: Engine) -> dict[str, int]:
    return create_users(engine)
