"""A large enriched database generated from real texts, for load and growth benchmarks.

Running the AI layer on 100,000 articles would take over an hour (~50 ms CPU each), so only
the *seeds* are enriched for real: the BBC News articles of ../shared/data/bbc-news go through
`newsdesk import` and `newsdesk enrich` once (cached under --cache). Every other article and
its AI rows are then written directly in bulk SQL, derived from a seed:

- stories: sizes drawn from the seeds' own stories (newsdesk's real clustering of the BBC
  articles: mostly one or two articles) for 95% of them, and for the other 5% (large running
  stories) from the real story sizes of the UCI News Aggregator sample (Google News clusters
  over 1,500 publishers: tens to hundreds of articles), about 5 articles a story overall; each
  story is one seed, its articles published over a day or so, at a time uniform over the last
  180 days; outlets drawn from that sample's publishers, weighted by how often each appears;
- text: the seed's paragraphs (some dropped, the order varied) plus one or two paragraphs of
  another seed of the same BBC category; HTML is those paragraphs in <p>; the title is the
  seed's, varied for all but a story's first article by a phrase from VARIANTS;
- enrichment: the seed's row (summary, summary box, key points, terms, language, pipeline
  version) with the embedding moved by noise (per story, then per article; cosine ≈ 0.9 to
  the seed) and a random MinHash signature (no false near-duplicates); story_id is the
  story's row, whose centroid is the mean of its articles' vectors;
- tags, quotes, figures, descriptions: the seed's real rows, copied for the new article; each
  tag's article_count is recounted at the end.

Full-text search is indexed by the database's own triggers (SQLite FTS5) or GIN index
(PostgreSQL) as rows are inserted, and the vector index (data/index) is built once at the end.
The SQLite file is cached as --cache/nN/data/newsdesk.db; `copy_to_database` copies it into
an empty PostgreSQL database (schema by migrations, rows in batches).

    python bench/gen_articles.py --articles 100000 [--cache /tmp/newsdesk-gen] [--force]

(bench/load.py --generated takes the cache from NEWSDESK_GEN_CACHE, default /tmp/newsdesk-gen.)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from common import SHARED, data_missing
from load import BBC, bbc_records, run_setup_step
from sqlalchemy import func, insert, select, text

from newsdesk.enrich.version import pipeline_version
from newsdesk.store import connect, models_ai, models_llm, models_readers
from newsdesk.store.models import Base
from newsdesk.stories.index import open_index

UCI = SHARED / "uci-news-aggregator-sample" / "uci-news-aggregator.head.csv"
CACHE = Path(os.environ.get("NEWSDESK_GEN_CACHE", "/tmp/newsdesk-gen"))  # bench/load.py too
GEN_VERSION = 3  # bump when the generated rows change: cached files of other versions are redone
# Title variations of a story's later articles (how outlets re-headline one event).
VARIANTS = ("", ": what we know", " - latest", " (update)", ": analysis", " - live", " explained")
STORY_NOISE = 0.25  # per-story vector offset, relative to a unit vector (cos ≈ 0.97 to seed)
ARTICLE_NOISE = 0.35  # per-article offset on top (cos ≈ 0.9 to the seed overall)
DAYS = 180
LARGE_STORIES = 0.05  # share of stories sized as the UCI sample's (see above)
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores datetimes on SQLite


def seed_database(cache: Path) -> Path:
    """The real, enriched seed database (BBC News through import + enrich), built once."""
    root = cache / "seed"
    db = root / "data" / "newsdesk.db"
    done = root / "done"
    if done.exists() and db.exists():
        return root
    shutil.rmtree(root / "data", ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "NEWSDESK_DATA_DIR": str(root / "data"),
        "NEWSDESK_DATABASE_URL": f"sqlite:///{db}",
    }
    jsonl = root / "bbc.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in bbc_records(2225)))
    print("seed: importing and enriching the BBC articles (once)", file=sys.stderr)
    run_setup_step(["import", str(jsonl)], env, root / "import.log", 600)
    run_setup_step(["enrich"], env, root / "enrich.log", 3600)
    done.write_text("ok\n")
    return root


def uci_distributions() -> tuple[list[int], list[str], list[int]]:
    """Real story sizes, and publishers with their weights, from the UCI headline sample."""
    with UCI.open(encoding="utf-8", errors="replace", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sizes = list(Counter(r["STORY"] for r in rows).values())
    publishers = Counter(r["PUBLISHER"] for r in rows if r["PUBLISHER"])
    names = sorted(publishers)
    return sizes, names, [publishers[n] for n in names]


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).strftime(FMT)


def _unit(v: Any) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-12)


def generate(n: int, cache: Path = CACHE, force: bool = False) -> Path:
    """A data directory holding a SQLite database of `n` articles (seeds included); cached."""
    target = cache / f"n{n}" / "data"
    stamp = target.parent / f"done-v{GEN_VERSION}"
    if stamp.exists() and not force:
        return target
    seed = seed_database(cache)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.perf_counter()
    shutil.copy(seed / "data" / "newsdesk.db", target / "newsdesk.db")
    con = sqlite3.connect(target / "newsdesk.db", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    try:
        made = _fill(con, n)
    finally:
        con.close()
    print(f"generated {made} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    t = time.perf_counter()
    engine = connect(f"sqlite:///{target / 'newsdesk.db'}")
    index = open_index(engine, target, cached=False)  # built from the embeddings and saved
    engine.dispose()
    print(f"vector index of {len(index)} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    stamp.write_text(json.dumps({"articles": n, "seconds": round(time.perf_counter() - started)}))
    return target


def _fill(con: sqlite3.Connection, n: int) -> int:
    rng = random.Random(15)
    nrng = np.random.default_rng(15)
    large, publishers, weights = uci_distributions()
    small = [row[0] for row in con.execute("SELECT article_count FROM stories")]
    seeds = con.execute(
        "SELECT a.id, a.url, a.title, a.text, a.author, a.image_url, e.model_version, e.language,"
        " e.summary, e.key_points, e.embedding, e.terms, e.box_summary FROM articles a"
        " JOIN enrichments e ON e.article_id = a.id"
        " WHERE e.embedding IS NOT NULL AND e.error IS NULL ORDER BY a.id"
    ).fetchall()
    have = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    if not seeds:
        sys.exit("the seed database has no enriched articles")
    category = {s[0]: s[1].rsplit("/", 2)[-2] for s in seeds}  # .../bbc/{category}/{stem}
    by_category: dict[str, list[int]] = {}
    for i, s in enumerate(seeds):
        by_category.setdefault(category[s[0]], []).append(i)
    vectors = np.stack([np.frombuffer(s[10], dtype=np.float16).astype(np.float32) for s in seeds])
    paragraphs = [[p for p in s[3].split("\n") if p.strip()] or [s[3]] for s in seeds]
    next_article = con.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0] + 1
    next_story = con.execute("SELECT coalesce(max(id), 0) FROM stories").fetchone()[0] + 1
    now = datetime.now(UTC)
    todo = n - have
    made = 0
    con.execute("BEGIN")
    while made < todo:
        size = rng.choice(large if rng.random() < LARGE_STORIES else small)
        size = min(max(size, 1), todo - made)
        si = rng.randrange(len(seeds))
        s = seeds[si]
        story_vec = _unit(vectors[si] + STORY_NOISE * _unit(nrng.standard_normal(vectors.shape[1])))
        base = now - timedelta(seconds=rng.uniform(0, DAYS * 86400))
        story_id = next_story
        next_story += 1
        members, vecs, outlets = [], [], set()
        for j in range(size):
            aid = next_article
            next_article += 1
            published = base + timedelta(minutes=rng.expovariate(1 / 240) if j else 0)
            outlet = rng.choices(publishers, weights)[0]
            outlets.add(outlet)
            paras = list(paragraphs[si])
            if len(paras) > 3:
                paras = [p for k, p in enumerate(paras) if k == 0 or rng.random() > 0.2]
                head, rest = paras[:1], paras[1:]
                rng.shuffle(rest)
                paras = head + rest
            other = rng.choice(by_category[category[s[0]]])
            paras += rng.sample(paragraphs[other], min(2, len(paragraphs[other])))
            body = "\n\n".join(paras)
            title = s[2] + (rng.choice(VARIANTS) if j else "")
            vec = _unit(story_vec + ARTICLE_NOISE * _unit(nrng.standard_normal(vectors.shape[1])))
            vecs.append(vec)
            con.execute(
                "INSERT INTO articles (id, url, title, author, outlet, published_at, fetched_at,"
                " language, image_url, summary, text, html, word_count, content_hash,"
                " extraction_error) VALUES (?, ?, ?, ?, ?, ?, ?, 'en', ?, NULL, ?, ?, ?, ?, NULL)",
                (
                    aid,
                    f"https://gen.example/{story_id}/{aid}",
                    title,
                    s[4],
                    outlet,
                    _ts(published),
                    _ts(published + timedelta(minutes=3)),
                    s[5],
                    body,
                    "".join(f"<p>{_escape(p)}</p>" for p in paras),
                    len(body.split()),
                    f"gen{aid:016x}",
                ),
            )
            con.execute(
                "INSERT INTO enrichments (article_id, model_version, enriched_at, language,"
                " summary, key_points, embedding, minhash, terms, duplicate_of, story_id,"
                " seen_at, error, box_summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, ?)",
                (
                    aid,
                    s[6],
                    _ts(published + timedelta(minutes=4)),
                    s[7],
                    s[8],
                    s[9],
                    vec.astype(np.float16).tobytes(),
                    nrng.integers(0, 2**32, 128, dtype=np.uint32).tobytes(),
                    s[11],
                    story_id,
                    _ts(published),
                    s[12],
                ),
            )
            for table, columns in COPIED.items():
                con.execute(
                    f"INSERT INTO {table} (article_id, {columns}) "  # noqa: S608 - constants
                    f"SELECT ?, {columns} FROM {table} WHERE article_id = ?",
                    (aid, s[0]),
                )
            members.append((aid, published, title))
        centroid = _unit(np.mean(vecs, axis=0)).astype(np.float16).tobytes()
        first, last = members[0][1], max(m[1] for m in members)
        score = float(np.log(2 * np.log1p(len(outlets)) + np.log1p(size)))
        score -= (now - last).total_seconds() / 3600 / 12 * np.log(2)
        con.execute(
            "INSERT INTO stories (id, title, title_article_id, first_seen, last_seen,"
            " article_count, outlet_count, score, centroid, summary, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                story_id,
                members[0][2],
                members[0][0],
                _ts(first),
                _ts(last),
                size,
                len(outlets),
                score,
                centroid,
                s[8],
                _ts(first),
                _ts(last),
            ),
        )
        made += size
        if made % 5000 < size:
            con.execute("COMMIT")
            print(f"  {have + made} articles", file=sys.stderr)
            con.execute("BEGIN")
    con.execute(
        "UPDATE tags SET article_count ="
        " (SELECT count(*) FROM article_tags t WHERE t.tag_id = tags.id)"
    )
    con.execute("COMMIT")
    con.execute("ANALYZE")
    return made


# The seed's rows copied for each generated article (all columns but id and article_id).
COPIED = {
    "article_tags": "tag_id, score, is_hashtag, kind",
    "quotes": "quote, speaker, speaker_tag_id, cue, kind, outlet, position",
    "figures": 'position, text, value, low, high, unit, what, what_key, "when", source, sentence',
    "descriptions": "tag_id, phrase",
}


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def stamp_version(db_url: str) -> None:
    """Mark every enrichment row done by the current pipeline version: the seeds were enriched
    by the code of their day, and a database of another version would all be redone."""
    engine = connect(db_url, migrate=False)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE enrichments SET model_version = :v WHERE model_version <> :v"),
                {"v": pipeline_version()},
            )
    finally:
        engine.dispose()


def copy_to_database(data_dir: Path, db_url: str, batch: int = 2000) -> dict[str, int]:
    """Copy the generated SQLite database into the empty database at `db_url` (migrated here);
    returns the rows per table. Serial ids are moved past the copied ones (PostgreSQL)."""
    assert models_ai and models_llm and models_readers  # their tables are in Base.metadata
    source = connect(f"sqlite:///{data_dir / 'newsdesk.db'}", migrate=False)
    dest = connect(db_url)
    counts: dict[str, int] = {}
    try:
        with source.connect() as src, dest.begin() as dst:
            for table in Base.metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = src.execute(select(table)).mappings()
                done = 0
                while chunk := rows.fetchmany(batch):
                    dst.execute(insert(table), [dict(r) for r in chunk])
                    done += len(chunk)
                counts[table.name] = done
                pk = list(table.primary_key.columns)
                serial = len(pk) == 1 and pk[0].autoincrement and pk[0].type.python_type is int
                if dest.dialect.name == "postgresql" and serial and done:
                    dst.execute(
                        text("SELECT setval(pg_get_serial_sequence(:t, :c), :m)"),
                        {
                            "t": table.name,
                            "c": pk[0].name,
                            "m": dst.execute(select(func.max(pk[0]))).scalar(),
                        },
                    )
            if dest.dialect.name == "postgresql":
                dst.execute(text("ANALYZE"))
    finally:
        source.dispose()
        dest.dispose()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--force", action="store_true", help="generate again")
    opts = parser.parse_args()
    if data_missing(BBC) or data_missing(UCI):
        return 2
    print(generate(opts.articles, opts.cache, opts.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
