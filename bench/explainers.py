"""Entity profiles (newsdesk.nlp.profiles) over real coverage: are the facts whole sentences,
dated, and of the right kind?

Sets: the seed page (../shared/data/seed-page, 4 articles) and 10 ECB+ topics (1-10,
../shared/data/ecbplus-story-clusters), each imported and enriched for real into a temporary
SQLite database; every person / organisation / place tag's profile is built as its explainer
page builds it (newsdesk.stories.views.entity_profile).

- whole: the fact's sentence passes whole_sentence() and appears verbatim in its article;
- dated: the date is written in the sentence (else the article's date is shown);
- typed: on LABELLED, a hand-labelled sample of seed-page sentences with the kind a reader
  would file them under (labelled by reading the articles; the list was fixed after a first
  look at the output), the share the profile files under that kind.

    .venv/bin/python bench/explainers.py [--topics 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SHARED, data_missing, write_json

# (entity slug, start of the sentence, the kind it is).
LABELLED = [
    ("HosseinSalami", "Hossein Salami, the commander of Iran's elite", "role"),
    ("HosseinSalami", "A longtime confidant of Supreme Leader", "predecessor"),
    ("HosseinSalami", "After Salami's assassination, Ahmad Vahidi", "successor"),
    ("HosseinSalami", "By 2005, Salami had been appointed", "event"),
    ("HosseinSalami", "As is the case for many in the upper echelons", "event"),
    ("HosseinSalami", "Salami died in an air strike", "event"),
    ("AhmadVahidi", "After Salami's assassination, Ahmad Vahidi", "predecessor"),
    ("MohammadAliJafari", "A longtime confidant of Supreme Leader", "successor"),
    ("Nebenzia", "Vassily Nebenzia, Russia's UN ambassador", "role"),
    ("RafaelGrossi", "Israel's aerial assault on Iran has destroyed", "role"),
    ("Palmyra", "An Israeli political source quoted by Reuters", "where"),
    ("Natanz", "Israel's aerial assault on Iran has destroyed", "where"),
    ("Natanz", "He reported radiological and chemical contamination", "happened"),
    ("Syria", "Israel has launched hundreds of air strikes in Syria", "happened"),
    ("Azerbaijan", "Turkish sources quoted by the news agency Reuters", "happened"),
    ("GolanHeights", "Israel has launched hundreds of air strikes", "where"),
]


def ecb_records(topics: int) -> list[dict]:
    path = SHARED / "ecbplus-story-clusters" / "documents.jsonl"
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    out = []
    for d in docs:
        if d["topic"] > topics:
            continue
        lines = d["text"].split("\n")[1 if d.get("source_url_tokens") else 0 :]
        out.append(
            {
                "url": f"https://ecb.example/{d['doc_id']}",
                "title": lines[0],
                "text": "\n".join(lines),
                "source": f"Outlet {d['doc_id'].split('_')[0]}",
            }
        )
    return out


def profiles(records_path: Path, root: Path) -> dict[str, list]:
    from newsdesk.config import Settings
    from newsdesk.enrich import enrich
    from newsdesk.ingest import import_jsonl_file
    from newsdesk.store import connect, session_scope
    from newsdesk.store.models import Article
    from newsdesk.stories import views

    settings = Settings(data_dir=root, secret_key="bench")
    engine = connect(settings.db_url)
    import_jsonl_file(engine, records_path)
    enrich(engine, settings, batch_size=16)
    out: dict[str, list] = {}
    with session_scope(engine) as session:
        texts = {i: " ".join(t.split()) for i, t in session.query(Article.id, Article.text)}
        for tag in views.list_tags(session, "entity", 0, 1000):
            found = views.find_tag(session, tag.slug)
            profile = views.entity_profile(session, found) if found else None
            if profile:
                out[tag.slug] = [(f, texts[f.source.article_id]) for f in profile.facts()]
    engine.dispose()
    return out


def measure(sets: dict[str, dict[str, list]]) -> dict:
    from newsdesk.nlp.profiles import whole_sentence

    figures: dict = {}
    for name, by_tag in sets.items():
        facts = [pair for pairs in by_tag.values() for pair in pairs]
        n = len(facts)
        whole = sum(whole_sentence(f.sentence) and f.sentence in text for f, text in facts)
        figures[name] = {
            "entities_with_profile": len(by_tag),
            "facts": n,
            "whole": round(whole / n, 3) if n else None,
            "dated_in_sentence": round(sum(f.dated for f, _ in facts) / n, 3) if n else None,
            "by_kind": {
                k: sum(f.kind == k for f, _ in facts)
                for k in ("role", "predecessor", "successor", "event", "where", "happened")
            },
        }
    seed = sets.get("seed", {})
    right = 0
    for slug, start, kind in LABELLED:
        got = [f.kind for f, _ in seed.get(slug, []) if f.sentence.startswith(start)]
        right += kind in got
    figures["typed_on_labelled"] = {"n": len(LABELLED), "right": right}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    seed = SHARED / "seed-page" / "articles.jsonl"
    if data_missing(seed) or data_missing(SHARED / "ecbplus-story-clusters"):
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        ecb = Path(tmp) / "ecb.jsonl"
        ecb.write_text("\n".join(json.dumps(r) for r in ecb_records(args.topics)) + "\n")
        (Path(tmp) / "seed").mkdir()
        (Path(tmp) / "ecb").mkdir()
        sets = {
            "seed": profiles(seed, Path(tmp) / "seed"),
            f"ecb+ topics 1-{args.topics}": profiles(ecb, Path(tmp) / "ecb"),
        }
    figures = measure(sets)
    for name, f in figures.items():
        print(f"{name}: {f}")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
