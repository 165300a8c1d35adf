"""Figures benchmark: extraction of figure claims, their sources, and matching across outlets.

(a) PolNeAR (../shared/data/polnear-attribution, dev split): gold attributions whose Content
    holds a figure (a digit or a number word). Found: a newsdesk figure starts inside the gold
    content. Source accuracy, on found figures whose gold attribution has a Source: the
    figure's source (the speaker of the quote holding it) is right as bench/quotes.py counts
    speakers (the spans overlap, or both name the same person/organisation).
(b) Labelled set (bench/data/figures-labelled.json, protocol in bench/data/figures-protocol.md):
    precision/recall per field (value, low, high, unit, what, when, source) on the held-out
    articles, and for the baseline "every CARDINAL/QUANTITY/MONEY/PERCENT spaCy entity, its
    first number as value, the next noun as what; no bounds, unit, when or source".
(b2) A second domain, all held out (bench/data/figures-labelled-bbc.json, same protocol and
    its 2026-12-05 addendum): 113 figures of 15 BBC News articles (business, politics, sport,
    ../shared/data/bbc-news), chosen by a written rule and labelled before the extractor was
    run on them; a figure is matched within its paragraph (the file's line). The same two
    systems, per field, also per category, with newsdesk's misses and extra figures listed.
(c) Same-thing matching across outlets: in ECB+ stories (one cluster = one event, several
    outlets), every pair of figures from two documents with the same key (nlp/figures.py:
    counted noun + casualty status, or magnitude) that the story page compares
    (nlp.figures.comparable: not background dated "in ..."). A seeded hash sample of the pairs
    (about 1 in 10) is judged by hand in bench/data/figures-pairs-judged.json (rule:
    bench/data/figures-protocol.md): precision of "same thing", overall and for the pairs
    whose values differ. The "Outlets disagree" flag: its precision (judged same thing among
    flagged pairs) and its recall of true disagreements (judged same thing, bounds that do not
    overlap), for the old flag (bounds do not overlap) and the current one
    (nlp.figures.disagree, background left out), on the dev half of the clusters (every other
    one in PAIR_CLUSTERS order, where the rules were chosen) and the report half.
(d) Speed: CPU ms of extract_figures per article on 200 ECB+ documents parsed beforehand.
    The rules were chosen on PolNeAR dev; `--parts polnear-train` scores the train split as
    held-out data (the official test split is not here).

    python bench/figures.py [--json OUT] [--parts labelled,labelled-bbc,polnear,pairs,speed]
        [--to-judge FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import time
from itertools import combinations
from math import inf as INF
from pathlib import Path
from typing import Any

from common import SHARED, data_missing, read_bbc, write_json
from quotes import DATA as POLNEAR
from quotes import parse_ann, speaker_ok

from newsdesk.nlp.entities import extract_entities
from newsdesk.nlp.figures import (
    Claim,
    FigureSpan,
    background,
    comparable,
    disagree,
    event_day,
    extract_figures,
)
from newsdesk.nlp.lexicon.figures import UNITS_WORDS, VAGUE_WORDS
from newsdesk.nlp.model import get_nlp
from newsdesk.nlp.quotes import extract_quotes

HERE = Path(__file__).resolve().parent
ECB = SHARED / "ecbplus-story-clusters" / "documents.jsonl"
LABELS = HERE / "data" / "figures-labelled.json"
LABELS_BBC = HERE / "data" / "figures-labelled-bbc.json"
BBC = SHARED / "bbc-news"
JUDGED = HERE / "data" / "figures-pairs-judged.json"
PAIR_CLUSTERS = ("20_ecb", "20_ecbplus", "8_ecbplus", "18_ecbplus", "19_ecb", "32_ecbplus")
DEV_CLUSTERS = PAIR_CLUSTERS[::2]  # the flag's rules were chosen here; the others report
FIELDS = ("low", "high", "unit", "what", "when", "source")
_NUMBER_WORD = re.compile(
    r"\b(?:\d|" + "|".join(w for w in (*UNITS_WORDS, *VAGUE_WORDS) if w != "one") + r")", re.I
)


def normalise(text: str) -> str:
    """Undo ECB+ detokenisation: '120, 000' -> '120,000', '6. 1' -> '6.1', 'U. S.' -> 'U.S.'."""
    text = re.sub(r"(\d), (\d{3})(?!\d)", r"\1,\2", text)
    text = re.sub(r"(\d)\. (\d)", r"\1.\2", text)
    text = re.sub(r"(\w) - (?=\w)", r"\1-", text)
    return re.sub(r"\b([A-Z])\. (?=[A-Z]\.)", r"\1.", text)


def figures_of(nlp: Any, text: str) -> tuple[Any, list[FigureSpan]]:
    doc = nlp(text)
    ents = extract_entities(doc, 0)
    return doc, extract_figures(doc, extract_quotes(doc, ents, 0), 0, ents)


# --- (a) PolNeAR ---------------------------------------------------------------------------


def polnear(nlp: Any, split: str = "dev", limit: int | None = None) -> dict[str, Any]:
    articles = []
    for txt in sorted((POLNEAR / split / "text").glob("*.txt"))[:limit]:
        anns = sorted((POLNEAR / split / "attributions").glob(txt.stem + "_*.ann"))
        if anns:
            articles.append((txt, anns[0]))
    c = {"gold": 0, "found": 0, "with_source": 0, "source_ok": 0}
    errors: list[dict[str, Any]] = []
    for txt, ann in articles:
        text = txt.read_text(encoding="utf-8")
        golds = [g for g in parse_ann(ann, text) if _NUMBER_WORD.search(g.content_text)]
        if not golds:
            continue
        nl = text.find("\n")
        doc = nlp(text)
        ents = extract_entities(doc, nl + 1)
        figs = extract_figures(doc, extract_quotes(doc, ents, nl + 1), nl + 1, ents)
        for g in golds:
            c["gold"] += 1
            inside = [f for f in figs if set(range(f.start, f.end)) & g.content]
            if not inside:
                continue
            c["found"] += 1
            if not g.source:
                continue
            c["with_source"] += 1
            f = inside[0]
            if speaker_ok(text, f.source_span, f.source, g):
                c["source_ok"] += 1
            elif len(errors) < 15:
                errors.append({"figure": f.text, "predicted": f.source, "gold": g.source_text})
    return {
        "split": split,
        "articles": len(articles),
        "attributions_with_a_figure": c["gold"],
        "found": c["found"],
        "found_share": round(c["found"] / c["gold"], 3) if c["gold"] else 0.0,
        "source_scored": c["with_source"],
        "source_accuracy": round(c["source_ok"] / c["with_source"], 3) if c["with_source"] else 0,
        "source_errors": errors,
    }


# --- (b) labelled set -----------------------------------------------------------------------


def _head_words(s: str | None) -> set[str]:
    return {w.lower().removesuffix("s") for w in re.findall(r"[\w²°%]+", s or "")}


def field_ok(field: str, pred: Any, gold: Any) -> bool:
    if pred is None or gold is None:
        return pred is None and gold is None
    if field in ("low", "high"):
        return abs(float(pred) - float(gold)) < 1e-6 * max(1.0, abs(float(gold)))
    if field in ("unit", "what"):
        unit_alias = {
            "kilometer": "km",
            "kilometers": "km",
            "square kilometer": "km²",
            "metres": "m",
        }
        gold = unit_alias.get(gold, gold)
        return str(gold).lower().split()[-1].removesuffix("s") in _head_words(pred)
    long_words = {w for w in _head_words(gold) if len(w) >= 3}
    return bool(long_words & _head_words(pred))


def baseline(doc: Any) -> list[FigureSpan]:
    """Every CARDINAL/QUANTITY/MONEY/PERCENT entity with the next noun as what."""
    out = []
    for ent in doc.ents:
        if ent.label_ not in ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"):
            continue
        m = re.search(r"\d[\d,]*(?:\.\d+)?", ent.text)
        if m:
            value = float(m.group().replace(",", ""))
        else:
            words = [UNITS_WORDS.get(w.lower()) for w in ent.text.split()]
            nums = [w for w in words if w is not None]
            if not nums:
                continue
            value = float(nums[0])
        noun = next((t for t in doc[ent.end : ent.end + 4] if t.tag_ in ("NN", "NNS")), None)
        f = FigureSpan(start=ent.start_char, end=ent.end_char, text=ent.text, value=value)
        f.what = noun.text if noun is not None else None
        out.append(f)
    return out


def labelled(nlp: Any) -> dict[str, Any]:
    data = json.loads(LABELS.read_text(encoding="utf-8"))["figures"]
    docs = {}
    for line in ECB.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        docs[row["doc_id"]] = row
    result: dict[str, Any] = {}
    for split in ("dev", "held-out"):
        gold = [g for g in data if g["split"] == split]
        names = sorted({g["doc"] for g in gold})
        systems = _run_systems(nlp, {name: normalise(docs[name]["text"]) for name in names})
        result[split] = {sys_name: _score(gold, preds) for sys_name, preds in systems.items()}
        result[split]["gold_figures"] = len(gold)
        result[split]["articles"] = len(names)
    return result


def labelled_bbc(nlp: Any, errors: int = 25) -> dict[str, Any]:
    """(b2): the BBC News set, all held out, scored overall and per category."""
    data = json.loads(LABELS_BBC.read_text(encoding="utf-8"))
    gold, names = data["figures"], data["documents"]  # a document may hold no figure
    texts = {name: read_bbc(SHARED / name) for name in names}
    systems = _run_systems(nlp, texts)
    result: dict[str, Any] = {sys_name: _score(gold, preds) for sys_name, preds in systems.items()}
    result["gold_figures"] = len(gold)
    result["articles"] = len(names)
    by_category: dict[str, Any] = {}
    for cat in sorted({Path(n).parent.name for n in names}):
        cat_gold = [g for g in gold if Path(g["doc"]).parent.name == cat]
        by_category[cat] = {"gold_figures": len(cat_gold)} | {
            sys_name: _score(
                cat_gold, {n: p for n, p in preds.items() if Path(n).parent.name == cat}
            )["value"]
            for sys_name, preds in systems.items()
        }
    result["by_category_value"] = by_category
    result["newsdesk_errors"] = _errors(gold, systems["newsdesk"], errors)
    return result


def _run_systems(nlp: Any, texts: dict[str, str]) -> dict[str, dict[str, list[tuple[int, Any]]]]:
    """Each system's figures per document, with the line (sentence or paragraph) they sit on."""
    systems: dict[str, dict[str, list[tuple[int, FigureSpan]]]] = {"newsdesk": {}, "baseline": {}}
    for name, text in texts.items():
        doc, figs = figures_of(nlp, text)
        systems["newsdesk"][name] = [(text.count("\n", 0, f.start), f) for f in figs]
        systems["baseline"][name] = [(text.count("\n", 0, f.start), f) for f in baseline(doc)]
    return systems


