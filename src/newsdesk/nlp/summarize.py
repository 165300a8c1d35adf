"""Extractive summary (3 sentences) and key points (3-5 short, distinct statements).

Sentence score = position prior (news puts the gist first) + centrality (TF-ISF cosine to the
article's centroid) + overlap with the headline; sentences are picked greedily with a
redundancy penalty (MMR) and returned in article order. Boilerplate (bylines, "Scroll down
for video", photo credits, questions to the reader) is never picked. Weights were set on half 0
of the FRANK CNN/DM articles in ../shared/data (bench/summaries.py), not on half 1, XSum or the
holdout. The article page's summary box leaves out the opening it prints right below
(``skip_words``) and summarises the rest.

Key points come from the sentences the summary did not use (clauses of long sentences are
split off), favouring informative ones (numbers, names) and avoiding quotes and redundancy.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from newsdesk.nlp.dateline import is_timestamp
from newsdesk.nlp.text import fold_plural

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*")
_JUNK = re.compile(
    r"^(?:by\b|published:|updated:|last updated|scroll down|click here|follow\b|image (?:copyright|caption)|"
    r"picture:|pictured:|photo:|video:|watch:|read more|share this|copyright|all rights|"
    r"sign up|subscribe|advertisement|media playback is)|@\w+|\b(?:e-?mail|whatsapp|facebook|twitter)\b.*\b(?:us|here)\b",
    re.IGNORECASE,
)
# A call to action: "Follow live updates here.", "Find election results for the US 2022 Midterm
# Election here." (CNN's teasers); on 2,225 BBC articles and FRANK's 334 it matches one line.
_CALL_TO_ACTION = re.compile(
    r"^(?:find|follow|read|watch|see|get|sign up|subscribe|listen|click|tap|check out|"
    r"learn more|download|join|visit)\b[^.!?]{0,120}\bhere[.!:]?$",
    re.IGNORECASE,
)
# An offer to the reader: "Get 10% Off Your Ticket to NSSpain X!", "Use code RADAR for 20%
# off.", "… can use the special code, empower 30, to get 30% off", "And get 10% off your
# ticket", "Get a $20 credit." (a podcast's promotion outside a sponsor's read).
_OFFER = re.compile(
    r"^(?:get|save|use|enjoy|claim)\b[^.!?]{0,80}(?:\d+ ?% off|\bdiscount\b(?! rate)|"
    r"\bpromo code|\bcoupon|\bcode (?-i:[A-Z0-9]{3,}\b))"
    r"|\b(?:promo|promotional|discount|coupon|special|offer) codes?\b|\bget (?:a )?(?:\d+ ?% off|[$£€]\d+ (?:credit|off))\b",
    re.IGNORECASE,
)
# A photo caption run into the text without a full stop (Daily Mail copy: "Raheem Sterling
# (right) was pictured smoking ... Liverpool boss Brendan Rodgers (left) hasn't ..."): a
# bracketed position in the picture. Captions restate the story's names, so centrality would
# pick them.
_CAPTION = re.compile(
    r"\((?:left|right|centre|center|pictured|top|bottom|above|below|inset|far left|far right)"
    r"\b[^)]*\)",
    re.IGNORECASE,
)
# A list item ("- A comprehensive ban on smoking in all enclosed public places") or any line
# without a closing full stop, ! or ? (a headline, a caption, a list item) is no sentence to
# summarise with: in a paragraph of sentences it runs into the next one.
_LIST_ITEM = re.compile(r"^\s*[-•*–—]\s")
_ENDS = re.compile(r"[.!?][\"'’”)\]]*\s*$")
_CONNECTIVE = re.compile(
    r"^(?:but|and|so|however|meanwhile|also|still|yet|instead|indeed|in addition|moreover|"
    r"furthermore|nevertheless|in fact|now|then|thus|therefore)\b[,]?\s*",
    re.IGNORECASE,
)
# Where a long sentence may be cut into points that keep a main clause: at a semicolon or a
# contrasting conjunction. Never at a dash (it opens an aside that the clause needs back: "any
# change in Syria – and in particular Turkish bases – is a red line") nor inside a quotation.
_CLAUSE_SPLIT = re.compile(r";\s+|,\s+(?:but|while|whereas|although)\s+")
# A quotation: double quotes, curly quotes, or single quotes that open after a space or a
# bracket and close before a space or punctuation (so apostrophes do not count).
_QUOTATION = re.compile(
    r"\"[^\"]*\"|“[^”]*”|(?:(?<=^)|(?<=[\s(\[]))['‘][^'’]*['’](?=[\s.,;:!?)\]]|$)"
)
_QUOTE_START = re.compile(r"^[\"“'‘]")
# A point opening on a pronoun ("He reported contamination ...") leaves the reader of a list of
# points to guess who: it stands only when no point without one is as good.
_PRONOUN_START = re.compile(r"^(?:he|she|they|it|his|her|their|its|him|them)\b", re.IGNORECASE)

# Weights (see module docstring). POS_DECAY and MMR_LAMBDA were chosen on half 0 of FRANK's
# CNN/DM articles (bench/summaries.py --half 0: a grid over POS_WEIGHT 1-4, POS_DECAY 0.6/1.2,
# CENT_WEIGHT 0.4/0.8, MMR_LAMBDA 0.2/0.5); half 1 and XSum report them.
POS_WEIGHT = 1.0
POS_DECAY = 0.6
CENT_WEIGHT = 0.8
TITLE_WEIGHT = 0.4
MMR_LAMBDA = 0.2


def _terms(sentence: str) -> list[str]:
    return [
        fold_plural(w)
        for w in _WORD.findall(sentence)
        if w.lower() not in STOP_WORDS and len(w) > 1
    ]


# A list of names that trails off ("Unity, Microsoft, Adobe, Homebrew, etc..." of a podcast's
# show notes): no sentence.
_NAME = r"[A-Z][\w.&+'’-]*(?: [A-Z][\w.&+'’-]*){0,2}"
_NAME_LIST = re.compile(rf"^(?:{_NAME}, ){{2,}}(?:(?:and|or) )?(?:{_NAME},? )?etc\b\.*\s*$")


# A sponsor's read in a podcast's show notes: after a line that announces it ("This episode of
# Under the Radar is sponsored by:", "Sponsors"), the sponsor's line and what follows up to
# the next heading (a line of a few words without end punctuation: "Links and Show Notes").
_SPONSOR_LINE = re.compile(
    r"^(?:(?:our |today's |this week's )?sponsors?|.*\b(?:sponsored by|brought to you by):)$",
    re.IGNORECASE,
)
_HEADING_WORDS = 5


def announces_sponsor(line: str) -> bool:
    """The line announces a sponsor's read (_SPONSOR_LINE)."""
    return bool(_SPONSOR_LINE.match(line.strip()))


