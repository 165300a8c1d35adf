"""ask() on question sets with answerable and unanswerable questions (bench/data/ask-questions.json).

One database holds the ECB+ documents and the four seed-page articles (built in a temporary
directory, or once under --data-dir and reused). Two sets of questions, reported apart (the data
file's "about" says where each came from and how it was written):

- ecbplus: 20 answerable questions, 10 of the same facts in other words than the texts use, 25
  unanswerable (20 on other subjects, 5 on the same subjects asking for facts not there);
- seed: questions on the seed-page articles (Israel-Iran strikes, Hossein Salami, Turkiye-Israel
  talks, the Amir's call), about half of them unanswerable, split into "dev" (looked at while
  changing ask()) and "heldout";
- heldout: 68 questions on ECB+ clusters and facts the other sets do not touch (46 answerable, 12
  of them paraphrased; 12 unanswerable on the same subjects, 10 on others), written before ask()
  was run on them, with the gold sentence of each (bench/data/ask-heldout.json says how);
  looked at since the twelfth session while changing ask(): no longer held out;
- heldout2: 42 questions on ECB+ clusters and facts no other set touches (20 answerable, 8
  paraphrased, 8 unanswerable on the same subjects, 6 on others), written on 2026-12-05 by a
  helper that saw neither ask()'s code nor its answers (bench/data/ask-heldout2.json says how);
  looked at since the thirteenth session;
- heldout3: 42 more such questions on 13 other clusters (20 answerable, 8 paraphrased, 8
  unanswerable on the same subjects, 6 on others), written the same way on 2026-12-05 by another
  blind helper (bench/data/ask-heldout3.json; SHA-256 51ecd7ba...064b), first run on the
  thirteenth session's code; looked at since;
- heldout4: 42 more on 11 clusters that had one question of another set each, asking other
  facts, written the same way on 2026-12-05 by a fourth blind helper
  (bench/data/ask-heldout4.json; SHA-256 134de990...baa6f), first run on the fourteenth
  session's code;
- bbc: 42 questions on 15 BBC News articles (2004-2005: business, entertainment, politics,
  sport, tech; 20 direct, 8 paraphrased, 8 unanswerable on the same subjects, 6 on others),
  written the same way on 2026-12-06 by a fifth blind helper
  (bench/data/ask-heldout5-bbc.json), asked of a database of its own: the BBC files whose
  number is divisible by 5 (445 articles; built under DIR/bbc with --data-dir), so that another
  domain than ECB+'s crime and disaster stories is measured;
- bbc2: 42 more such questions on 15 other BBC articles of the same pool, written the same way
  on 2026-12-06 by a sixth blind helper (bench/data/ask-heldout6-bbc.json; SHA-256
  b213a56f...1d5b), first run on the fifteenth session's code (2165f16), asked of the bbc
  set's database;
- bbc3: 42 more on 15 other BBC articles of the pool, written the same way on 2026-12-06 by a
  seventh blind helper (bench/data/ask-heldout7-bbc.json), first run on the sixteenth
  session's end code, asked of the bbc set's database;
- bbc4: 42 more on 15 other BBC articles of the pool (positions 15, 45 and 75 of each
  category), written the same way on 2026-12-06 by an eighth blind helper
  (bench/data/ask-heldout8-bbc.json; SHA-256 ffb8abf4...371d), first run on the sixteenth
  session's end code (8489374), asked of the bbc set's database;
- bbc5: 42 more on 15 other BBC articles of the pool (positions 11, 41 and 71 of each
  category), written the same way on 2026-12-06 by a ninth blind helper
  (bench/data/ask-heldout9-bbc.json; SHA-256 f6871020...cc61), first run on the seventeenth
  session's code after its changes from looking at the eighth set (8aa4f26).

An answerable question counts as right when the first cited sentence holds one of its expected
words ("among": one of the <= 3 cited does); an unanswerable one when ask() refuses. Each line
also gives the median wall time and the mean CPU time (process_time) per question.

    python bench/ask.py [--data-dir DIR] [--json OUT]
                        [--sets ecbplus,seed,heldout,heldout2,heldout3,heldout4,bbc,bbc2,bbc3,bbc4,
                               bbc5]
                        [--split dev]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import SHARED, data_missing, read_bbc, write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUESTIONS = Path(__file__).parent / "data" / "ask-questions.json"
HELDOUT = Path(__file__).parent / "data" / "ask-heldout.json"
HELDOUT2 = Path(__file__).parent / "data" / "ask-heldout2.json"
HELDOUT3 = Path(__file__).parent / "data" / "ask-heldout3.json"
HELDOUT4 = Path(__file__).parent / "data" / "ask-heldout4.json"
HELDOUT5_BBC = Path(__file__).parent / "data" / "ask-heldout5-bbc.json"
HELDOUT6_BBC = Path(__file__).parent / "data" / "ask-heldout6-bbc.json"
HELDOUT7_BBC = Path(__file__).parent / "data" / "ask-heldout7-bbc.json"
HELDOUT8_BBC = Path(__file__).parent / "data" / "ask-heldout8-bbc.json"
HELDOUT9_BBC = Path(__file__).parent / "data" / "ask-heldout9-bbc.json"
BBC = SHARED / "bbc-news" / "bbc"
SEED = SHARED / "seed-page" / "articles.jsonl"


def seed_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line]


def bbc_pool() -> list[Path]:
    """The BBC files of the bbc set's database: those whose number is divisible by 5."""
    return sorted(p for p in BBC.glob("*/*.txt") if int(p.stem) % 5 == 0)


