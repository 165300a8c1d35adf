"""Cleanup of a trafilatura body: headline, dateline, boilerplate, link lists, split bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml.etree import Element, SubElement, _Element

_WORD_RE = re.compile(r"\w+")

# Elements whose children are the units of text (walked, never dropped wholesale by a rule).
CONTAINERS = frozenset({"body", "div", "list", "section", "article", "main", "ul", "ol"})
# Block elements at container level; anything else there (text, hi, ref, lb...) is inline.
BLOCKS = CONTAINERS | frozenset(
    {"p", "head", "item", "quote", "code", "table", "graphic", "ab", "li", "blockquote", "pre"}
    | {f"h{i}" for i in range(1, 7)}
)
# The headline is searched among the first units, while they hold at most 20% of the words.
HEADLINE_WINDOW = 6
HEADLINE_MAX_BEFORE = 0.2

_EDGE_PUNCT_RE = re.compile(r"^[\W_]+|[\W_]+$")
# Whole-unit boilerplate labels: share bars, section labels, teaser headers.
_LABEL_RE = re.compile(
    r"^(share( this( article| story| post)?)?|tweet|e-?mail|print( article| this( article| page)?)?"
    r"|order reprints|reprints|comments?|\d+ comments?|(no|leave a|add a|post a) comments?|tags?"
    r"|topics?|related( articles| posts| stories| content| coverage| news)?|read more|see more"
    r"|more|also|advertisement|advertising|sponsored( content)?|you (may|might) also like"
    r"|don'?t miss|recommended( for you| articles| stories)?|trending|most popular|most read"
    r"|popular|explore further|thank you|thanks|sorry|loading|close|skip|next|previous"
    r"|back to top|top|menu|search|subscribe|sign up|log in|login|register|follow us|contact us"
    r"|newsletter)$",
    re.IGNORECASE,
)
# Units starting with a teaser/credit prefix ("Read more: ...", "Related: ...", "Photo: ...").
_PREFIX_RE = re.compile(
    r"^\W*(read more|see more|read also|read next|also read|related( post| article| story"
    r"| reading| content)?|also on [\w.]+|also|more|watch|listen|click here|filed under|tags?"
    r"|topics?|categories|category|source|image|photo( credit)?|credit|getty images"
    r"|(leggi|lesen sie|lire|lea) (anche|auch|aussi|también))\b\s*[:|]",
    re.IGNORECASE,
)
# Phrases that mark a unit of up to 40 words as site furniture (copyright, newsletter boxes,
# affiliate notes, wire credits).
_PHRASE_RE = re.compile(
    r"all rights reserved|©|copyright \d{4}|thanks for (signing up|subscribing)"
    r"|an error (has )?occurred|please try again|try again later"
    r"|for (your )?personal,? non-commercial use|follow (us|@?\w+) on (twitter|facebook|instagram)"
    r"|follow @\w+|like this (story|article)\?|share (it|this( story| article)?) with (a )?friends?"
    r"|click here (to|for)|if you (buy|purchase) something through"
    r"|if you (enjoyed|liked) (reading )?this (article|post|story)"
    r"|^(write to|e-?mail|contact|reach) \S.{0,60}@\w"
    r"|we may (earn|get|receive) (a )?(commission|share|compensation)"
    r"|advertising (disclaimer|disclosure)|affiliate (links?|commission)"
    r"|this (article|story) (has been|was) (sent|shared)"
    r"|sign(ing)? up for (our|the|my) .{0,40}(newsletter|updates|e-?mails?|alerts)"
    r"|subscribe to (our|the) .{0,30}(newsletter|channel|podcast|magazine)"
    r"|^\W*(additional )?(reporting|editing|writing) by \w|; editing by \w"
    r"|contributed (reporting|to this report)"
    r"|please (subscribe|log ?in|sign in|register)\b|to (continue reading|(read|view) the full)"
    r"|media playback is (not supported|unsupported) on (this|your) device",
    re.IGNORECASE,
)
# The same for units of up to 12 words (these phrases also occur in news prose).
_SHORT_PHRASE_RE = re.compile(
    r"(get|download) the .{1,30} app|cookies? (policy|settings)|privacy policy"
    r"|terms (of|and) (use|service|conditions)|newsletter|\bcopyright\b",
    re.IGNORECASE,
)
_TIMESTAMP_RE = re.compile(r"^\W*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?\S*)?\W*$")


@dataclass(frozen=True)
class PageHints:
    """What the cleanup knows about the page besides the extracted body."""

    title: str | None = None
    description: str | None = None
    date: str | None = None  # YYYY-MM-DD
    anchors: tuple[str, ...] = ()  # link texts of the page as word strings, longest first


def words(text: str | None) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD_RE.findall((text or "").lower())


def word_key(elem: _Element) -> str:
    """An element's words joined by spaces: what two copies of a text block have in common."""
    if len(elem):
        return " ".join(_WORD_RE.findall(" ".join(elem.itertext()).lower()))
    text = elem.text  # no children: itertext() would give just this
    return " ".join(_WORD_RE.findall(text.lower())) if text else ""