def _errors(
    gold: list[dict[str, Any]], preds: dict[str, list[tuple[int, FigureSpan]]], limit: int
) -> dict[str, list[str]]:
    """Gold figures not found, predicted figures not in the gold, and wrong fields of matched
    figures (the first `limit` of each, fields 2 * limit), for reading."""

    def where(doc: str, line: int) -> str:
        return f"{Path(doc).parent.name}/{Path(doc).name}:{line}"

    matched = _match(gold, preds)
    hit = {id(g) for g, _ in matched} | {id(f) for _, f in matched}
    missed = [
        f"{where(g['doc'], g['sentence_index'])} {g['text']!r}" for g in gold if id(g) not in hit
    ]
    extra = [
        f"{where(name, line)} {f.text!r} = {f.value:g} ({f.unit}, {f.what})"
        for name, items in preds.items()
        for line, f in items
        if id(f) not in hit
    ]
    fields = [
        f"{where(g['doc'], g['sentence_index'])} {g['text']!r} {field}: "
        f"{getattr(f, field)!r} vs gold {g[field]!r}"
        for g, f in matched
        for field in FIELDS
        if not field_ok(field, getattr(f, field), g[field])
    ]
    return {"missed": missed[:limit], "extra": extra[:limit], "fields": fields[: 2 * limit]}