def bbc_records() -> list[dict[str, Any]]:
    """The pool as records: headline and body (the corpus mixes UTF-8 and cp1252), each dated
    a minute apart on one day of 2005, as a feed would have brought them."""
    start = datetime(2005, 3, 1, 12, tzinfo=UTC)
    records = []
    for i, path in enumerate(bbc_pool()):
        title, _, body = read_bbc(path).strip().partition("\n")
        records.append(
            {
                "url": f"https://news.example/bbc/{path.parent.name}/{path.stem}",
                "title": title.strip(),
                "text": body.strip(),
                "published": (start - timedelta(minutes=i)).isoformat(),
                "source": "BBC News",
                "language": "en",
            }
        )
    return records


def build(data_dir: Path, corpus: str = "ecbplus") -> None:
    """Import what is missing into the database under data_dir, and enrich: ECB+ and the seed
    page (`corpus` "ecbplus"), or the BBC pool ("bbc")."""
    from sqlalchemy import select

    from newsdesk.config import Settings
    from newsdesk.enrich import enrich
    from newsdesk.ingest import candidate_from_record, store_candidate
    from newsdesk.store import connect, session_scope
    from newsdesk.store.models import Article

    sys.path.insert(0, str(Path(__file__).parent))
    from stories import ecbplus_records

    settings = Settings(data_dir=data_dir)
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        have = set(session.scalars(select(Article.url)))
        if corpus == "bbc":
            records = bbc_records()
        else:
            records = [r for r, _gold in ecbplus_records()] + seed_records()
        for record in records:
            if record["url"] not in have:
                store_candidate(session, candidate_from_record(record), None)
    enrich(engine, settings)


def story_of(engine: Any, title: str) -> int | None:
    from sqlalchemy import select

    from newsdesk.store import session_scope
    from newsdesk.store.models import Article
    from newsdesk.store.models_ai import Enrichment

    with session_scope(engine) as session:
        return session.scalar(
            select(Enrichment.story_id)
            .join(Article, Article.id == Enrichment.article_id)
            .where(Article.title == title)
        )