class WordKeys(dict[_Element, str]):
    """Memo of ``word_key`` per element of a page (the page must not change meanwhile)."""

    def __missing__(self, elem: _Element) -> str:
        key = self[elem] = word_key(elem)
        return key


def unit_text(elem: _Element) -> str:
    """Whitespace-normalized text of an element (element boundaries count as spaces)."""
    return " ".join(" ".join(elem.itertext()).split())


def similar(text: str, ref: str | None, threshold: float = 0.75) -> bool:
    """True if two short texts are near-identical (word-set Jaccard or containment)."""
    if not ref:
        return False
    a, b = words(text), words(ref)
    if not a or not b:
        return False
    sa, sb = set(a), set(b)
    if len(sa & sb) / len(sa | sb) >= threshold:
        return True
    ta, tb = " ".join(a), " ".join(b)
    shorter, longer = sorted((len(ta), len(tb)))
    return shorter > 15 and shorter / longer > 0.6 and (ta in tb or tb in ta)


def normalize(container: _Element) -> None:
    """Wrap loose text and inline elements sitting directly in containers into <p> units."""
    if container.tag not in CONTAINERS:
        return
    para: _Element | None = None
    if container.text and container.text.strip():
        para = Element("p")
        para.text = container.text
        container.insert(0, para)
    container.text = None
    for child in list(container):
        if child is para:
            continue
        if child.tag in BLOCKS:
            if child.tag in CONTAINERS:
                normalize(child)
            tail, child.tail = child.tail, None
            para = None
            if tail and tail.strip():
                para = Element("p")
                para.text = tail
                child.addnext(para)
        elif para is not None:
            para.append(child)  # moves the inline element, with its tail, into the open <p>
        else:
            para = Element("p")
            child.addprevious(para)
            para.append(child)


def iter_units(container: _Element) -> Iterator[_Element]:
    """Leaf blocks of a normalized body in document order."""
    for child in container:
        if child.tag in CONTAINERS:
            yield from iter_units(child)
        else:
            yield child


def _remove(elem: _Element) -> None:
    parent = elem.getparent()
    if parent is None:
        return
    parent.remove(elem)
    if parent.tag in CONTAINERS and len(parent) == 0 and parent.getparent() is not None:
        _remove(parent)


def _mentions_date(tokens: list[str], date: str | None) -> bool:
    if not date or len(date) < 10:
        return False
    year, month, day = date[:4], date[5:7].lstrip("0"), date[8:10].lstrip("0")
    numbers = {tok.lstrip("0") for tok in tokens if tok.isdigit()}
    return year in tokens and (day in numbers or month in numbers)


def _anchor_index(anchors: tuple[str, ...]) -> dict[str, list[int]]:
    """Positions of the link texts in ``anchors`` by their first word."""
    index: dict[str, list[int]] = {}
    for position, anchor in enumerate(anchors):
        index.setdefault(anchor.split(" ", 1)[0], []).append(position)
    return index


def _link_share(tokens: list[str], anchors: tuple[str, ...], index: dict[str, list[int]]) -> float:
    """Share of the text's words that belong to link texts of the page.

    Link texts are removed longest first; only those starting with one of the text's words
    can occur in it (removals never create words), which the index finds without a scan.
    """
    remaining = f" {' '.join(tokens)} "
    total = len(remaining)
    positions = sorted({pos for tok in set(tokens) for pos in index.get(tok, ())})
    for anchor in (anchors[pos] for pos in positions):
        key = f" {anchor} "
        if key in remaining:
            remaining = remaining.replace(key, " ", 1)
    return 1.0 - len(remaining) / max(1, total)


