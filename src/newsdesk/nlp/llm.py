"""The optional LLM backend: any OpenAI-compatible chat endpoint (llama.cpp server, Ollama, vLLM,
a cloud API), configured with NEWSDESK_LLM_URL / _MODEL / _API_KEY / _TIMEOUT. Off when the URL
is unset, and nothing depends on it: every caller falls back to the extractive result.

    chat(settings, messages, max_tokens) -> str        one completion (temperature 0), or LLMError
    abstractive_summary(settings, sentences) -> str    grounded rewrite of the extractive summary
    grounding_problem(text, sources) -> str | None     why `text` is not grounded in `sources`
    compose_answer(settings, question, citations)      an answer citing [1]..[n], or None
    split_markers(text) -> [(text, n | None)]          for showing [n] as links to citation n

Grounding. The model sees only the article's extractive summary sentences (or, for a question,
the retrieved passages), and its output is checked against them before it is shown: every
number and every capitalised name in the output must occur in those sentences, most of its
content words must too, and it must be of a sensible length. Anything else is rejected and the
extractive text is shown instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import httpx

from newsdesk.config import Settings
from newsdesk.nlp.text import fold_plural

SUMMARY_MAX_TOKENS = 160
ANSWER_MAX_TOKENS = 200
PROMPT_VERSION = "llm-1"  # part of the cache key of stored summaries: bump when prompts change
MIN_CONTENT_OVERLAP = 0.5  # share of the output's content words that must occur in the sources
MAX_SUMMARY_WORDS = 90
COPIED = 0.85  # a "summary" with this share of its word trigrams in the sources is a copy

SUMMARY_SYSTEM = (
    "You are a careful news editor. Summarize the numbered sentences from one news article in "
    "one or two short sentences (at most 50 words) of plain, neutral English. Use only facts "
    "stated in the sentences and keep who did what exactly as they say. Do not add any name, "
    "number, date, place or opinion that is not in them. Reply with the summary only."
)
ANSWER_SYSTEM = (
    "Answer the question in one or two complete sentences, using only facts from the numbered "
    "passages. End each sentence with the number of the passage it comes from in square "
    "brackets, for example: The ship sank on Monday [2]. If the passages do not answer the "
    "question, reply: NO ANSWER"
)


class LLMError(RuntimeError):
    """The endpoint failed or answered something unusable."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached (connection refused, DNS, ...)."""


class Ungrounded(LLMError):
    """The model's text says something its sources do not."""


def enabled(settings: Settings) -> bool:
    return bool(settings.llm_url)


def model_name(settings: Settings) -> str:
    """The name summaries are cached and labelled under."""
    return settings.llm_model or "default"


def chat(
    settings: Settings,
    messages: list[dict[str, str]],
    max_tokens: int,
    client: httpx.Client | None = None,
) -> str:
    """POST {NEWSDESK_LLM_URL}/chat/completions at temperature 0; the reply's text."""
    if not settings.llm_url:
        raise LLMError("no LLM endpoint configured (NEWSDESK_LLM_URL)")
    url = settings.llm_url.rstrip("/") + "/chat/completions"
    headers = {"Content-Type": "application/json"}
    if settings.llm_api_key:
        headers["Authorization"] = f"Bearer {settings.llm_api_key}"
    payload: dict[str, Any] = {
        "model": model_name(settings),
        "messages": messages,
        "temperature": 0,
        "max_tokens": max_tokens,
        "stream": False,
    }
    own = client is None
    http = client or httpx.Client(timeout=settings.llm_timeout, trust_env=False)
    try:
        response = http.post(url, json=payload, headers=headers, timeout=settings.llm_timeout)
    except httpx.TimeoutException as exc:
        raise LLMError(f"LLM endpoint {url} timed out after {settings.llm_timeout:g} s") from exc
    except httpx.TransportError as exc:
        raise LLMUnavailable(f"LLM endpoint {url} unreachable: {exc}") from exc
    finally:
        if own:
            http.close()
    if response.status_code != 200:
        body = " ".join(response.text.split())[:200]
        raise LLMError(f"LLM endpoint {url} answered HTTP {response.status_code}: {body}")
    try:
        data = response.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"LLM endpoint {url} sent no chat completion: {exc!r}") from exc
    if not isinstance(content, str) or not content.strip():
        raise LLMError(f"LLM endpoint {url} sent an empty completion")
    return content