def sponsor_reads(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` that are a sponsor's read (_SPONSOR_LINE)."""
    spans: list[tuple[int, int]] = []
    lines = [(m.start(), m.group().strip()) for m in re.finditer(r"[^\n]+", text)]
    i = 0
    while i < len(lines):
        start, line = lines[i]
        if not announces_sponsor(line):
            i += 1
            continue
        j = i + 2  # the announcement, then the sponsor's line
        while j < len(lines) and not is_heading(lines[j][1]):
            j += 1
        spans.append((start, lines[j][0] if j < len(lines) else len(text)))
        i = j
    return spans


def is_heading(line: str) -> bool:
    """A line of a few words without end punctuation but a colon ("Links and Show Notes:"),
    and no address."""
    return (
        len(line.split()) <= _HEADING_WORDS
        and not line.endswith((".", "!", "?", "…"))
        and "://" not in line
    )


def is_offer(s: str) -> bool:
    """Whether a sentence offers the reader a discount or a promotion code."""
    return _OFFER.search(s) is not None


def _boilerplate(s: str) -> bool:
    """A byline, a timestamp, a caption, a call to action, an offer or a list of names: never
    summary text, even as the fallback for an article of short sentences."""
    return bool(
        _JUNK.search(s[:80])
        or is_timestamp(s)
        or _CAPTION.search(s)
        or _CALL_TO_ACTION.match(s)
        or is_offer(s)
        or _NAME_LIST.match(s)
    )


def _is_junk(s: str) -> bool:
    n = len(s.split())
    if n < 5 or n > 90 or _boilerplate(s.strip()):
        return True
    if _LIST_ITEM.match(s) or not _ENDS.search(s):
        return True
    return s.rstrip().endswith("?") and n < 15


@dataclass
class _Sent:
    index: int
    text: str
    terms: dict[str, float]
    norm: float
    score: float = 0.0


def _vectors(sents: list[str]) -> list[_Sent]:
    tfs = [Counter(_terms(s)) for s in sents]
    df: Counter[str] = Counter()
    for tf in tfs:
        df.update(tf.keys())
    n = len(sents)
    out = []
    for i, (s, tf) in enumerate(zip(sents, tfs, strict=True)):
        weighted = {t: (1 + math.log(c)) * math.log(1 + n / df[t]) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
        out.append(_Sent(i, s, weighted, norm))
    return out


def _cos(a: _Sent, b: _Sent) -> float:
    if len(a.terms) > len(b.terms):
        a, b = b, a
    dot = sum(v * b.terms.get(t, 0.0) for t, v in a.terms.items())
    return dot / (a.norm * b.norm)


def _score(sents: list[str], title: str) -> list[_Sent]:
    """The sentences scored for a summary; fresh objects each call (callers change scores),
    computed once for the summary and the key points of one article (`_scored`)."""
    return [replace(v) for v in _scored(tuple(sents), title)]


@lru_cache(maxsize=4)
def _scored(sents: tuple[str, ...], title: str) -> tuple[_Sent, ...]:
    vecs = _vectors(list(sents))
    centroid: dict[str, float] = {}
    for v in vecs:
        for t, w in v.terms.items():
            centroid[t] = centroid.get(t, 0.0) + w / v.norm
    cnorm = math.sqrt(sum(w * w for w in centroid.values())) or 1.0
    title_terms = set(_terms(title))
    for v in vecs:
        cent = sum(w * centroid.get(t, 0.0) for t, w in v.terms.items()) / (v.norm * cnorm)
        tsim = len(title_terms & set(v.terms)) / math.sqrt(len(title_terms) or 1)
        prior = 1.0 / (1.0 + v.index) ** POS_DECAY
        v.score = POS_WEIGHT * prior + CENT_WEIGHT * cent + TITLE_WEIGHT * min(tsim, 1.0)
        if _is_junk(v.text):
            v.score = -1.0
    return tuple(vecs)


def _mmr(cands: list[_Sent], k: int, chosen: list[_Sent] | None = None) -> list[_Sent]:
    picked: list[_Sent] = []
    pool = [c for c in cands if c.score > 0]
    prior = list(chosen or [])
    # each candidate's greatest similarity to what is chosen so far, updated per pick
    redundancy = [max((_cos(c, p) for p in prior), default=0.0) for c in pool]
    while pool and len(picked) < k:
        j = max(range(len(pool)), key=lambda i: pool[i].score - MMR_LAMBDA * redundancy[i])
        best = pool.pop(j)
        redundancy.pop(j)
        picked.append(best)
        redundancy = [max(r, _cos(c, best)) for c, r in zip(pool, redundancy, strict=True)]
    return picked


def summarize_sentences(
    sents: list[str], title: str = "", n: int = 3, skip_words: int = 0
) -> list[int]:
    """Indices (in article order) of the `n` summary sentences.

    `skip_words`: sentences that end within the article's first `skip_words` words are not
    picked (the article page prints them right below its summary box); they still count
    for centrality, and there is no fallback to the lead then.
    """
    if not sents:
        return []
    vecs = _score(sents, title)
    if skip_words:
        seen = 0
        for v in vecs:
            seen += len(v.text.split())
            if seen > skip_words:
                break
            v.score = -1.0
        return sorted(v.index for v in _mmr(vecs, n))
    picked = _mmr(vecs, n)
    if not picked:  # all unfit: fall back to the lead (never to fill up a shorter summary),
        # its sentences only: show notes' lines ("Youtube Video", "iOS 14") and questions (an
        # episode's topics: "Why should companies go with a cross-platform solution?") make
        # no summary
        picked = [
            v
            for v in vecs
            if not _boilerplate(v.text.strip())
            and _ENDS.search(v.text)
            and not v.text.rstrip().endswith("?")
        ]
        picked = picked[:n]
    return sorted(v.index for v in picked)


def balanced_quotes(text: str) -> bool:
    """Every quotation that opens in the text closes in it."""
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        return False
    rest = _QUOTATION.sub("", text)
    return not re.search(r"(?:^|[\s(\[])['‘]\w", rest)


def _clauses(sentence: str) -> list[str]:
    """The sentence's clauses (see _CLAUSE_SPLIT), each of six words or more with its quotes
    whole; [] when it cannot be cut that way."""
    if not balanced_quotes(sentence):
        return []  # a quotation running over several sentences: cutting would break it
    quoted = [m.span() for m in _QUOTATION.finditer(sentence)]
    parts, start = [], 0
    for cut in _CLAUSE_SPLIT.finditer(sentence):
        if any(a < cut.start() < b for a, b in quoted):
            continue
        parts.append(sentence[start : cut.start()])
        start = cut.end()
    parts.append(sentence[start:])
    if len(parts) == 1:
        return []
    pieces = [p.strip(" ,;") for p in parts]
    return [p for p in pieces if len(p.split()) >= 6 and balanced_quotes(p)]


# Connectives that never begin a sentence's own subject or verb ("Now is the time", "Yet
# another", "So far" keep theirs); any connective followed by a comma goes too.
_LINKING_WORDS = (
    "but and however meanwhile also moreover furthermore nevertheless instead indeed therefore thus"
)
_LINKING = frozenset(_LINKING_WORDS.split(" ")) | {"in addition", "in fact"}


# A connective set off by commas after an opening subordinate clause: "If you need to connect
# to older servers, however, you can now add exceptions" answers a sentence the reader never
# saw (not "it was, however, too late": there it is the clause's own word).
_INSET_CONNECTIVE = re.compile(
    r"^((?:if|when|while|although|as|after|before|since|because|unless|once)\b"
    r"[^,;:\"“”]{3,160}),\s+(?:however|though|meanwhile|instead|nevertheless|therefore|"
    r"moreover|furthermore|in turn)\s*,\s+",
    re.IGNORECASE,
)


def strip_connective(sentence: str) -> str:
    """The sentence without an opening connective ("But the company said ..." -> "The company
    said ...") or one set off by commas after an opening "If …" clause, for a point or a
    paragraph read without the sentence before."""
    s = _INSET_CONNECTIVE.sub(r"\1, ", sentence.strip(), count=1)
    m = _CONNECTIVE.match(s)
    if m is None:
        return s
    word = " ".join(m.group(0).strip(" ,").lower().split())
    rest = s[m.end() :]
    if not rest or (word not in _LINKING and not m.group(0).rstrip().endswith(",")):
        return s
    if rest[0].islower():
        return rest[0].upper() + rest[1:]
    quoted = rest[0] in "\"“'‘" and rest[1:2].isupper()  # '"We will ..."'
    return rest if rest[0].isupper() or quoted else s


def _tidy(point: str) -> str:
    point = strip_connective(point)
    if point and point[0].islower():
        point = point[0].upper() + point[1:]
    if point and point[-1] not in ".!?\"”'’":
        point += "."
    return point


def key_points(
    sents: list[str], summary_idx: list[int], title: str = "", low: int = 3, high: int = 5
) -> list[str]:
    """3-5 short distinct statements that add to the summary."""
    if not sents:
        return []
    vecs = _score(sents, title)
    summary = [vecs[i] for i in summary_idx]
    cands: list[_Sent] = []
    in_summary = set(summary_idx)
    for v in vecs:
        if v.score <= 0:
            continue
        pieces = [v.text]
        if len(v.text.split()) > 30 or v.index in in_summary:
            pieces = _clauses(v.text) or ([v.text] if v.index not in in_summary else [])
        for piece in pieces:
            nwords = len(piece.split())
            if nwords > 40 or not balanced_quotes(piece):
                continue
            sub = _vectors_like(piece, v)
            info = sum(1 for w in _WORD.findall(piece) if w[0].isdigit() or w[0].isupper())
            score = v.score + 0.05 * min(info, 6)
            if _QUOTE_START.match(piece) or _PRONOUN_START.match(strip_connective(piece)):
                score *= 0.5
            if v.index in in_summary:
                score *= 0.4
            if nwords > 30:
                score *= 0.7
            sub.score = score
            cands.append(sub)
    picked = _mmr(cands, high, summary)
    picked = [p for p in picked if all(_cos(p, s) < 0.6 for s in summary) or len(picked) <= low]
    if len(picked) > low:
        best = picked[0].score
        picked = picked[:low] + [p for p in picked[low:] if p.score >= 0.5 * best]
    picked.sort(key=lambda p: (p.index, sents[p.index].find(p.text)))
    out: list[str] = []
    for p in picked:
        t = _tidy(p.text)
        if t and t not in out:
            out.append(t)
    return out[:high]


def _vectors_like(piece: str, parent: _Sent) -> _Sent:
    if piece == parent.text:
        return _Sent(parent.index, piece, parent.terms, parent.norm, parent.score)
    terms = _terms(piece)
    weighted = {t: parent.terms.get(t, 1.0) for t in terms}
    norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
    return _Sent(parent.index, piece, weighted, norm, parent.score)


STORY_SUPPORT_WEIGHT = 1.0  # agreement of the other outlets
STORY_LEAD_WEIGHT = 0.3  # the first sentence of an article's summary
STORY_CENTRAL_WEIGHT = 0.2  # the story's most central articles first


def summarize_story(articles: list[tuple[str | None, list[str]]], n: int = 3) -> list[str]:
    """A story's summary across its outlets, from its articles' own summaries.

    `articles`: (outlet, summary sentences), the story's most central article first. A sentence
    scores by how much the other outlets' sentences agree with it (its best match in each other
    outlet, averaged), plus small priors for leads and central articles; three are picked with
    the redundancy penalty, so they tend to come from different articles. One outlet: its lead
    article's summary.
    """
    cands: list[tuple[str, str, int, int]] = []
    for rank, (outlet, sents) in enumerate(articles):
        for pos, sent in enumerate(sents):
            if sent and not _is_junk(sent):
                cands.append((sent, outlet or f"#{rank}", rank, pos))
    outlets = {c[1] for c in cands}
    if len(outlets) < 2:  # the lead article's summary, without its junk ("Follow live updates")
        lead = [x for x in (articles[0][1] if articles else []) if x]
        fit = [x for x in lead if not _is_junk(x)]
        return (fit or [x for x in lead[:1] if not _boilerplate(x.strip())])[:n]
    vecs = _vectors([c[0] for c in cands])
    for v, (_, outlet, rank, pos) in zip(vecs, cands, strict=True):
        best: dict[str, float] = {}
        for w, other in zip(vecs, cands, strict=True):
            if other[1] != outlet:
                best[other[1]] = max(best.get(other[1], 0.0), _cos(v, w))
        support = sum(best.values()) / len(best)
        v.score = (
            STORY_SUPPORT_WEIGHT * support
            + STORY_LEAD_WEIGHT * (pos == 0)
            + STORY_CENTRAL_WEIGHT / (1 + rank)
        )
    seen: set[str] = set()
    unique = []
    for v in vecs:
        if v.text.lower() not in seen:  # the same wire sentence in several outlets
            seen.add(v.text.lower())
            unique.append(v)
    picked = _mmr(unique, n)
    picked.sort(key=lambda v: (cands[v.index][3], cands[v.index][2]))
    return [v.text for v in picked]
