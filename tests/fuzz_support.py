"""Shared settings, seeds and helpers of the fuzz tests (tests/test_fuzz_*.py).

Bounded by default: each test runs a fixed number of derandomized examples (the same inputs on
every run, no example database), so the fuzz files finish in about 35 s on CI's 2 cores and a
failure in CI is one that anyone can reproduce by running the test again. To fuzz longer locally, with fresh
random inputs and an example database under .hypothesis/ that replays past failures first:

    NEWSDESK_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -m fuzz --timeout=0

(`--hypothesis-seed=N` then reproduces one random run.)
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis.database import DirectoryBasedExampleDatabase

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .conftest import SHARED
except ImportError:
    from conftest import SHARED  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
# Examples per test in a long local run; unset or 0: the bounded CI budget of each test.
LONG_EXAMPLES = int(os.environ.get("NEWSDESK_FUZZ_EXAMPLES") or 0)

_COMMON: dict[str, Any] = {
    # Timing on a shared 2-core machine is noise: a per-example deadline would make failures
    # flaky and unreproducible. Slow inputs show up in the run time instead.
    "deadline": None,
    "print_blob": True,  # a failure prints @reproduce_failure(...) to replay it exactly
    # No explain phase: it annotates the printed failing example, which the schemathesis
    # plugin blanks (see show()), so it would only cost time.
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
    # Some strategies (real feeds, huge attributes, deep nesting) are large and slow on purpose.
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile(
    "newsdesk-fuzz-ci",
    derandomize=True,  # the same inputs every run (implies database=None)
    **_COMMON,
)
settings.register_profile(
    "newsdesk-fuzz-long",
    derandomize=False,
    database=DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "examples"),
    **_COMMON,
)
PROFILE = "newsdesk-fuzz-long" if LONG_EXAMPLES else "newsdesk-fuzz-ci"

F = TypeVar("F", bound=Callable[..., Any])


def fuzz(examples: int) -> Callable[[F], F]:
    """The fuzz settings for one test: ``examples`` in CI, NEWSDESK_FUZZ_EXAMPLES locally."""
    return settings(settings.get_profile(PROFILE), max_examples=LONG_EXAMPLES or examples)


# ------------------------------------------------------------------------- real feed seeds

_FEED_DIRS = {
    # folder under ../shared/data -> globs of feed documents in it
    "syndikit-real-feeds": ("XML/*.gz", "JSON/*.gz"),
    "feedparser-tests": ("wellformed/**/*.xml", "illformed/**/*.xml", "encoding/**/*.xml")
    + ("entities/**/*.xml", "json/*.json"),
    "w3c-feedvalidator-testcases": tuple(
        f"testcases/{d}/**/*.xml" for d in ("atom", "rss", "rss11", "rss20", "ext", "xml")
    ),
}
# Real feeds above this (gzip'd) size are left out of bounded runs: mutated (often ill-formed,
# so parsed twice by feedparser) a 400 KB feed takes half a second, which would spend the
# budget on a handful of examples. Long runs take them all.
MAX_SEED_GZ_BYTES = (1 << 20) if LONG_EXAMPLES else 24 * 1024
_CONTENT_TYPE = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@cache
def feed_seeds() -> tuple[Path, ...]:
    """Real feed documents in ../shared/data, sorted (so a derandomized run picks the same)."""
    found: list[Path] = []
    for folder, patterns in _FEED_DIRS.items():
        root = SHARED / folder
        for pattern in patterns:
            for path in root.glob(pattern):
                if path.suffix != ".gz" or path.stat().st_size <= MAX_SEED_GZ_BYTES:
                    found.append(path)
    return tuple(sorted(found))


def require_feed_seeds() -> tuple[Path, ...]:
    seeds = feed_seeds()
    if not seeds:
        pytest.skip(
            f"no real feed files under {SHARED} (syndikit-real-feeds, feedparser-tests, "
            "w3c-feedvalidator-testcases): the shared test data is missing"
        )
    return seeds


@cache
def seed_document(path: Path) -> tuple[bytes, str | None]:
    """A seed's bytes and the Content-Type it was served with (when the test case says)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    match = _CONTENT_TYPE.search(data[:2048])
    if match:
        return data, match.group(1).decode("latin-1")
    if path.name.endswith((".json", ".json.gz")):
        return data, "application/feed+json"
    return data, None


def show(**values: object) -> None:
    """Record the inputs of an example for the failure report.

    Hypothesis prints a failing example's arguments itself, but the schemathesis pytest plugin
    (installed with the dev extras, loaded in every pytest run) swaps Hypothesis' printer for
    one that prints nothing ("x=,"). note() output is still shown.
    """
    for name, value in values.items():
        text = repr(value)
        if len(text) > 3000:
            text = f"{text[:1500]} ...({len(text)} chars)... {text[-1500:]}"
        note(f"{name} = {text}")
