"""The Jinja environment and the filters the templates use."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from newsdesk import __version__
from newsdesk.nlp.text import paragraphs
from newsdesk.store.search import MARK_END, MARK_START

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
WORDS_PER_MINUTE = 230


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def datefmt(dt: datetime | None) -> str:
    """A calendar date: '7 Mar 2024'."""
    if dt is None:
        return ""
    dt = _aware(dt)
    return f"{dt.day} {dt:%b %Y}"


def reltime(dt: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 hours ago', 'yesterday', '3 days ago', or a date.

    Future times (a feed's next fetch) read 'in 5 minutes', 'tomorrow', 'in 3 days'.
    Naive datetimes are taken as UTC.
    """
    if dt is None:
        return ""
    dt = _aware(dt)
    now = _aware(now) if now is not None else datetime.now(UTC)
    seconds = (now - dt).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        span = _plural(int(seconds // 60), "minute")
    elif seconds < 86400:
        span = _plural(int(seconds // 3600), "hour")
    else:
        days = int(seconds // 86400)
        if days >= 7:
            return datefmt(dt)
        if days == 1:
            return "tomorrow" if future else "yesterday"
        span = _plural(days, "day")
    return f"in {span}" if future else f"{span} ago"


def isotime(dt: datetime | None) -> str:
    """Machine-readable UTC timestamp for `<time datetime=…>`."""
    if dt is None:
        return ""
    return _aware(dt).isoformat(timespec="seconds")


def abstime(dt: datetime | None) -> str:
    """Human-readable absolute time: '7 Mar 2024, 14:05 UTC'."""
    if dt is None:
        return ""
    dt = _aware(dt)
    return f"{datefmt(dt)}, {dt:%H:%M} UTC"


def highlight(snippet: str | None) -> Markup:
    """Escape a search snippet, then turn the store's match markers into <mark> elements."""
    if not snippet:
        return Markup("")
    escaped = str(escape(snippet))
    opened = escaped.count(MARK_START) - escaped.count(MARK_END)
    escaped = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return Markup(escaped + "</mark>" * max(opened, 0))


def excerpt(text: str | None, limit: int = 280) -> str:
    """Plain text shortened at a word boundary, with an ellipsis when cut."""
    if not text:
        return ""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.—-")
    return cut + "…"


@dataclass
class MarkedBody:
    """Article paragraphs with each figure's sentence marked `id="fig-N"` (N: 1-based, the
    figures box's order), and which N found their sentence."""

    paragraphs: list[Markup] = field(default_factory=list)
    anchored: set[int] = field(default_factory=set)
    html: bool = False  # one fragment of HTML (figure_html), not paragraphs of text


# HTML that is only the text in one paragraph (as `newsdesk import` stored it before it
# regrouped a wall of text): the page shows the text, in paragraphs, instead.
_ONE_PLAIN_PARAGRAPH = re.compile(r"<p>[^<]*</p>")


def article_body(html: str | None, text: str | None, figures: list[Any]) -> MarkedBody:
    """The article page's body: its sanitized HTML (figure_html), or its text in paragraphs
    (figure_body) when it has no HTML or HTML that adds nothing to the text."""
    if html and not _ONE_PLAIN_PARAGRAPH.fullmatch(html):
        return figure_html(html, figures)
    return figure_body(text, figures)


# Marked article bodies kept per web process: marking compiles a pattern per figure and
# parses the body (a quarter of an article page's template time at 100,000 articles). About
# twice a body's size each: 1,000 bodies are some 20 MB.
MARKED_BODIES_CACHED = 1000


def figure_html(html: str, figures: list[Any]) -> MarkedBody:
    """Sanitized article HTML with each figure's sentence wrapped like figure_body does, when
    the sentence lies inside one text node (found by its words, any spacing between them);
    lxml re-serialises the tree, so text stays escaped. `paragraphs` holds the one fragment."""
    sentences = tuple(fig.sentence or "" for fig in figures)
    if not any(s.split() for s in sentences):
        return MarkedBody([Markup(html)], html=True)  # nothing to mark: no parse per view
    return _marked_html(html, sentences)


@lru_cache(maxsize=MARKED_BODIES_CACHED)
def _marked_html(html: str, sentences: tuple[str, ...]) -> MarkedBody:
    """figure_html() once per body and figure sentences (the templates only read the result)."""
    import lxml.html
    from lxml import etree

    root = lxml.html.fragment_fromstring(html, create_parent="div")
    body = MarkedBody(html=True)
    prev: tuple[str, Any] | None = None
    for n, sentence in enumerate(sentences, 1):
        words = sentence.split()
        if not words:
            continue
        if prev is not None and prev[0] == " ".join(words):
            anchor = etree.Element("span", id=f"fig-{n}")  # same sentence: one more anchor
            anchor.tail, prev[1].text = prev[1].text, None
            prev[1].insert(0, anchor)
            body.anchored.add(n)
            continue
        span = _wrap_first(root, words, n)
        if span is not None:
            body.anchored.add(n)
            prev = (" ".join(words), span)
    inner = escape(root.text or "") + Markup("").join(
        Markup(lxml.html.tostring(el, encoding="unicode")) for el in root
    )
    body.paragraphs.append(inner)
    return body


def _find_words(value: str, words: list[str]) -> tuple[int, int] | None:
    """(start, end) of the first run of `words` in `value` with any whitespace between them
    (as the pattern of the words joined by \\s+ would match; no pattern compiled per figure)."""
    first = value.find(words[0])
    while first >= 0:
        end = first + len(words[0])
        for word in words[1:]:
            at = end
            while at < len(value) and value[at].isspace():
                at += 1
            if at == end or not value.startswith(word, at):
                break
            end = at + len(word)
        else:
            return first, end
        first = value.find(words[0], first + 1)
    return None


def _wrap_first(root: Any, words: list[str], n: int) -> Any:
    """Wrap the first match of `words` (any spacing between them) inside one text node of
    `root` in a figure mark."""
    from lxml import etree

    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("class") == "figure-mark":
            continue
        for where in ("text", "tail"):
            if where == "tail" and el is root:
                continue
            value = getattr(el, where) or ""
            found = _find_words(value, words)
            if found is None:
                continue
            start, end = found
            span = etree.Element("span", {"class": "figure-mark", "id": f"fig-{n}"})
            span.text, span.tail = value[start:end], value[end:]
            setattr(el, where, value[:start])
            if where == "text":
                el.insert(0, span)
            else:
                el.addnext(span)
            return span
    return None


def figure_body(text: str | None, figures: list[Any]) -> MarkedBody:
    """The plain-text body as escaped paragraphs, each figure's sentence (whitespace folded)
    wrapped in `<span class="figure-mark" id="fig-N">`, found by text match in order; a
    sentence not found (it crosses paragraphs, or sits in the title) gets no anchor."""
    paras = [" ".join(p.split()) for p in paragraphs(text)]
    marks: list[list[tuple[int, int, list[int]]]] = [[] for _ in paras]
    cursor = (0, 0)
    for n, fig in enumerate(figures, 1):
        sentence = " ".join((fig.sentence or "").split())
        if not sentence:
            continue
        last = marks[cursor[0]][-1] if paras and marks[cursor[0]] else None
        if last is not None and paras[cursor[0]][last[0] : last[1]] == sentence:
            last[2].append(n)  # another figure of the same sentence
            continue
        for pi in range(cursor[0], len(paras)):
            at = paras[pi].find(sentence, cursor[1] if pi == cursor[0] else 0)
            if at >= 0:
                marks[pi].append((at, at + len(sentence), [n]))
                cursor = (pi, at + len(sentence))
                break
    body = MarkedBody()
    for para, spans in zip(paras, marks, strict=True):
        out, pos = Markup(""), 0
        for a, b, ids in spans:
            extra = Markup("").join(Markup('<span id="fig-{}"></span>').format(i) for i in ids[1:])
            out += escape(para[pos:a]) + Markup('<span class="figure-mark" id="fig-{}">').format(
                ids[0]
            )
            out += extra + escape(para[a:b]) + Markup("</span>")
            pos = b
            body.anchored.update(ids)
        body.paragraphs.append(out + escape(para[pos:]))
    return body


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE))


def quote_path(value: str) -> str:
    """Percent-encode a value for use as one URL path segment."""
    return quote(value, safe="")


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else '' (never emit javascript: or data: links)."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def hostname(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


@cache
def static_version(name: str) -> str:
    """The first 12 hex digits of the SHA-256 of static file ``name`` ("" if there is none).

    Read once per process: the files change only with a new install, which restarts it."""
    path = STATIC / name
    if "/" in name or "\\" in name or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/NAME?v=<its content hash>``: a new URL whenever the file changes, so that
    browsers may keep it for a year (see web/app.py CachedStaticFiles)."""
    return f"/static/{name}?v={static_version(name)}"


def counted(text: str, what: str | None) -> str:
    """What a figure counts as the page shows it after the figure: "hundreds" + "air strikes"
    reads "hundreds of air strikes" (a vague plural takes "of"; lexicon VAGUE_WORDS)."""
    from newsdesk.nlp.lexicon.figures import VAGUE_WORDS

    if not what:
        return ""
    words = text.split()
    if words and words[-1].lower() in VAGUE_WORDS and not what.lower().startswith("of "):
        return f"of {what}"
    return what


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    """A language code as readers know it: "da" -> "Danish" (CLDR's English names, from
    babel); the code itself when CLDR has no name for it."""
    from babel import Locale

    return str(Locale("en").languages.get(code.lower(), code)) if code else code


def related_groups(
    items: list[Any], outlet: str | None = None
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """An article page's related list as (listing items, same story from other outlets, same
    story from the article's own `outlet`, other stories): what Jinja select filters did at a
    tenth of an article page's template time."""
    plain = [i for i in items if hasattr(i, "article")]
    links = [i for i in items if not hasattr(i, "article")]
    same = [i for i in links if i.same_story]
    return (
        plain,
        [i for i in same if i.outlet != outlet],
        [i for i in same if i.outlet == outlet],
        [i for i in links if not i.same_story],
    )


def make_env() -> Environment:
    # auto_reload off: the templates are part of the installed code, so no stat() of each
    # template file on every render (a restart picks up a new version).
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(
        reltime=reltime,
        language_name=language_name,
        isotime=isotime,
        abstime=abstime,
        datefmt=datefmt,
        highlight=highlight,
        excerpt=excerpt,
        paragraphs=paragraphs,
        reading_minutes=reading_minutes,
        quote_path=quote_path,
        safe_url=safe_url,
        hostname=hostname,
    )
    env.globals.update(
        counted=counted,
        version=__version__,
        static_url=static_url,
        article_body=article_body,
        related_groups=related_groups,
    )
    return env
