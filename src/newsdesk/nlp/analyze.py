"""One entry point for text analysis: entities, hashtags, quotes, descriptions, figures, summary.

    analyze(title, text, outlet=None) -> Analysis
    analyze_many([(title, text), ...], outlets=None, n_process=1) -> list[Analysis]
    run_analyze(paths, out) -> exit code      # `newsdesk analyze PATH... --json`

Pure functions (no database). The spaCy model is loaded once per process on first use.
``MODEL_VERSION`` changes whenever the outputs would change: the store re-enriches articles
whose stored version differs.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, TextIO

from newsdesk.children import end_with_parent
from newsdesk.extract.language import detect_language
from newsdesk.nlp.dateline import dateline_length, is_timestamp, strip_dateline
from newsdesk.nlp.entities import EntityResult, extract_entities
from newsdesk.nlp.figures import extract_figures
from newsdesk.nlp.keyphrases import BACKGROUND, Keyphrase, rank_keyphrases, select_hashtags
from newsdesk.nlp.model import MODEL_NAME, SENTENCES_KEY, get_nlp, one_blas_thread
from newsdesk.nlp.names import name_tags
from newsdesk.nlp.quoted import marked_quotes
from newsdesk.nlp.quotes import QuoteSpan, extract_quotes, transcript_start
from newsdesk.nlp.summarize import key_points, sponsor_reads, summarize_sentences
from newsdesk.nlp.summary_box import box_from_sentences
from newsdesk.nlp.text import normalize_text, split_sentences
from newsdesk.nlp.truecase import truecase_headline
from newsdesk.nlp.types import Analysis, Figure, Hashtag

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Bump the first part whenever rules, weights or word lists change.
MODEL_VERSION = f"nlp-1.79+{MODEL_NAME}" + ("" if BACKGROUND == "wordfreq" else "+no-wordfreq")
MAX_CHARS = 40_000  # longer bodies are cut (at a paragraph end) before analysis
SUMMARY_SENTENCES = 3


@dataclass
class _Prepared:
    title: str
    body: str
    text: str  # title + "\n" + body, what spaCy sees
    body_start: int
    language: str | None


def _detect_language(text: str) -> str | None:
    """The language when the guess is confident (a headline's few words often are not)."""
    return detect_language(text[:400])


def _prepare(title: str, text: str, language: str | None = None) -> _Prepared:
    title = normalize_text(title or "").replace("\n", " ")
    body = normalize_text(text or "")
    if _repeats_headline(title, body):
        body = body[len(title) :].lstrip()
    if len(body) > MAX_CHARS:
        cut = body.rfind("\n", 0, MAX_CHARS)
        body = body[: cut if cut > MAX_CHARS // 2 else MAX_CHARS]
    language = language or _detect_language(f"{title}. {body}")
    if language in (None, "en"):
        title = truecase_headline(title, body)  # "… Marries … in Beach Wedding": a sentence
    joined = f"{title}\n{body}" if title else body
    body_start = len(title) + 1 if title else 0
    return _Prepared(title, body, joined, body_start, language)


def _repeats_headline(title: str, body: str) -> bool:
    """Whether the body opens with the headline as a line or a sentence of its own ("The
    NSDateInterval Object Somehow, this …"), not as the subject of its first sentence ("Dakota
    Johnson, whose new documentary …", "App Store Connect 1.6 is now available …")."""
    if not title or not body.startswith(title):
        return False
    rest = body[len(title) :]
    after = rest.lstrip(".!?:").lstrip(" \t")
    return not after or after[0] == "\n" or (rest[0] in " \t.!?:" and after[0].isupper())


def _body_sentences(doc: Doc, prep: _Prepared) -> list[tuple[int, int]]:
    """split_sentences(prep.body), from the spans the pipeline found in headline + body
    (paragraphs are split independently, and the headline is a paragraph of its own); none
    of a transcript ("[00:00:07] Michael Katz (Guest): Yeah, I wish." is no key point) nor of
    a sponsor's read ("Freshbooks: Online invoicing made easy.")."""
    spans = doc.user_data.get(SENTENCES_KEY)
    if spans is None:
        out = split_sentences(prep.body)
    else:
        start = prep.body_start
        out = [(a - start, b - start) for a, b in spans if a >= start]
    transcript = transcript_start(prep.body)
    if transcript is not None:
        out = [(a, b) for a, b in out if a < transcript]
    ads = sponsor_reads(prep.body)
    return [(a, b) for a, b in out if not any(x <= a < y for x, y in ads)]


def tag_article(
    doc: Doc, title_end: int, outlet: str | None = None
) -> tuple[EntityResult, list[Keyphrase], list[Hashtag], list[QuoteSpan]]:
    """Entities, keyphrases, hashtags and quotes of a parsed headline + body (the body from
    `title_end`): no name or keyphrase from the body's dateline ("DOHA:"); the headline's and
    the lead's actors first among the hashtags, then the people quoted. bench/hashtags.py
    measures this."""
    body = doc.text[title_end:]
    dateline = (title_end, title_end + dateline_length(body))
    ents = extract_entities(doc, title_end, dateline)
    ranked = rank_keyphrases(doc, title_end, ents, dateline=dateline)
    spans = extract_quotes(doc, ents, title_end)
    lead = next((s for s in doc.sents if s.start_char >= dateline[1]), None)
    lead_span = (dateline[1], lead.end_char) if lead is not None else (0, 0)
    speakers = [
        q.speaker_entity
        for q in spans
        if q.speaker_entity and not _outlets_own(doc.text, q.speaker_span, outlet)
    ]
    hashtags = select_hashtags(
        ranked, ents, outlet, lead=lead_span, speakers=speakers, headline=doc.text[:title_end]
    )
    ads = [(title_end + a, title_end + b) for a, b in sponsor_reads(body)]
    if ads:
        hashtags = [h for h in hashtags if not _advertised(h, ents, doc.text, ads)]
    return ents, ranked, hashtags, spans


def _advertised(tag: Hashtag, ents: EntityResult, text: str, ads: list[tuple[int, int]]) -> bool:
    """A hashtag that only a sponsor's read names (#Xojo of "Xojo: Create native
    cross-platform desktop, web, mobile & Raspberry Pi apps."): the episode is not about it."""
    forms = {tag.label}
    cluster = ents.resolve(tag.label) if tag.kind != "topic" else None
    if cluster is not None:
        forms.update(cluster.aliases())
    hits = [
        m.start()
        for form in forms
        for m in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", text, re.IGNORECASE)
    ]
    return bool(hits) and all(any(a <= h < b for a, b in ads) for h in hits)


def _outlets_own(text: str, span: tuple[int, int] | None, outlet: str | None) -> bool:
    """Whether a speaker is the outlet's own journalist ("The BBC's correspondent in Jakarta,
    Rachel Harvey, told …" on BBC News): a reporter, not an actor of the story."""
    brand = next(iter((outlet or "").split()), "")  # "BBC" of "BBC News"
    if not brand or span is None:
        return False
    start = max(text.rfind(".", 0, span[0]) + 1, span[0] - 80)
    return f"{brand}'s" in text[start : span[1]] or f"{brand}’s" in text[start : span[1]]


def _analyze_doc(doc: Doc, prep: _Prepared, outlet: str | None) -> Analysis:
    title_end = prep.body_start
    ents, _ranked, hashtags, spans = tag_article(doc, title_end, outlet)
    quotes = [q.to_quote() for q in spans]
    figures = [f.to_figure() for f in extract_figures(doc, spans, prep.body_start, ents)]
    sents = [strip_dateline(prep.body[a:b]) for a, b in _body_sentences(doc, prep)]
    idx = summarize_sentences(sents, prep.title, SUMMARY_SENTENCES)
    return Analysis(
        box=box_from_sentences(sents, prep.title),
        summary=[sents[i] for i in idx],
        key_points=key_points(sents, idx, prep.title),
        hashtags=hashtags,
        entities=ents.to_mentions(),
        quotes=quotes,
        descriptions=ents.descriptions,
        figures=figures,
        language=prep.language or "en",
        headline_verb=any(t.tag_ in FINITE_TAGS for t in doc[: _tokens_before(doc, title_end)])
        if prep.title
        else None,
    )


# A verb that makes a clause (said, says, say; will): a headline with one reports something.
FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})


