"""Batch extraction of local files (plain or .gz) and http(s) URLs, in order, on all cores."""

from __future__ import annotations

import asyncio
import gzip
import re
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdesk.children import end_with_parent
from newsdesk.config import Settings
from newsdesk.extract.article import ExtractionError, extract_article

__all__ = ["extract_inputs"]

# Batches up to this size are extracted in-process: starting worker processes costs more.
IN_PROCESS_MAX = 4
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml", "text/plain"})
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")


@dataclass(frozen=True)
class _Job:
    """One input, loaded: page bytes (or the error that prevented loading them)."""

    url: str | None = None
    data: bytes = b""
    content_type: str | None = None
    error: str | None = None


def _result(url: str | None, error: str) -> dict[str, Any]:
    return {
        "url": url,
        "title": None,
        "author": None,
        "published": None,
        "language": None,
        "text": "",
        "error": error,
    }


def _extract_job(job: _Job) -> dict[str, Any]:
    """Extract one loaded input; every failure becomes an ``error`` entry."""
    if job.error is not None:
        return _result(job.url, job.error)
    try:
        article = extract_article(job.data, job.url, content_type=job.content_type)
    except ExtractionError as exc:
        return _result(job.url, str(exc))
    except Exception as exc:  # a batch never aborts on one bad page
        return _result(job.url, f"extraction failed: {type(exc).__name__}: {exc}")
    return {
        "url": job.url or article.canonical_url,
        "title": article.title,
        "author": article.author,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "text": article.text,
    }


def _read_file(name: str, max_bytes: int) -> _Job:
    path = Path(name).expanduser()
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed or path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        return _Job(error=f"cannot read {name}: {exc}")
    if len(data) > max_bytes:
        return _Job(error=f"{name} is larger than {max_bytes} bytes")
    return _Job(data=data)


async def _fetch_all(urls: list[str], settings: Settings) -> list[_Job]:
    from newsdesk.sources.fetch import Fetcher, FetchError

    async def one(fetcher: Fetcher, url: str) -> _Job:
        try:
            response = await fetcher.get(url, check_robots=True, accept=HTML_ACCEPT)
        except FetchError as exc:
            return _Job(url=url, error=str(exc))
        except Exception as exc:  # a batch never aborts on one bad URL
            return _Job(url=url, error=f"fetch failed: {type(exc).__name__}: {exc}")
        if response.mime_type not in HTML_TYPES:
            return _Job(url=response.url, error=f"not an HTML page ({response.mime_type})")
        return _Job(url=response.url, data=response.body, content_type=response.content_type)

    async with Fetcher(settings) as fetcher:
        return list(await asyncio.gather(*(one(fetcher, url) for url in urls)))


def _fetch(urls: list[str], settings: Settings) -> list[_Job]:
    """Fetch concurrently with the guarded fetcher, also when called inside an event loop."""
    if not urls:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_fetch_all(urls, settings))
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _fetch_all(urls, settings)).result()


def _load(inputs: list[str], settings: Settings) -> list[_Job]:
    jobs: list[_Job | None] = []
    urls: list[tuple[int, str]] = []
    for index, item in enumerate(inputs):
        scheme = _SCHEME_RE.match(item)
        if scheme and scheme.group(1).lower() in ("http", "https"):
            urls.append((index, item))
            jobs.append(None)
        elif scheme and not Path(item).exists():
            jobs.append(
                _Job(
                    url=item,
                    error=f"unsupported URL scheme {scheme.group(1)!r} (only http and https)",
                )
            )
        else:
            jobs.append(_read_file(item, settings.max_body_bytes))
    for (index, _), job in zip(urls, _fetch([url for _, url in urls], settings), strict=True):
        jobs[index] = job
    return [job if job is not None else _Job(error="not loaded") for job in jobs]


def extract_inputs(inputs: list[str], settings: Settings) -> Iterator[dict[str, Any]]:
    """Extract each input (file path or http(s) URL), yielding results in argument order.

    Each result has ``url``, ``title``, ``author``, ``published`` (ISO 8601 or None),
    ``language`` and ``text``; a failed input has empty ``text`` and an ``error`` message.
    Batches larger than IN_PROCESS_MAX use ``settings.extract_workers`` processes.
    """
    jobs = _load(list(inputs), settings)
    workers = min(settings.extract_workers, len(jobs))
    if workers <= 1 or len(jobs) <= IN_PROCESS_MAX:
        yield from map(_extract_job, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent) as pool:
        yield from pool.map(_extract_job, jobs)