def _match(
    gold: list[dict[str, Any]], preds: dict[str, list[tuple[int, FigureSpan]]]
) -> list[tuple[dict[str, Any], FigureSpan]]:
    """One-to-one: a gold figure takes the first unused prediction on its line with its value."""
    matched: list[tuple[dict[str, Any], FigureSpan]] = []
    for name, items in preds.items():
        used: set[int] = set()
        for g in (g for g in gold if g["doc"] == name):
            for k, (sent, f) in enumerate(items):
                if k in used or sent != g["sentence_index"]:
                    continue
                if abs(f.value - g["value"]) < 1e-6 * max(1.0, abs(g["value"])):
                    used.add(k)
                    matched.append((g, f))
                    break
    return matched


def _score(gold: list[dict[str, Any]], preds: dict[str, list[tuple[int, FigureSpan]]]) -> Any:
    n_pred = sum(len(v) for v in preds.values())
    matched = _match(gold, preds)
    out: dict[str, Any] = {
        "value": {
            "precision": round(len(matched) / n_pred, 3) if n_pred else 0.0,
            "recall": round(len(matched) / len(gold), 3) if gold else 0.0,
        }
    }
    for field in FIELDS:
        pred_set = sum(1 for _, f in matched if getattr(f, field) is not None)
        gold_set = sum(1 for g in gold if g[field] is not None)
        right = sum(
            1
            for g, f in matched
            if g[field] is not None and field_ok(field, getattr(f, field), g[field])
        )
        out[field] = {
            "precision": round(right / pred_set, 3) if pred_set else 0.0,
            "recall": round(right / gold_set, 3) if gold_set else 0.0,
        }
    return out


