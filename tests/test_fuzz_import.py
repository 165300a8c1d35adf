"""Fuzzing `newsdesk import FILE.jsonl` end to end (the CLI, a real SQLite database).

Files mix good records, bad lines (not UTF-8, not JSON, not an object, url or text missing,
empty or not a string), blank lines and any bytes. The import exits 0 and loses no line:
every good line is stored as an article, every bad one recorded as an error of stage
"import"; records whose other fields are odd (wrong types, not ISO dates, not http(s) URLs)
are one or the other, never both, never neither.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.store import Article, ErrorRecord, connect, session_scope

from .fuzz_support import fuzz, show

pytestmark = pytest.mark.fuzz

runner = CliRunner()
_counter = itertools.count()

Kind = Literal["good", "bad", "either", "blank"]


@dataclass
class Line:
    data: bytes  # without the line break
    kind: Kind


@dataclass
class Workspace:
    data_dir: Path
    engine: Engine

    def env(self) -> dict[str, str]:
        return {
            "NEWSDESK_DATA_DIR": str(self.data_dir),
            "NEWSDESK_DATABASE_URL": "",
            "COLUMNS": "200",
        }

    def counts(self) -> tuple[int, int]:
        with session_scope(self.engine) as session:
            articles = session.scalar(select(func.count()).select_from(Article)) or 0
            errors = session.scalar(
                select(func.count()).select_from(ErrorRecord).where(ErrorRecord.stage == "import")
            )
        return articles, errors or 0


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    data_dir = tmp_path_factory.mktemp("fuzz-import")
    engine = connect(f"sqlite:///{data_dir / 'newsdesk.db'}")
    yield Workspace(data_dir, engine)
    engine.dispose()


# ------------------------------------------------------------------------ lines

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)  # fmt: skip
non_strings = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False), st.lists(json_values, max_size=3),
    st.dictionaries(st.text(max_size=6), json_values, max_size=3),
)  # fmt: skip
# Any text: line separators other than "\n" (U+2028, U+0085, "\x1c", ...) included, as JSON
# strings may hold them raw.
texts = st.text(st.characters(codec="utf-8"), max_size=120)
blank_texts = st.sampled_from(["", " ", "\t", " \t "])
iso_dates = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())


def _unique() -> int:
    return next(_counter)


@st.composite
def good_records(draw: st.DrawFn) -> dict[str, Any]:
    n = _unique()
    path = draw(st.text("abcxyz0189-._~%/", max_size=20))
    record: dict[str, Any] = {
        "url": draw(st.sampled_from(["https", "http", "HTTPS"])) + f"://n{n}.import.example/{path}",
        # a word of its own: texts of 50 words or more are deduplicated by content
        "text": f"record{n} " + draw(texts),
    }
    optional = {
        "title": texts | st.none(),
        "source": texts | st.none(),
        "author": texts | st.lists(texts, max_size=3) | st.none(),
        "published": iso_dates | st.none() | st.just(""),
        "language": st.sampled_from(["en", "de", "fr", None]),
        "extra": json_values,  # an unknown field, ignored
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        record[key] = draw(optional[key])
    return record


@st.composite
def either_records(draw: st.DrawFn) -> dict[str, Any]:
    """url and text are fine, another field is odd: stored or an error, as the import decides."""
    record = draw(good_records())
    odd = draw(st.sampled_from(["type", "date", "url", "blank_text", "long", "deep", "surrogate"]))
    if odd == "type":
        record[draw(st.sampled_from(["title", "source", "author", "published", "language"]))] = (
            draw(non_strings)
        )
    elif odd == "date":
        record["published"] = draw(st.text(max_size=30))
    elif odd == "url":  # not an http(s) URL
        record["url"] = draw(
            st.sampled_from(["ftp://x.example/", "/relative", "x", "javascript:alert(1)", "http://", "http://[::1"])
        ) + str(_unique())  # fmt: skip
    elif odd == "blank_text":
        record["text"] = draw(st.sampled_from([" ", "\u3000", "\u2028", "\x85 \t"]))
    elif odd == "long":
        key = draw(st.sampled_from(["url", "title", "language", "source"]))
        record[key] = str(record.get(key) or "") + "x" * 5000
    elif odd == "deep":
        record["extra"] = DEEP
    else:
        record["title"] = "\ud800"
    return record


DEEP = "__fuzz: nested deeper than Python's json reads__"


def _dumps(record: Any, ensure_ascii: bool) -> bytes:
    text = json.dumps(record, ensure_ascii=ensure_ascii)
    # DEEP becomes an array nested 5,000 deep: valid JSON that Python's json cannot read
    return text.replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000).encode("utf-8", "surrogatepass")


bad_lines = st.one_of(
    # not UTF-8
    st.builds(lambda a, b: (a + b"\xff" + b).replace(b"\n", b""), st.binary(max_size=20), st.binary(max_size=20)),
    st.builds(lambda t: t.encode() + b"\xc3", texts.map(lambda t: t.replace("\n", ""))),
    # not JSON
    texts.map(lambda t: "#" + t.replace("\n", "")).map(str.encode),
    st.sampled_from(["hello", "url,text", "{url: 'https://a.example/'}", '"unterminated']).map(str.encode),
    st.sampled_from([b"{", b"}", b"{'url': 'x'}", b'{"url": "https://a.example/", "text": "t",}', b"NaN"]),
    st.integers(1, 20_000).map(lambda depth: b"[" * depth + b"]" * depth),  # deeper than json reads
    # JSON, not an object
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20), st.lists(json_values, max_size=3))
    .map(lambda v: json.dumps(v).encode()),
    # an object without a usable url or text
    st.builds(
        lambda record, field, value: _dumps({**record, field: value} if value != "MISSING" else {k: v for k, v in record.items() if k != field}, False),
        good_records(),
        st.sampled_from(["url", "text"]),
        st.one_of(st.just("MISSING"), st.just(""), st.none(), non_strings),
    ),
)  # fmt: skip


lines = st.one_of(
    st.builds(lambda r, a: Line(_dumps(r, a), "good"), good_records(), st.booleans()),
    st.builds(lambda r, a: Line(_dumps(r, a), "either"), either_records(), st.booleans()),
    bad_lines.map(lambda data: Line(data, "bad")),
    blank_texts.map(lambda t: Line(t.encode(), "blank")),
)


def _expected(line: Line) -> Kind:
    """The kind, checked against the line's bytes (for lines made from strategies above)."""
    if line.kind in ("good", "either", "blank"):
        return line.kind
    assert line.data.strip(b" \t\r"), line  # a bad line is not blank
    return "bad"