def _tokens_before(doc: Doc, end: int) -> int:
    """How many tokens start before character `end` (the headline's, for `end` = its end)."""
    return next((t.i for t in doc if t.idx >= end), len(doc))


def _lead_only(prep: _Prepared) -> Analysis:
    """Non-English text: the English models would produce noise; keep a lead summary, tag the
    names the text uses and the offices written before people's names (nlp.names), and take
    the quotes a name is written beside (nlp.quoted)."""
    sents = [strip_dateline(prep.body[a:b]) for a, b in split_sentences(prep.body)]
    sents = [s for s in sents if not is_timestamp(s)]
    hashtags, offices = name_tags(prep.title, prep.body, prep.language)
    return Analysis(
        summary=sents[:SUMMARY_SENTENCES],
        hashtags=hashtags,
        quotes=marked_quotes(prep.body, prep.language, hashtags),
        descriptions=offices,
        language=prep.language,
        box=box_from_sentences(sents, prep.title),
    )


def analyze(title: str, text: str, outlet: str | None = None) -> Analysis:
    """Analysis of one article (headline + plain-text body)."""
    return analyze_many([(title, text)], outlets=[outlet])[0]


def analyze_many(
    docs: Sequence[tuple[str, str]],
    outlets: Sequence[str | None] | None = None,
    batch_size: int = 16,
    n_process: int = 1,
    languages: Sequence[str | None] | None = None,
) -> list[Analysis]:
    """Analyses of many (title, text) pairs, in order; batched through spaCy.

    `languages`: each text's language when already known (a feed's declared language for a
    headline too short to tell); else it is detected. The English models run only on English
    (or unidentified) text. `n_process` > 1 runs whole analyses in that many forked worker
    processes (each loads the model once); 1 (the default) runs in this process. See
    bench/enrich_speed.py.
    """
    docs = list(docs)
    outs: list[str | None] = list(outlets) if outlets is not None else [None] * len(docs)
    langs: list[str | None] = list(languages) if languages is not None else [None] * len(docs)
    if len(outs) != len(docs) or len(langs) != len(docs):
        raise ValueError("outlets and languages must have one entry per document")
    if n_process > 1 and len(docs) >= 2 * n_process:
        return _parallel(docs, outs, langs, batch_size, n_process)
    preps = [_prepare(t, x, lang) for (t, x), lang in zip(docs, langs, strict=True)]
    results: list[Analysis | None] = [None] * len(docs)
    english = []
    for i, p in enumerate(preps):
        if p.language not in (None, "en") or not p.text.strip():
            results[i] = _lead_only(p) if p.text.strip() else Analysis(language=p.language)
        else:
            english.append(i)
    if english:
        nlp = get_nlp()
        texts = (preps[i].text for i in english)
        with one_blas_thread():
            for i, doc in zip(english, nlp.pipe(texts, batch_size=batch_size), strict=True):
                results[i] = _analyze_doc(doc, preps[i], outs[i])
    return [r if r is not None else Analysis() for r in results]