# --- (c) same thing across outlets -------------------------------------------------------------

# The judged sample: the listed pairs whose seeded hash falls under SAMPLE_RATE. A pair keeps
# its place in the sample when matching changes, and new pairs enter it at the same rate.
SAMPLE_SEED = "figures-pairs-14"
SAMPLE_RATE = 0.1


def _side(doc_id: str, f: FigureSpan) -> dict[str, Any]:
    return {
        "doc": doc_id,
        "value": f.value,
        "text": f.text,
        "what": f.what,
        "when": f.when,
        "source": f.source,
        "sentence": f.sentence,
    }


def pair_id(pair: dict[str, Any]) -> str:
    """A pair's identity: both articles, sentences and values (order-free)."""
    sides = sorted(f"{s['doc']}|{s['value']:g}|{s['sentence']}" for s in (pair["a"], pair["b"]))
    return " || ".join(sides)


def in_sample(pair: dict[str, Any]) -> bool:
    digest = hashlib.sha1(f"{SAMPLE_SEED}|{pair_id(pair)}".encode()).hexdigest()
    return int(digest[:8], 16) / 16**8 < SAMPLE_RATE


def _claim(f: FigureSpan) -> Claim:
    return Claim(0, "", None, f.text, f.value, f.low, f.high, f.what, f.source, f.sentence)


def _overlap_conflict(a: FigureSpan, b: FigureSpan) -> bool:
    """The old flag: the two figures' bounds do not overlap."""

    def bounds(f: FigureSpan) -> tuple[float, float]:
        if f.low is None and f.high is None:
            return f.value, f.value
        return (f.low or 0.0, INF if f.high is None else f.high)

    (a0, a1), (b0, b1) = bounds(a), bounds(b)
    return a1 < b0 or b1 < a0


def list_pairs(nlp: Any) -> list[dict[str, Any]]:
    """Every same-key cross-document pair of comparable figures in the PAIR_CLUSTERS, with the
    old and the current disagreement flag."""
    by_cluster: dict[str, list[tuple[str, FigureSpan]]] = {}
    for line in ECB.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["cluster_id"] not in PAIR_CLUSTERS:
            continue
        _, figs = figures_of(nlp, normalise(row["text"]))
        by_cluster.setdefault(row["cluster_id"], []).extend(
            (row["doc_id"], f) for f in figs if comparable(f.key, f.when)
        )
    listed = []
    for cluster in PAIR_CLUSTERS:
        items = by_cluster.get(cluster, [])
        day = event_day([f.sentence for _, f in items if not background(f.sentence)])
        for (da, fa), (db, fb) in combinations(items, 2):
            if da == db or fa.key != fb.key:
                continue
            listed.append(
                {
                    "cluster": cluster,
                    "key": fa.key,
                    "a": _side(da, fa),
                    "b": _side(db, fb),
                    "disagree": fa.value != fb.value,
                    "flag_old": _overlap_conflict(fa, fb),
                    "flag": not (background(fa.sentence) or background(fb.sentence))
                    and disagree(_claim(fa), _claim(fb), fa.key or "", day),
                }
            )
    return listed


