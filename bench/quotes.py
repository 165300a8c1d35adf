"""Quote attribution benchmark on PolNeAR (political news, brat standoff attributions).

Data: ../shared/data/polnear-attribution (see SOURCE.md); default: the dev split (84
articles), `--split train` or `--split all` (train + dev + annotator-training). One
annotator's .ann per article (the first by file name).

Gold: every attribution E (Source, Cue, Content spans). A gold attribution is a *direct quote*
when its Content starts with a quotation mark (" “ ‘ ').
Matching rule: spans are compared as sets of character offsets, ignoring whitespace and
quotation marks. A prediction matches a gold content span when the overlap covers at least
50% of each of them (min-coverage >= 0.5); matching is one-to-one, greedy by overlap.
Figures: precision, recall, F1 of direct-quote content spans (newsdesk quotes of kind
"direct"); the same for reported speech (newsdesk "reported" vs. gold non-direct
attributions); speaker accuracy on matched direct quotes: correct when the speaker mention
newsdesk attributed (as written, before pronoun resolution) overlaps the gold Source span, or
when both name the same person/organisation (canonical key / surname rule), e.g. a quote that
continues an earlier speaker.
Baseline for speakers, on the same matched quotes: the nearest-"said"-name heuristic (the
person/organisation name or pronoun closest to the nearest "said/says/told" in the quote's
paragraph; otherwise the closest preceding person name).

    python bench/quotes.py [--split dev|train|all] [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import SHARED, data_missing, write_json

from newsdesk.nlp.entities import canonical_key, extract_entities, same_person
from newsdesk.nlp.model import get_nlp
from newsdesk.nlp.quotes import QuoteSpan, extract_quotes

DATA = SHARED / "polnear-attribution" / "data"
QMARKS = set("\"“”‘’'«»")
_PRON = {"he", "she", "they", "it", "we", "i", "who", "his", "her"}


@dataclass
class Gold:
    content: set[int]
    content_text: str
    source: set[int]
    source_text: str
    direct: bool


def char_set(text: str, spans: list[tuple[int, int]]) -> set[int]:
    return {
        i for a, b in spans for i in range(a, b) if not text[i].isspace() and text[i] not in QMARKS
    }


def parse_ann(path: Path, text: str) -> list[Gold]:
    spans: dict[str, tuple[str, list[tuple[int, int]], str]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T") and line.count("\t") >= 1:
            tid, info, *rest = line.split("\t")
            label, _, offsets = info.partition(" ")
            segs = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            spans[tid] = (label, [(a, b) for a, b in segs], rest[0] if rest else "")
        elif line.startswith("E") and "\t" in line:
            _, args = line.split("\t", 1)
            roles = dict(part.split(":", 1) for part in args.split())
            events.append(roles)
    out: list[Gold] = []
    for ev in events:
        content = spans.get(ev.get("Content", ""))
        if content is None:
            continue
        source = spans.get(ev.get("Source", ""))
        ctext = text[content[1][0][0] : content[1][0][1]].lstrip()
        out.append(
            Gold(
                content=char_set(text, content[1]),
                content_text=content[2],
                source=char_set(text, source[1]) if source else set(),
                source_text=source[2] if source else "",
                direct=ctext[:1] in QMARKS,
            )
        )
    return out


def match(preds: list[set[int]], golds: list[set[int]]) -> list[tuple[int, int]]:
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            if not p or not g:
                continue
            inter = len(p & g)
            if inter >= 0.5 * len(p) and inter >= 0.5 * len(g):
                pairs.append((inter, i, j))
    pairs.sort(reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def speaker_ok(
    text: str, pred_span: tuple[int, int] | None, pred_name: str | None, gold: Gold
) -> bool:
    if pred_span is not None and char_set(text, [pred_span]) & gold.source:
        return True
    if not pred_name or not gold.source_text:
        return False
    gname = gold.source_text.strip()
    if gname.lower() in _PRON or pred_name.lower() in _PRON:
        return False
    return canonical_key(gname) == canonical_key(pred_name) or (
        gname[:1].isupper() and pred_name[:1].isupper() and same_person(gname, pred_name)
    )


_SAID = re.compile(r"\b(?:said|says|told)\b")


def baseline_speaker(doc, ents, q: QuoteSpan) -> tuple[int, int] | None:  # type: ignore[no-untyped-def]
    text = doc.text
    a, b = q.outer
    para_a = text.rfind("\n", 0, a) + 1
    para_b = text.find("\n", b)
    para_b = len(text) if para_b < 0 else para_b
    saids = [m.start() for m in _SAID.finditer(text, para_a, para_b) if not (a <= m.start() < b)]
    names = [(m.start, m.end) for m in ents.mentions if m.label in ("PERSON", "ORG")]
    names += [(t.idx, t.idx + len(t.text)) for t in doc if t.lower_ in ("he", "she", "they")]
    if saids:
        said = min(saids, key=lambda s: min(abs(s - a), abs(s - b)))
        near = [n for n in names if para_a <= n[0] < para_b and not (a <= n[0] < b)]
        if near:
            return min(near, key=lambda n: abs(n[0] - said))
    before = [n for n in names if n[1] <= a and n[0] < a]
    return max(before) if before else None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--split", choices=["dev", "train", "all"], default="dev")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    splits = (
        ["dev"]
        if args.split == "dev"
        else ["train"]
        if args.split == "train"
        else [
            "train",
            "dev",
            "annotator-training",
        ]
    )
    articles: list[tuple[Path, Path]] = []
    for split in splits:
        for txt in sorted((DATA / split / "text").glob("*.txt")):
            anns = sorted((DATA / split / "attributions").glob(txt.stem + "_*.ann"))
            if anns:
                articles.append((txt, anns[0]))
    if args.limit:
        articles = articles[: args.limit]
    nlp = get_nlp()
    c = {
        k: 0
        for k in (
            "d_pred",
            "d_gold",
            "d_match",
            "r_pred",
            "r_gold",
            "r_match",
            "spk_n",
            "spk_ok",
            "base_ok",
            "any_pred",
        )
    }
    errors: list[dict[str, str]] = []
    t0 = time.perf_counter()
    for txt, ann in articles:
        text = txt.read_text(encoding="utf-8")
        golds = parse_ann(ann, text)
        nl = text.find("\n")
        title_end = nl + 1 if nl >= 0 else 0
        doc = nlp(text)
        ents = extract_entities(doc, title_end)
        quotes = extract_quotes(doc, ents, title_end)
        direct = [q for q in quotes if q.kind == "direct"]
        reported = [q for q in quotes if q.kind == "reported"]
        gd = [g for g in golds if g.direct]
        gr = [g for g in golds if not g.direct]
        c["d_pred"] += len(direct)
        c["d_gold"] += len(gd)
        c["r_pred"] += len(reported)
        c["r_gold"] += len(gr)
        pairs = match([char_set(text, q.segments) for q in direct], [g.content for g in gd])
        c["d_match"] += len(pairs)
        for i, j in pairs:
            q, g = direct[i], gd[j]
            if not g.source:
                continue
            c["spk_n"] += 1
            if speaker_ok(text, q.speaker_span, q.speaker_entity or q.speaker, g):
                c["spk_ok"] += 1
            elif len(errors) < 40:
                errors.append(
                    {
                        "article": txt.name,
                        "quote": q.text[:80],
                        "predicted": str(q.speaker),
                        "gold": g.source_text,
                    }
                )
            base = baseline_speaker(doc, ents, q)
            if base is not None and char_set(text, [base]) & g.source:
                c["base_ok"] += 1
        rpairs = match([char_set(text, q.segments) for q in reported], [g.content for g in gr])
        c["r_match"] += len(rpairs)
    elapsed = time.perf_counter() - t0

    def prf(m: int, p: int, g: int) -> dict[str, float]:
        prec = m / p if p else 0.0
        rec = m / g if g else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        return {"P": round(prec, 3), "R": round(rec, 3), "F1": round(f1, 3)}

    figures = {
        "split": args.split,
        "articles": len(articles),
        "matching": "char overlap >= 50% of both spans (whitespace and quote marks ignored), 1:1",
        "direct": {
            **prf(c["d_match"], c["d_pred"], c["d_gold"]),
            "pred": c["d_pred"],
            "gold": c["d_gold"],
        },
        "reported": {
            **prf(c["r_match"], c["r_pred"], c["r_gold"]),
            "pred": c["r_pred"],
            "gold": c["r_gold"],
        },
        "speaker_accuracy_direct": round(c["spk_ok"] / c["spk_n"], 3) if c["spk_n"] else None,
        "baseline_nearest_said_name": round(c["base_ok"] / c["spk_n"], 3) if c["spk_n"] else None,
        "matched_with_gold_source": c["spk_n"],
        "seconds": round(elapsed, 1),
    }
    print(f"PolNeAR {args.split}: {len(articles)} articles, {elapsed:.1f} s")
    d, r = figures["direct"], figures["reported"]
    print(
        f"  direct quotes   P {d['P']:.3f} R {d['R']:.3f} F1 {d['F1']:.3f}  ({c['d_pred']} predicted, {c['d_gold']} gold)"
    )  # type: ignore[index]
    print(
        f"  reported speech P {r['P']:.3f} R {r['R']:.3f} F1 {r['F1']:.3f}  ({c['r_pred']} predicted, {c['r_gold']} gold)"
    )  # type: ignore[index]
    print(
        f"  speaker accuracy on {c['spk_n']} matched direct quotes: newsdesk "
        f"{figures['speaker_accuracy_direct']}, baseline nearest-said-name {figures['baseline_nearest_said_name']}"
    )
    if args.json:
        figures["speaker_errors_sample"] = errors
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
