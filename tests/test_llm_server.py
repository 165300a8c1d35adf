"""The optional LLM backend against a real OpenAI-compatible server (opt-in: `make test-llm`).

`make test-llm` starts llama.cpp's server (llama-cpp-python) on a free loopback port with a
small instruction-tuned model shipped in PyPI packages, and runs these tests with
NEWSDESK_TEST_LLM_URL (and NEWSDESK_TEST_LLM_MODEL) pointing at it. Without that variable they
skip. Real ECB+ news (../shared/data) is imported and enriched with `newsdesk enrich` itself.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.ask import ask
from newsdesk.config import Settings
from newsdesk.nlp import llm
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment
from newsdesk.store.models_llm import LLMSummary
from newsdesk.stories.index import forget_open_indexes
from newsdesk.web import create_app

try:
    from .conftest import shared_data
    from .readers_support import csrf_of
    from .stories_support import ecb_documents, import_records, record
except ImportError:  # pragma: no cover
    from conftest import shared_data  # type: ignore[no-redef]
    from readers_support import csrf_of  # type: ignore[no-redef]
    from stories_support import ecb_documents, import_records, record  # type: ignore[no-redef]

LLM_URL = os.environ.get("NEWSDESK_TEST_LLM_URL", "")
LLM_MODEL = os.environ.get("NEWSDESK_TEST_LLM_MODEL", "test-model")

pytestmark = [
    pytest.mark.llm,
    # A 1.5B model on a shared 2-core CPU: up to a minute per summary; several enrich runs.
    pytest.mark.timeout(3600),
    pytest.mark.skipif(
        not LLM_URL,
        reason="no OpenAI-compatible server: `make test-llm` starts one "
        "(or set NEWSDESK_TEST_LLM_URL=http://HOST:PORT/v1)",
    ),
]


@dataclass
class Run:
    settings: Settings
    ids: list[int]
    outputs: list[str]  # of each `newsdesk enrich` run
    returncode: int
    seconds: float


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Six ECB+ articles (two events) imported, then `newsdesk enrich` with the LLM configured."""
    docs = ecb_documents(shared_data("ecbplus-story-clusters"))
    picked = [d for d in docs if d["topic"] == 12][:3] + [d for d in docs if d["topic"] == 7][:3]
    root = tmp_path_factory.mktemp("llm-server")
    settings = Settings(
        data_dir=root,
        secret_key="test-secret",
        llm_url=LLM_URL,
        llm_model=LLM_MODEL,
        llm_timeout=300.0,
    )
    ids = import_records(settings, [record(d, f"Outlet {i % 3}") for i, d in enumerate(picked)])
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(root),
        "NEWSDESK_LLM_URL": LLM_URL,
        "NEWSDESK_LLM_MODEL": LLM_MODEL,
        "NEWSDESK_LLM_TIMEOUT": "300",
    }
    started = time.monotonic()
    outputs: list[str] = []
    returncode = 0
    # One pass writes at most PER_PASS summaries in about PASS_SECONDS; on a busy CPU the rest
    # wait for the next run, as they would for serve's next pass.
    for _ in range(1 + len(ids)):
        proc = subprocess.run(
            [sys.executable, "-m", "newsdesk.cli", "enrich"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        outputs.append(proc.stdout + proc.stderr)
        returncode = returncode or proc.returncode
        if proc.returncode or len(_summaries(settings)) >= len(ids):
            break
    forget_open_indexes()
    yield Run(
        settings,
        sorted(ids.values()),
        outputs,
        returncode,
        time.monotonic() - started,
    )
    forget_open_indexes()


def _summaries(settings: Settings) -> list[tuple[LLMSummary, list[str]]]:
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        rows = session.execute(
            select(LLMSummary, Enrichment.summary).join(
                Enrichment, Enrichment.article_id == LLMSummary.article_id
            )
        ).all()
        session.expunge_all()
    engine.dispose()
    return [(row, list(summary or [])) for row, summary in rows]


def test_cli_enrich_with_the_llm_configured(run: Run) -> None:
    assert run.returncode == 0, run.outputs[-1][-2000:]
    assert "enriched 6 articles" in run.outputs[0]
    assert all("enriched 0 articles" in out for out in run.outputs[1:])
    rows = _summaries(run.settings)
    assert sorted(r.article_id for r, _ in rows) == run.ids
    # The server answered every request: nothing failed; grounding may reject a few.
    assert all(r.status in ("ok", "rejected") for r, _ in rows), [
        (r.status, r.error) for r, _ in rows
    ]
    assert all(r.model == llm.model_name(run.settings) for r, _ in rows)
    seconds = [r.seconds for r, _ in rows if r.seconds]
    measured = {
        "model": LLM_MODEL,
        "summaries": len(rows),
        "ok": sum(r.status == "ok" for r, _ in rows),
        "rejected": sum(r.status == "rejected" for r, _ in rows),
        "seconds_per_summary_mean": round(statistics.mean(seconds), 2) if seconds else None,
        "seconds_per_summary_max": round(max(seconds), 2) if seconds else None,
        "enrich_seconds": round(run.seconds, 1),
        "enrich_runs": len(run.outputs),
    }
    report = os.environ.get("NEWSDESK_TEST_LLM_REPORT")
    if report:
        Path(report).write_text(json.dumps(measured, indent=2) + "\n")
    print(f"\nLLM summaries: {measured}")
    # A second run has nothing new to do and asks the model nothing.
    again = subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "enrich"],
        env={
            **os.environ,
            "NEWSDESK_DATA_DIR": str(run.settings.data_dir),
            "NEWSDESK_LLM_URL": LLM_URL,
            "NEWSDESK_LLM_MODEL": LLM_MODEL,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0 and "enriched 0 articles" in again.stdout + again.stderr
    after = {r.article_id: r.updated_at for r, _ in _summaries(run.settings)}
    assert after == {r.article_id: r.updated_at for r, _ in rows}


def test_abstractive_summary_is_grounded_and_shown(run: Run) -> None:
    rows = _summaries(run.settings)
    ok = [(r, sentences) for r, sentences in rows if r.status == "ok"]
    assert ok, [(r.status, r.error) for r, _ in rows]
    for row, sentences in ok:
        assert row.summary and llm.grounding_problem(row.summary, sentences) is None
        assert row.summary not in " ".join(sentences)  # written, not copied whole
    assert all(r.error for r, _ in rows if r.status == "rejected")  # the check said why
    row, sentences = ok[0]
    engine = connect(run.settings.db_url)
    with TestClient(create_app(run.settings, engine)) as client:
        r = client.get(f"/articles/{row.article_id}")
    engine.dispose()
    assert r.status_code == 200
    page = lxml.html.fromstring(r.text)
    summary = page.xpath('//section[contains(@class, "summary")]')[0]
    text = " ".join(summary.text_content().split())
    assert sentences[0].split()[0] in text and "AI-written" in text
    assert " ".join(row.summary.split()) in text  # type: ignore[union-attr]
    assert LLM_MODEL in summary.xpath('.//span[@class="model-name"]')[0].text_content()


def test_ask_composes_an_answer_citing_real_passages(run: Run) -> None:
    engine = connect(run.settings.db_url)
    question = "How many pirates did the Indian Navy capture?"
    answer = ask(engine, run.settings, question)
    assert answer.answered and answer.citations
    assert answer.composed_by == llm.model_name(run.settings), answer.answer_text
    markers = [n for _, n in llm.split_markers(answer.answer_text) if n is not None]
    assert markers and all(1 <= n <= len(answer.citations) for n in markers)
    with session_scope(engine) as session:
        for n in set(markers):
            cite = answer.citations[n - 1]
            article = session.get(Article, cite["article_id"])
            assert article is not None and cite["url"] == article.url
            assert cite["sentence"] in " ".join((article.text or "").split())
    # On the ask page: the answer's [n] link to the listed passages, each with outlet and link.
    article_id = answer.citations[0]["article_id"]
    with TestClient(create_app(run.settings, engine)) as client:
        token = csrf_of(client.get(f"/articles/{article_id}").text)
        r = client.post(
            f"/articles/{article_id}/ask", data={"question": question, "csrf_token": token}
        )
    assert r.status_code == 200
    page = lxml.html.fromstring(r.text)
    section = page.xpath('//section[@class="answer-section"]')[0]
    assert "AI-written" in section.text_content()
    links = section.xpath('.//a[@class="cite-marker"]/@href')
    items = section.xpath('.//ol[@class="citations"]/li')
    assert links and all(section.xpath(f'.//li[@id="{h[1:]}"]') for h in links)
    assert all(li.xpath(".//figcaption//a/@href") for li in items)
    # The refusal is still decided by retrieval, whatever the model would say.
    refused = ask(engine, run.settings, "What is a good recipe for sourdough bread?")
    assert not refused.answered and refused.composed_by is None
    engine.dispose()