def run(engine: Any, settings: Any, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from newsdesk import ask as ask_mod

    rows = []
    for q in questions:
        story_id = story_of(engine, q["article"]) if q.get("scope") == "story" else None
        t0, c0 = time.perf_counter(), time.process_time()
        ans = ask_mod.ask(engine, settings, q["q"], story_id=story_id)
        ms = (time.perf_counter() - t0) * 1000
        cpu = (time.process_time() - c0) * 1000
        cited = [c["sentence"].lower() for c in ans.citations]
        row: dict[str, Any] = {
            "q": q["q"],
            "answerable": q["answerable"],
            "group": q.get("group"),
            "split": q.get("split"),
            "scope": q.get("scope", "all"),
            "case": q.get("case"),
            "score": round(ans.score, 3),
            "answered": ans.answered,
            "ms": round(ms, 1),
            "cpu_ms": round(cpu, 1),
            "cited": cited[:1],
        }
        if q["answerable"]:
            needles = q["expect"]
            row["correct"] = ans.answered and bool(cited) and any(n in cited[0] for n in needles)
            row["among"] = ans.answered and any(n in c for c in cited for n in needles)
        else:
            row["correct"] = not ans.answered
        rows.append(row)
    return rows


def tally(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    ms = sorted(r["ms"] for r in rows)
    return {
        "answerable": len(ans),
        "right_first": sum(r["correct"] for r in ans),
        "right_among_cited": sum(r["among"] for r in ans),
        "answerable_refused": sum(not r["answered"] for r in ans),
        "unanswerable": len(una),
        "refused": sum(r["correct"] for r in una),
        "median_ms": round(ms[len(ms) // 2], 1) if ms else None,
        "mean_cpu_ms": round(sum(r["cpu_ms"] for r in rows) / len(rows), 1) if rows else None,
    }


def line(name: str, t: dict[str, Any]) -> str:
    out = f"{name}:"
    if t["answerable"]:
        out += (
            f" answering sentence first {t['right_first']}/{t['answerable']}"
            f" (among the cited {t['right_among_cited']}/{t['answerable']},"
            f" refused {t['answerable_refused']})"
        )
    if t["unanswerable"]:
        out += f"; unanswerable refused {t['refused']}/{t['unanswerable']}"
    return out + f"; median {t['median_ms']:.0f} ms; CPU {t['mean_cpu_ms']:.0f} ms per question"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--sets",
        default="ecbplus,seed,heldout,heldout2,heldout3,heldout4,bbc,bbc2,bbc3,bbc4,bbc5",
        help=(
            "comma-separated: ecbplus, seed, heldout, heldout2, heldout3, heldout4, bbc, bbc2, "
            "bbc3, bbc4, bbc5"
        ),
    )
    parser.add_argument(
        "--split", choices=("dev", "heldout", "all"), default="all", help="seed questions to ask"
    )
    args = parser.parse_args()
    if data_missing(SHARED / "ecbplus-story-clusters") or data_missing(SEED):
        return 1
    from newsdesk.config import Settings
    from newsdesk.store import connect

    data = json.loads(QUESTIONS.read_text(encoding="utf-8"))
    data["sets"]["heldout"] = json.loads(HELDOUT.read_text(encoding="utf-8"))["questions"]
    data["sets"]["heldout2"] = json.loads(HELDOUT2.read_text(encoding="utf-8"))["questions"]
    data["sets"]["heldout3"] = json.loads(HELDOUT3.read_text(encoding="utf-8"))["questions"]
    data["sets"]["heldout4"] = json.loads(HELDOUT4.read_text(encoding="utf-8"))["questions"]
    if "bbc" in args.sets.split(","):
        data["sets"]["bbc"] = json.loads(HELDOUT5_BBC.read_text(encoding="utf-8"))["questions"]
    if "bbc2" in args.sets.split(","):
        data["sets"]["bbc2"] = json.loads(HELDOUT6_BBC.read_text(encoding="utf-8"))["questions"]
    if "bbc3" in args.sets.split(","):
        data["sets"]["bbc3"] = json.loads(HELDOUT7_BBC.read_text(encoding="utf-8"))["questions"]
    if "bbc4" in args.sets.split(","):
        data["sets"]["bbc4"] = json.loads(HELDOUT8_BBC.read_text(encoding="utf-8"))["questions"]
    if "bbc5" in args.sets.split(","):
        data["sets"]["bbc5"] = json.loads(HELDOUT9_BBC.read_text(encoding="utf-8"))["questions"]
    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory()
        data_dir = Path(tmp.name)
    databases: dict[str, tuple[Any, Any]] = {}  # corpus -> (settings, engine), built on first use
    summary: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for name in args.sets.split(","):
        corpus = "bbc" if name.startswith("bbc") else "ecbplus"
        if corpus not in databases:
            where = data_dir / "bbc" if corpus == "bbc" else data_dir
            where.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            build(where, corpus)
            print(f"database ({corpus}) ready in {time.perf_counter() - t0:.0f} s")
            settings = Settings(data_dir=where)
            databases[corpus] = (settings, connect(settings.db_url))
        settings, engine = databases[corpus]
        questions = data["sets"][name]
        if name == "seed" and args.split != "all":
            questions = [q for q in questions if q["split"] == args.split]
        rows = run(engine, settings, questions)
        results[name] = rows
        print(f"--- {name}")
        for r in rows:
            flag = "ok " if r["correct"] else "-- "
            kind = "A" if r["answerable"] else "U"
            extra = f" [{r['split']}]" if r["split"] else ""
            extra += " [story]" if r["scope"] == "story" else ""
            print(f"{flag} {r['score']:.3f} {kind}{extra} {r['q']}")
            if r["answerable"] and not r["correct"] and r["cited"]:
                print(f"       first cited: {r['cited'][0][:150]}")
        parts = {"all": rows}
        if name != "seed":  # every other set has direct, paraphrased and unanswerable groups
            parts = {
                "direct": [r for r in rows if r["answerable"] and r["group"] is None],
                "paraphrased": [r for r in rows if r["group"] == "paraphrased"],
                "unanswerable, other subjects": [r for r in rows if r["group"] == "other subject"],
                "unanswerable, same subjects": [r for r in rows if r["group"] == "same subject"],
                "all": rows,
            }
        else:
            for split in ("dev", "heldout"):
                part = [r for r in rows if r["split"] == split]
                if part:
                    parts[split] = part
            parts["story-level"] = [r for r in rows if r["group"] == "story-level"]
            parts["issue cases"] = [r for r in rows if r["case"]]
        summary[name] = {k: tally(v) for k, v in parts.items() if v}
        for k, t in summary[name].items():
            print(line(f"{name} {k}", t))
    if args.json:
        write_json(args.json, {"summary": summary, "questions": results})
    for _settings, engine in databases.values():
        engine.dispose()
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