def pairs(nlp: Any, limit: int, to_judge: Path | None = None) -> dict[str, Any]:
    listed = list_pairs(nlp)
    judged_rows = json.loads(JUDGED.read_text(encoding="utf-8"))["pairs"] if JUDGED.exists() else []
    judged = {pair_id(r): r for r in judged_rows}
    sample = [p for p in listed if in_sample(p)]
    verdicts = [(p, judged[pair_id(p)]["same"]) for p in sample if pair_id(p) in judged]
    unjudged = [p for p in sample if pair_id(p) not in judged]
    if to_judge is not None:
        write_json(to_judge, {"pairs": unjudged})

    def precision(rows: list[tuple[dict[str, Any], bool]]) -> dict[str, Any]:
        same = sum(v for _, v in rows)
        return {"judged": len(rows), "same": same, "precision": _ratio(same, len(rows))}

    return {
        "pairs": len(listed),
        "disagreeing_pairs": sum(p["disagree"] for p in listed),
        "sample": len(sample),
        "sample_unjudged": len(unjudged),
        "same_thing": precision(verdicts),
        "same_thing_disagreeing": precision([(p, v) for p, v in verdicts if p["disagree"]]),
        "same_thing_agreeing": precision([(p, v) for p, v in verdicts if not p["disagree"]]),
        "flag": {
            half: {which: _flag_scores(rows, which) for which in ("flag_old", "flag")}
            for half, rows in (
                ("dev", [(p, v) for p, v in verdicts if p["cluster"] in DEV_CLUSTERS]),
                ("report", [(p, v) for p, v in verdicts if p["cluster"] not in DEV_CLUSTERS]),
                ("all", verdicts),
            )
        },
        "listed": [
            f"{p['a']['doc']}: {p['a']['text']} {p['a']['what']} || "
            f"{p['b']['doc']}: {p['b']['text']} {p['b']['what']}"
            for p in listed[:limit]
        ],
    }


def _flag_scores(rows: list[tuple[dict[str, Any], bool]], which: str) -> dict[str, Any]:
    """Precision of a flag (judged same thing among flagged pairs) and its recall of the true
    disagreements (judged same thing, bounds that do not overlap)."""
    flagged = [v for p, v in rows if p[which]]
    true = [p for p, v in rows if v and p["flag_old"]]
    found = sum(1 for p in true if p[which])
    return {
        "flagged": len(flagged),
        "precision": _ratio(sum(flagged), len(flagged)),
        "true_disagreements": len(true),
        "recall": _ratio(found, len(true)),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


# --- (d) speed ------------------------------------------------------------------------------


def speed(nlp: Any, n: int = 200, rounds: int = 3) -> dict[str, Any]:
    """CPU ms of extract_figures per article on the first `n` ECB+ documents, parsed (and their
    quotes found) once beforehand; the best of `rounds`."""
    rows = [json.loads(line) for line in ECB.read_text(encoding="utf-8").splitlines()[:n]]
    parsed = []
    for row in rows:
        doc = nlp(normalise(row["text"]))
        ents = extract_entities(doc, 0)
        parsed.append((doc, extract_quotes(doc, ents, 0), ents))
    best = INF
    for _ in range(rounds):
        t0 = time.process_time()
        for doc, quotes, names in parsed:
            extract_figures(doc, quotes, 0, names)
        best = min(best, time.process_time() - t0)
    return {"articles": len(parsed), "cpu_ms_per_article": round(1000 * best / len(parsed), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--pairs", type=int, default=20, help="pairs listed in the output")
    parser.add_argument(
        "--parts",
        default="labelled,labelled-bbc,polnear,pairs,speed",
        help="comma-separated: labelled, labelled-bbc (held out), polnear (dev), polnear-train"
        " (held out), pairs, speed",
    )
    parser.add_argument("--train-articles", type=int, help="only the first N train articles")
    parser.add_argument(
        "--to-judge", type=Path, help="write the sampled pairs not yet judged to this file"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if data_missing(ECB) or data_missing(POLNEAR):
        return 2
    if "labelled-bbc" in parts and data_missing(BBC):
        return 2
    nlp = get_nlp()
    t0 = time.perf_counter()
    out: dict[str, Any] = {}
    if "labelled" in parts:
        out["labelled"] = labelled(nlp)
    if "labelled-bbc" in parts:
        out["labelled_bbc"] = labelled_bbc(nlp)
    if "polnear" in parts:
        out["polnear"] = polnear(nlp)
    if "polnear-train" in parts:
        out["polnear_train"] = polnear(nlp, "train", args.train_articles)
    if "pairs" in parts:
        out["pairs"] = pairs(nlp, args.pairs, args.to_judge)
    if "speed" in parts:
        out["speed"] = speed(nlp)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(out, indent=1))
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