# ---------------------------------------------------------------- grounding

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’.-]*[A-Za-z]|[A-Za-z]")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“(]\s*)$")
_SMALL_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_SMALL_NUMBERS.split())}
_NUMBER_WORDS.update({"dozen": "12", "hundred": "100", "thousand": "1000", "million": "1000000"})
# Capitalised words that are not names even in mid-sentence.
_NOT_NAMES = {"i", "ai", "tv", "ok"}


def _norm_number(raw: str) -> str:
    raw = raw.replace(",", "")
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".") if re.fullmatch(r"\d+\.\d+", raw) else raw
    return raw


def _stopwords() -> set[str]:
    try:
        from spacy.lang.en.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover - spaCy is a core dependency
        return set()
    return set(STOP_WORDS)


def _common(word: str) -> bool:
    """An everyday English word (so a capital at the start of a sentence says nothing)."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a core dependency
        return False
    return zipf_frequency(word.lower(), "en") >= 4.0


def grounding_problem(text: str, sources: Sequence[str]) -> str | None:
    """None when `text` says nothing beyond `sources`; otherwise the reason it is rejected."""
    source = " ".join(sources)
    words = len(text.split())
    if words < 4:
        return "too short"
    if words > max(MAX_SUMMARY_WORDS, len(source.split()) + 10):
        return f"too long ({words} words)"
    numbers = {_norm_number(n) for n in _NUMBER.findall(source)}
    source_tokens = _TOKEN.findall(source)
    numbers.update(_NUMBER_WORDS[t.lower()] for t in source_tokens if t.lower() in _NUMBER_WORDS)
    for num in _NUMBER.findall(text):
        if _norm_number(num) not in numbers:
            return f"number {num!r} is not in the source sentences"
    for token in _TOKEN.findall(text):
        word = token.lower()
        if (
            word in _NUMBER_WORDS
            and word not in ("one", "zero")
            and _NUMBER_WORDS[word] not in numbers
        ):
            return f"number {token!r} is not in the source sentences"
    stems = {fold_plural(t) for t in source_tokens}
    stops = _stopwords()
    for match in _TOKEN.finditer(text):
        token = match.group()
        if not token[0].isupper() or token.lower() in _NOT_NAMES:
            continue
        if fold_plural(token) in stems:
            continue
        at_start = bool(_SENTENCE_START.search(text[: match.start()]))
        if at_start and (token.lower() in stops or _common(token)):
            continue
        return f"name {token!r} is not in the source sentences"
    content = [
        fold_plural(t) for t in _TOKEN.findall(text) if t.lower() not in stops and len(t) > 2
    ]
    if content:
        found = sum(1 for t in content if t in stems)
        if found / len(content) < MIN_CONTENT_OVERLAP:
            return f"only {found} of {len(content)} content words are in the source sentences"
    return None


def _clean(text: str) -> str:
    text = re.sub(r"<think>.*?</think>", " ", text, flags=re.DOTALL | re.IGNORECASE)
    text = re.sub(r"^\s*(?:\*\*)?(?:summary|answer)(?:\*\*)?\s*:\s*", "", text, flags=re.I)
    text = re.sub(r"(?m)^\s*(?:\d+[.)]|[-*•])\s+", "", text)  # list markers a model may echo
    text = text.replace("**", "").strip().strip('"“”').strip()
    return " ".join(text.split())


# ---------------------------------------------------------------- summaries


def summary_messages(sentences: Sequence[str]) -> list[dict[str, str]]:
    numbered = "\n".join(f"{i}. {' '.join(s.split())}" for i, s in enumerate(sentences, 1))
    return [
        {"role": "system", "content": SUMMARY_SYSTEM},
        {"role": "user", "content": f"Sentences:\n{numbered}\n\nSummary:"},
    ]


def abstractive_summary(
    settings: Settings, sentences: Sequence[str], client: httpx.Client | None = None
) -> str:
    """A short summary written by the model from `sentences` only (the extractive summary).

    Raises LLMError when the endpoint fails and Ungrounded when the text does not pass
    grounding_problem()."""
    sentences = [s for s in sentences if s and s.strip()]
    if not sentences:
        raise LLMError("no sentences to summarize")
    raw = chat(settings, summary_messages(sentences), SUMMARY_MAX_TOKENS, client)
    text = _clean(raw)
    problem = grounding_problem(text, sentences)
    if not problem and copied(text, sentences):
        problem = "it copies the source sentences instead of summarizing them"
    if problem:
        raise Ungrounded(f"{problem}: {text[:300]}")
    return text


def copied(text: str, sources: Sequence[str]) -> bool:
    """Nearly all of `text` is word for word in `sources` (COPIED of its word trigrams)."""

    def trigrams(t: str) -> list[tuple[str, ...]]:
        words = _TOKEN.findall(t.lower())
        return [tuple(words[i : i + 3]) for i in range(len(words) - 2)]

    own = trigrams(text)
    if not own:
        return False
    known = set(trigrams(" ".join(sources)))
    return sum(1 for g in own if g in known) / len(own) >= COPIED


# ---------------------------------------------------------------- answers

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def _markers(text: str) -> list[int]:
    return [int(n) for group in _MARKER.findall(text) for n in group.split(",")]


def split_markers(text: str) -> list[tuple[str, int | None]]:
    """The answer as (text, n) runs, each followed by citation n (None: none after it):
    'A said x [1][2].' -> [("A said x ", 1), ("", 2), (".", None)]."""
    parts: list[tuple[str, int | None]] = []
    pos = 0
    for match in _MARKER.finditer(text):
        numbers = [int(n) for n in match.group(1).split(",")]
        parts.append((text[pos : match.start()], numbers[0]))
        parts.extend(("", n) for n in numbers[1:])
        pos = match.end()
    if pos < len(text):
        parts.append((text[pos:], None))
    return parts


def answer_messages(question: str, citations: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    passages = "\n".join(
        f"[{n}] {' '.join(str(c.get('sentence', '')).split())}" for n, c in enumerate(citations, 1)
    )
    return [
        {"role": "system", "content": ANSWER_SYSTEM},
        {"role": "user", "content": f"Passages:\n{passages}\n\nQuestion: {question}"},
    ]


_LEADING_MARKERS = re.compile(r"^((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)\s*(.+)$", re.DOTALL)
_FIRST_STOP = re.compile(r"[.!?](?=[\"”’)]?(?:\s|$))")


def _markers_last(text: str) -> str:
    """ "[1] The ship sank. More." -> "The ship sank [1]. More." (small models put them first)."""
    match = _LEADING_MARKERS.match(text)
    if not match:
        return text
    markers = "".join(match.group(1).split())
    rest = match.group(2)
    stop = _FIRST_STOP.search(rest)
    if stop is None:
        return f"{rest} {markers}"
    return f"{rest[: stop.start()]} {markers}{rest[stop.start() :]}"


def compose_answer(
    settings: Settings,
    question: str,
    citations: Sequence[dict[str, Any]],
    client: httpx.Client | None = None,
) -> str | None:
    """An answer written from the numbered citations only, each statement marked [n]; None when
    there is no endpoint, it fails, or its answer cites nothing, cites a passage that does not
    exist or says something the passages (and the question) do not."""
    if not enabled(settings) or not citations:
        return None
    try:
        raw = chat(settings, answer_messages(question, citations), ANSWER_MAX_TOKENS, client)
    except LLMError:
        return None
    text = _markers_last(_clean(raw))
    if "NO ANSWER" in text.upper():
        return None
    cited = _markers(text)
    if not cited or any(not 1 <= n <= len(citations) for n in cited):
        return None
    sources = [str(c.get("sentence", "")) for c in citations] + [question]
    if grounding_problem(_MARKER.sub(" ", text), sources):
        return None
    return text
