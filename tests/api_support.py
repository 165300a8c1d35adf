"""Shared helpers for the API / Atom / Google Reader tests: the real app over real SQLite with
the BBC test articles, accounts and tokens, and a loopback uvicorn server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from newsdesk.tokens import create_api_token

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .conftest import shared_data
    from .readers_support import create_users
    from .webdata import Dataset, populate
except ImportError:
    from conftest import shared_data  # type: ignore[no-redef]
    from readers_support import create_users  # type: ignore[no-redef]
    from webdata import Dataset, populate  # type: ignore[no-redef]


@dataclass
class Accounts:
    ids: dict[str, int]
    tokens: dict[str, str]  # scope "api" token of each user

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


def make_accounts(engine: Engine) -> Accounts:
    """alice and bob (readers), mod (moderator), root (admin), each with an API token."""
    ids = create_users(engine)
    tokens = {
        name: create_api_token(engine, uid, f"{name}'s test token") for name, uid in ids.items()
    }
    return Accounts(ids, tokens)


@pytest.fixture
def data(engine: Engine) -> Dataset:
    return populate(engine, shared_data("bbc-news"))


@pytest.fixture
def accounts(engine: Engine) -> Accounts:
    return make_accounts(engine)


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    with running(config) as url:
        yield url


@contextmanager
def running(config: uvicorn.Config) -> Iterator[str]:
    """Run a uvicorn server from `config` (port 0: a free one) in a thread; its base URL."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
