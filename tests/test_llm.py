"""The optional LLM backend without a model: grounding checks, and every failure path over real
HTTP (a loopback server answering errors, a closed port, a timeout) falling back to the
extractive summary and answer. The success path runs against a real OpenAI-compatible server in
tests/test_llm_server.py (`make test-llm`)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk import llm_summaries
from newsdesk.ask import ask
from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.nlp import llm
from newsdesk.nlp.summary_box import OPENING_WORDS, box_sentences
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article, ErrorRecord
from newsdesk.store.models_ai import Enrichment
from newsdesk.store.models_llm import LLMSummary
from newsdesk.stories.index import forget_open_indexes
from newsdesk.web import create_app

try:
    from .conftest import shared_data
    from .stories_support import ecb_documents, import_records, record
except ImportError:  # pragma: no cover
    from conftest import shared_data  # type: ignore[no-redef]
    from stories_support import ecb_documents, import_records, record  # type: ignore[no-redef]

pytestmark = pytest.mark.slow  # make test-fast leaves it out

SOURCES = [
    "Iran launched 12 missiles at Israel on Tuesday, officials in Jerusalem said.",
    "The Israeli army said most of them were intercepted over the Negev desert.",
]


# --- grounding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Iran launched 12 missiles at Israel on Tuesday; the army said most were intercepted.",
        "Officials said Iran fired missiles at Israel, most of which were intercepted over the Negev.",
    ],
)
def test_grounded_rewrites_pass(text: str) -> None:
    assert llm.grounding_problem(text, SOURCES) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Iran launched 14 missiles at Israel on Tuesday.", "number '14'"),
        ("Iran launched twenty missiles at Israel on Tuesday.", "number 'twenty'"),
        ("Iran launched missiles at Israel, and Netanyahu vowed to respond.", "name 'Netanyahu'"),
        ("Hezbollah launched missiles at Israel on Tuesday.", "name 'Hezbollah'"),
        ("The weather was lovely and the birds sang in the quiet garden all day.", "content words"),
        ("Missiles.", "too short"),
        (" ".join(["Iran launched missiles at Israel."] * 30), "too long"),
    ],
)
def test_ungrounded_text_is_rejected(text: str, reason: str) -> None:
    problem = llm.grounding_problem(text, SOURCES)
    assert problem is not None and reason in problem


def test_markers_split_into_runs() -> None:
    assert llm.split_markers("A said x [1][2]. B [3, 1] end") == [
        ("A said x ", 1),
        ("", 2),
        (". B ", 3),
        ("", 1),
        (" end", None),
    ]


# --- failures over real HTTP ------------------------------------------------------------------


class ErrorServer:
    """A loopback HTTP server that answers POST /v1/chat/completions badly, as told."""

    def __init__(self) -> None:
        self.mode = "500"
        self.posts: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                owner.posts.append(json.loads(self.rfile.read(length) or b"{}"))
                if owner.mode == "slow":
                    time.sleep(2.0)
                status, body = {
                    "500": (500, b'{"error": "model crashed"}'),
                    "garbage": (200, b"<html>not json</html>"),
                    "empty": (200, b'{"choices": []}'),
                }.get(owner.mode, (503, b"busy"))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def error_server() -> Iterator[ErrorServer]:
    server = ErrorServer()
    yield server
    server.close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _llm(settings: Settings, url: str, timeout: float = 5.0) -> Settings:
    return settings.with_(llm_url=url, llm_model="test-model", llm_timeout=timeout)


@pytest.mark.parametrize(
    ("mode", "message"),
    [("500", "HTTP 500"), ("garbage", "no chat completion"), ("empty", "no chat completion")],
)
def test_bad_answers_are_clear_errors(
    error_server: ErrorServer, settings: Settings, mode: str, message: str
) -> None:
    error_server.mode = mode
    with pytest.raises(llm.LLMError, match=message):
        llm.abstractive_summary(_llm(settings, error_server.url), SOURCES)
    sent = error_server.posts[-1]
    assert sent["temperature"] == 0 and sent["max_tokens"] == llm.SUMMARY_MAX_TOKENS
    assert sent["model"] == "test-model"
    prompt = " ".join(m["content"] for m in sent["messages"])
    assert all(s in prompt for s in SOURCES)


def test_timeout_and_closed_port(error_server: ErrorServer, settings: Settings) -> None:
    error_server.mode = "slow"
    with pytest.raises(llm.LLMError, match="timed out"):
        llm.chat(_llm(settings, error_server.url, timeout=0.5), [], 10)
    with pytest.raises(llm.LLMUnavailable, match="unreachable"):
        llm.chat(_llm(settings, closed_port_url()), [], 10)
    with pytest.raises(llm.LLMError, match="NEWSDESK_LLM_URL"):
        llm.chat(settings, [], 10)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSDESK_LLM_URL", raising=False)
    assert not llm.enabled(Settings.from_env())
    monkeypatch.setenv("NEWSDESK_LLM_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("NEWSDESK_LLM_MODEL", "qwen")
    monkeypatch.setenv("NEWSDESK_LLM_API_KEY", "sk-secret")
    monkeypatch.setenv("NEWSDESK_LLM_TIMEOUT", "7.5")
    s = Settings.from_env()
    assert llm.enabled(s) and llm.model_name(s) == "qwen" and s.llm_timeout == 7.5
    assert s.llm_api_key == "sk-secret" and "sk-secret" not in repr(s)


# --- enrichment, the article page and ask fall back --------------------------------------------


@pytest.fixture(scope="module")
def enriched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[int]]:
    """Six ECB+ articles (two events), enriched without an LLM, once per module."""
    docs = ecb_documents(shared_data("ecbplus-story-clusters"))
    picked = [d for d in docs if d["topic"] == 12][:3] + [d for d in docs if d["topic"] == 7][:3]
    root = tmp_path_factory.mktemp("llm-corpus")
    settings = Settings(data_dir=root, secret_key="test-secret")
    ids = import_records(settings, [record(d, f"Outlet {i % 3}") for i, d in enumerate(picked)])
    forget_open_indexes()
    engine = connect(settings.db_url)
    assert enrich(engine, settings) == 6
    engine.dispose()
    forget_open_indexes()
    return root, sorted(ids.values())


@pytest.fixture
def small(enriched: tuple[Path, list[int]], settings: Settings) -> tuple[Settings, list[int]]:
    """A fresh copy of the enriched corpus for one test."""
    root, ids = enriched
    data = settings.data_dir / "data"
    shutil.copytree(root, data)
    forget_open_indexes()
    return settings.with_(data_dir=data), ids


def _rows(settings: Settings) -> list[LLMSummary]:
    with session_scope(connect(settings.db_url)) as session:
        rows = list(session.scalars(select(LLMSummary)))
        session.expunge_all()
    return rows


def test_failures_are_recorded_and_enrichment_goes_on(
    small: tuple[Settings, list[int]], error_server: ErrorServer
) -> None:
    base, ids = small
    settings = _llm(base, error_server.url)
    engine = connect(settings.db_url)
    # A run with nothing new to enrich still makes its bounded pass of summaries.
    assert enrich(engine, settings) == 0
    rows = _rows(settings)
    assert len(rows) == len(ids) and {r.status for r in rows} == {"error"}
    assert all("HTTP 500" in (r.error or "") and r.summary is None for r in rows)
    with session_scope(engine) as session:
        errors = session.scalars(select(ErrorRecord.message).where(ErrorRecord.stage == "llm"))
        assert sum("HTTP 500" in m for m in errors) == len(ids)
    # Errors are retried later, not on the very next pass.
    calls = len(error_server.posts)
    assert llm_summaries.summarize_pending(engine, settings).failed == 0
    assert len(error_server.posts) == calls

    # An unreachable endpoint ends the pass at the first article and pauses the next passes.
    down = _llm(base, closed_port_url()).with_(llm_model="another-model")
    report = llm_summaries.summarize_pending(engine, down)
    assert report.failed == 1 and report.written == 0
    assert llm_summaries.summarize_pending(engine, down).skipped
    llm_summaries._down_until.clear()

    # A re-enriched article (same extractive sentences) keeps its stored outcome.
    with session_scope(engine) as session:
        session.get(LLMSummary, (ids[0], "test-model")).status = "rejected"  # type: ignore[union-attr]
        session.get(Enrichment, ids[0]).model_version = "old"  # type: ignore[union-attr]
    assert enrich(engine, _llm(base, closed_port_url())) == 1
    row = next(r for r in _rows(settings) if r.article_id == ids[0])
    with session_scope(engine) as session:
        enriched_at = session.get(Enrichment, ids[0]).enriched_at  # type: ignore[union-attr]
    assert row.status == "rejected" and row.source_at == enriched_at


def test_article_page_shows_the_ai_written_summary_only_when_it_fits(
    small: tuple[Settings, list[int]],
) -> None:
    base, ids = small
    settings = _llm(base, closed_port_url())
    engine = connect(settings.db_url)
    article_id = ids[0]
    with session_scope(engine) as session:
        sentences = [" ".join(s.split()) for s in session.get(Enrichment, article_id).summary]  # type: ignore[union-attr]
        session.add(
            LLMSummary(
                article_id=article_id,
                model="test-model",
                source_hash=llm_summaries.source_hash(sentences),
                status="ok",
                summary="A short rewrite stored by the background pass.",
            )
        )

    def page(s: Settings) -> lxml.html.HtmlElement:
        with TestClient(create_app(s, engine)) as client:
            r = client.get(f"/articles/{article_id}")
        assert r.status_code == 200
        return lxml.html.fromstring(r.text)

    summary = page(settings).xpath('//section[contains(@class, "summary")]')[0]
    text = " ".join(summary.text_content().split())
    with session_scope(engine) as session:
        article = session.get(Article, article_id)
        assert article is not None
        words = article.text.split()
        box = box_sentences(article.text, article.title)
    opening = " ".join(words[:OPENING_WORDS])
    # the extractive box is there, first, and never repeats the article's opening shown below
    assert box and text.startswith(f"Summary AI {box[0]}")
    assert not any(" ".join(s.split()) in opening for s in box)
    assert "AI-written" in text and "A short rewrite stored by the background pass." in text
    assert "test-model" in summary.xpath('.//span[@class="model-name"]')[0].text_content()
    # Another model configured, the LLM switched off, or sentences changed: not shown.
    for other in (settings.with_(llm_model="other"), base):
        assert "AI-written" not in page(other).text_content()
    with session_scope(engine) as session:
        session.get(LLMSummary, (article_id, "test-model")).source_hash = "0" * 64  # type: ignore[union-attr]
    assert "AI-written" not in page(settings).text_content()


def test_ask_falls_back_to_the_quoted_answer(
    small: tuple[Settings, list[int]], error_server: ErrorServer
) -> None:
    base, _ids = small
    engine = connect(base.db_url)
    question = "How many pirates did the Indian Navy capture?"
    plain = ask(engine, base, question)
    assert plain.answered and plain.composed_by is None
    for url in (error_server.url, closed_port_url()):
        answer = ask(engine, _llm(base, url), question)
        assert answer.answered and answer.composed_by is None
        assert answer.answer_text == plain.answer_text
    assert error_server.posts  # it was asked, and its failure was not shown