# ------------------------------------------------------------------------ the property


@fuzz(examples=200)
@given(
    file_lines=st.lists(lines, max_size=8),
    newline=st.sampled_from([b"\n", b"\r\n"]),
    final_newline=st.booleans(),
)
@example(file_lines=[Line(b"\xff", "bad")], newline=b"\n", final_newline=True)  # not UTF-8
@example(file_lines=[Line(b"[" * 5000, "bad")], newline=b"\n", final_newline=True)  # too deep
@example(  # U+2028 in a string: one JSON line, though str.splitlines() sees two
    file_lines=[Line('{"url": "https://@n@.example/", "text": "a\u2028b"}'.encode(), "good")],
    newline=b"\n",
    final_newline=False,
)
@example(  # a field of the wrong type
    file_lines=[Line(b'{"url": "https://@n@.example/", "text": "t", "author": {}}', "either")],
    newline=b"\r\n",
    final_newline=True,
)
def test_import_stores_every_good_line_and_records_every_bad_one(
    workspace: Workspace, file_lines: list[Line], newline: bytes, final_newline: bool
) -> None:
    body = newline.join(line.data for line in file_lines)
    if final_newline and file_lines:
        body += newline
    body = body.replace(b"@n@", b"n%d" % _unique())  # explicit examples: a new URL each run
    path = workspace.data_dir / f"import-{_unique()}.jsonl"
    path.write_bytes(body)
    show(lines=[(line.kind, line.data) for line in file_lines], newline=newline)
    kinds = [_expected(line) for line in file_lines]
    good, bad, either = (kinds.count(k) for k in ("good", "bad", "either"))

    articles, errors = workspace.counts()
    result = runner.invoke(app, ["import", str(path)], env=workspace.env())
    assert result.exit_code == 0, (result.output, result.exception)
    new_articles, new_errors = (
        after - before for after, before in zip(workspace.counts(), (articles, errors), strict=True)
    )
    said = f"{kinds}: {new_articles} stored, {new_errors} recorded; output {result.output[-300:]!r}"
    assert good <= new_articles <= good + either, f"every good line is stored ({said})"
    assert bad <= new_errors <= bad + either, f"every bad line is recorded ({said})"
    assert new_articles + new_errors == good + bad + either, (
        f"each line stored or recorded once ({said})"
    )