def _worker(
    args: tuple[list[tuple[str, str]], list[str | None], list[str | None], int],
) -> list[Analysis]:
    docs, outs, langs, batch_size = args
    return analyze_many(docs, outs, batch_size=batch_size, n_process=1, languages=langs)


def _parallel(
    docs: list[tuple[str, str]],
    outs: list[str | None],
    langs: list[str | None],
    batch_size: int,
    n_process: int,
) -> list[Analysis]:
    chunk = max(1, min(64, len(docs) // (n_process * 4) or 1))
    jobs = [
        (docs[i : i + chunk], outs[i : i + chunk], langs[i : i + chunk], batch_size)
        for i in range(0, len(docs), chunk)
    ]
    ctx = get_context("fork") if sys.platform != "win32" else get_context()
    results: list[Analysis] = []
    with ProcessPoolExecutor(
        max_workers=n_process, mp_context=ctx, initializer=end_with_parent
    ) as pool:
        for part in pool.map(_worker, jobs):
            results.extend(part)
    return results


# --- `newsdesk analyze` -------------------------------------------------------------------


def analysis_to_json(a: Analysis) -> dict[str, Any]:
    """The JSON object `newsdesk analyze --json` prints for one article."""
    return {
        "summary": list(a.summary),
        "key_points": list(a.key_points),
        "hashtags": [f"#{h.tag}" for h in a.hashtags],
        "entities": [{"text": e.text, "type": e.type} for e in a.entities],
        "quotes": [{"quote": q.quote, "speaker": q.speaker, "cue": q.cue} for q in a.quotes],
        "figures": [figure_to_json(f) for f in a.figures],
    }


def figure_to_json(f: Figure) -> dict[str, Any]:
    """A figure as `newsdesk analyze --json` and the JSON API print it."""
    return {
        "value": f.value,
        "low": f.low,
        "high": f.high,
        "unit": f.unit,
        "what": f.what,
        "when": f.when,
        "source": f.source,
        "sentence": f.sentence,
    }


def read_article(path: str, stdin: TextIO | None = None) -> tuple[str, str]:
    """(headline, body) of a plain-text file: first line the headline; '-' reads stdin."""
    if path == "-":
        raw = (stdin or sys.stdin).read()
    else:
        with open(path, encoding="utf-8", errors="replace") as fh:
            raw = fh.read()
    raw = raw.lstrip("\ufeff").lstrip("\r\n")
    head, _, body = raw.partition("\n")
    return head.strip(), body


def run_analyze(paths: list[str], out: TextIO, stdin: TextIO | None = None) -> int:
    """Analyse plain-text articles and print one JSON object per line, in argument order.

    Returns 0, or 2 (with a message on stderr and nothing printed) if an input can't be read.
    """
    articles: list[tuple[str, str]] = []
    for path in paths:
        try:
            articles.append(read_article(path, stdin))
        except OSError as exc:
            print(f"newsdesk analyze: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    n_process = 2 if len(articles) >= 64 and (os.cpu_count() or 1) > 1 else 1
    for analysis in analyze_many(articles, n_process=n_process):
        out.write(json.dumps(analysis_to_json(analysis), ensure_ascii=False) + "\n")
    out.flush()
    return 0