def is_boilerplate(text: str, n_words: int) -> bool:
    """True for units that read like site furniture rather than article text."""
    core = _EDGE_PUNCT_RE.sub("", text)
    return (
        (n_words <= 6 and bool(_LABEL_RE.match(core)))
        or (n_words <= 30 and bool(_PREFIX_RE.match(text)))
        or (n_words <= 40 and bool(_PHRASE_RE.search(text)))
        or (n_words <= 12 and bool(_SHORT_PHRASE_RE.search(text)))
        or bool(_TIMESTAMP_RE.match(text))
    )


def _lead_drops(
    units: list[_Element], texts: list[str], tokens: list[list[str]], hints: PageHints
) -> set[int]:
    """Headline (and what precedes it), standfirst and dateline units at the top."""
    counts = [len(t) for t in tokens]
    lead_len = next(
        (i for i, u in enumerate(units) if u.tag in ("p", "item", "quote") and counts[i] >= 25),
        len(units),
    )
    # the headline is one of the first units, with little text before it
    window, before, total = [], 0, sum(counts)
    for i in range(min(HEADLINE_WINDOW, len(units))):
        if before > HEADLINE_MAX_BEFORE * total:
            break
        window.append(i)
        before += counts[i]
    headline = next(
        (
            i
            for i in window
            if units[i].tag in ("head", "p") and counts[i] <= 40 and similar(texts[i], hints.title)
        ),
        None,
    )
    h1s = [i for i, u in enumerate(units) if u.tag == "head" and u.get("rend") == "h1"]
    if headline is None and len(h1s) == 1 and h1s[0] in window:
        headline = h1s[0]  # a lone <h1> near the top is the headline even if it differs
    drops: set[int] = set()
    if headline is not None:
        drops.update(range(headline + 1))
        # a standfirst set as a heading under the headline repeats the page description
        drops.update(
            i
            for i in range(headline + 1, lead_len)
            if units[i].tag == "head" and similar(texts[i], hints.description, 0.6)
        )
    for i in range(lead_len):
        sentence = counts[i] > 8 and texts[i].rstrip().endswith((".", "!", "?", "…"))
        if counts[i] <= 15 and not sentence and _mentions_date(tokens[i], hints.date):
            drops.add(i)  # a dateline ("Published 18 November 2019, 5:45 AM")
    return drops


def _link_run_drops(units: list[_Element], tokens: list[list[str]], hints: PageHints) -> set[int]:
    """Runs of short lines made mostly of links: related-article lists, teaser boxes.

    A unit counts as one line per <lb/> break; three such lines in a row (two if they are
    nearly all link text) are dropped. Units of several lines need a majority of link text.
    """
    drops: set[int] = set()
    index = _anchor_index(hints.anchors)
    run: list[tuple[float, int]] = []  # (link share, lines) of the units in the current run
    for i in range(len(units) + 1):
        share, lines = 0.0, 1
        if i < len(units) and units[i].tag in ("item", "p", "head", "li"):
            lines += sum(1 for _ in units[i].iter("lb", "br"))
            if 0 < len(tokens[i]) <= 30 * lines:
                share = _link_share(tokens[i], hints.anchors, index)
        if share >= (0.3 if lines == 1 else 0.6):
            run.append((share, lines))
            continue
        total = sum(n for _, n in run)
        if total >= 3 or (total == 2 and min(s for s, _ in run) >= 0.6):
            drops.update(range(i - len(run), i))
        run = []
    return drops


def clean_body(body: _Element, hints: PageHints) -> None:
    """Drop non-article units from a trafilatura body tree, in place."""
    normalize(body)
    units = list(iter_units(body))
    texts = [unit_text(u) for u in units]
    tokens = [words(t) for t in texts]
    drops = _lead_drops(units, texts, tokens, hints)
    for i, text in enumerate(texts):
        n = len(tokens[i])
        if n and i not in drops and is_boilerplate(text, n):
            drops.add(i)
    if hints.anchors:
        keep = [i for i in range(len(units)) if i not in drops]
        run_drops = _link_run_drops([units[i] for i in keep], [tokens[i] for i in keep], hints)
        drops.update(keep[j] for j in run_drops)
    for i in sorted(drops, reverse=True):
        _remove(units[i])


# Headings that may separate an article from the next story's teaser.
_TEASER_HEADINGS = ("h1", "h2", "h3")


def _doc_order(tree: _Element, tags: tuple[str, ...]) -> dict[_Element, int]:
    """Document-order positions of the elements with these tags (enough to compare the
    positions and subtree spans of such elements, without numbering the whole page)."""
    return {elem: i for i, elem in enumerate(tree.iter(*tags))}


def _span_end(elem: _Element, order: dict[_Element, int], tags: tuple[str, ...]) -> int:
    """Position of the last element of ``order`` within elem's subtree (elem is in order)."""
    return order[elem] + sum(1 for _ in elem.iter(*tags)) - 1


_OUTSIDE_ARTICLE = frozenset({"footer", "aside", "nav", "header", "form"})


def recover_continuations(body: _Element, tree: _Element, keys: WordKeys | None = None) -> int:
    """Add article text that the page split into sibling containers (e.g. around ads).

    Extractors keep one content container; many CMS templates cut an article body into
    several containers sharing the same class. Such a container is added when it sits close
    to the extracted one, in the same <article>, outside footers and sidebars, with no linked
    heading (the teaser title of another story) in between. Returns the paragraphs added.
    ``keys`` memoizes the word keys of the page's elements.
    """
    keys = WordKeys() if keys is None else keys
    known = {word_key(u) for u in iter_units(body)}
    known.discard("")
    matched = [
        para
        for para in tree.iter("p")
        if (key := keys[para]) in known and key.count(" ") >= 14  # 15 words or more
    ]
    container = _shared_container(matched) if len(matched) >= 2 else None
    if container is None:
        return 0
    tags = tuple(dict.fromkeys((container.tag, *_TEASER_HEADINGS)))
    order = _doc_order(tree, tags)
    start, end = order[container], _span_end(container, order, tags)
    near = list(container.iterancestors())[:3]
    article = next(container.iterancestors("article"), None)
    before: list[_Element] = []
    after: list[_Element] = []
    for other in tree.iter(container.tag):
        if other.get("class") != container.get("class") or start <= order[other] <= end:
            continue
        ancestors = list(other.iterancestors())
        if (
            container in ancestors
            or other in near
            or not any(anc in near for anc in ancestors)
            or next(other.iterancestors("article"), None) is not article
            or any(anc.tag in _OUTSIDE_ARTICLE for anc in ancestors)
        ):
            continue
        (before if order[other] < start else after).append(other)
    span = (start, end)
    appended = _collect(after, tree, order, tags, span, known)
    prepended = _collect(before[::-1], tree, order, tags, span, known)[::-1]
    for text in (t for texts in appended for t in texts):
        SubElement(body, "p").text = text
    for index, text in enumerate(t for texts in prepended for t in texts):
        para = Element("p")
        para.text = text
        body.insert(index, para)
    return sum(len(texts) for texts in appended + prepended)


def _collect(
    candidates: list[_Element],
    tree: _Element,
    order: dict[_Element, int],
    tags: tuple[str, ...],
    span: tuple[int, int],
    known: set[str],
) -> list[list[str]]:
    """New paragraphs of each candidate, walking away from the span until a teaser heading."""
    lo, hi = span
    found = []
    for other in candidates:
        o_start = order[other]
        o_end = _span_end(other, order, tags)
        gap = (hi, o_start) if o_start > hi else (o_end, lo)
        if _linked_heading_between(tree, order, *gap):
            break
        texts = _new_paragraphs(other, known)
        if sum(len(words(t)) for t in texts) >= 30:
            found.append(texts)
            lo, hi = min(lo, o_start), max(hi, o_end)
    return found


def _new_paragraphs(container: _Element, known: set[str]) -> list[str]:
    """Texts of the container's paragraphs not extracted yet (and not boilerplate)."""
    texts = []
    for para in container.iter("p"):
        text = unit_text(para)
        key = " ".join(words(text))
        if key and key not in known and not is_boilerplate(text, len(key.split())):
            texts.append(text)
            known.add(key)
    return texts


def _shared_container(paragraphs: list[_Element]) -> _Element | None:
    """Nearest classed ancestor of the first paragraph holding most of the paragraphs."""
    need = max(2, len(paragraphs) // 2)
    for ancestor in paragraphs[0].iterancestors():
        if not ancestor.get("class"):
            continue
        inside = sum(1 for p in paragraphs if any(a is ancestor for a in p.iterancestors()))
        if inside >= need:
            return ancestor
    return None


def _linked_heading_between(
    tree: _Element, order: dict[_Element, int], start: int, stop: int
) -> bool:
    for heading in tree.iter(*_TEASER_HEADINGS):
        if start < order[heading] < stop and heading.find(".//a") is not None:
            return True
    return False
