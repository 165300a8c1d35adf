"""The enrichment stage: incremental, resumable, version-aware, exported as JSON lines."""

from __future__ import annotations

import io
import json
import resource
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.enrich import EnrichBusy, enrich, export_stories, pending_count
from newsdesk.enrich.run import _run_lock
from newsdesk.nlp.embed import Embedder, get_embedder
from newsdesk.store import connect, session_scope
from newsdesk.store.models_ai import ArticleTag, Enrichment, QuoteRow, Story, Tag
from newsdesk.stories.index import forget_open_indexes, open_index

try:
    from .conftest import bbc_article, database_at, shared_data
    from .stories_support import ecb_documents, import_records, record
except ImportError:  # pragma: no cover
    from conftest import bbc_article, database_at, shared_data  # type: ignore[no-redef]
    from stories_support import ecb_documents, import_records, record  # type: ignore[no-redef]


pytestmark = pytest.mark.slow  # make test-fast leaves it out


@pytest.fixture
def small(settings: Settings) -> tuple[Settings, list[int]]:
    """Eight ECB+ articles (two events) in a fresh database."""
    docs = ecb_documents(shared_data("ecbplus-story-clusters"))
    picked = [d for d in docs if d["topic"] == 7][:4] + [d for d in docs if d["topic"] == 12][:4]
    ids = import_records(settings, [record(d, f"Outlet {i % 3}") for i, d in enumerate(picked)])
    forget_open_indexes()
    return settings, sorted(ids.values())


def _snapshot(settings: Settings) -> dict[int, tuple]:
    with session_scope(connect(settings.db_url)) as session:
        return {
            e.article_id: (e.model_version, e.enriched_at, e.story_id)
            for e in session.scalars(select(Enrichment))
        }


def test_enrich_stores_everything_and_a_second_run_does_nothing(small) -> None:
    settings, ids = small
    engine = connect(settings.db_url)
    seen: list[tuple[int, int]] = []
    assert enrich(engine, settings, progress=lambda d, t: seen.append((d, t)), batch_size=3) == 8
    assert seen[-1] == (8, 8) and len(seen) == 3
    with session_scope(engine) as session:
        rows = session.scalars(select(Enrichment)).all()
        assert sorted(r.article_id for r in rows) == ids
        for r in rows:
            assert r.summary and r.embedding and len(r.embedding) == 768 and r.terms
            assert r.story_id is not None and r.seen_at is not None
        assert session.scalar(select(func.count()).select_from(ArticleTag)) > 8
        assert session.scalar(select(func.count()).select_from(Story)) >= 2
        assert session.scalar(select(func.count()).select_from(QuoteRow)) >= 1
        tag = session.scalar(select(Tag).where(func.lower(Tag.slug) == "wladimirklitschko"))
        assert tag is not None and tag.kind == "person" and tag.article_count == 4
    before = _snapshot(settings)
    assert pending_count(engine) == 0
    assert enrich(engine, settings) == 0
    assert _snapshot(settings) == before


def _results(settings: Settings) -> dict[int, tuple]:
    with session_scope(connect(settings.db_url)) as session:
        tags = session.execute(
            select(ArticleTag.article_id, Tag.slug, Tag.kind, ArticleTag.is_hashtag).join(
                Tag, Tag.id == ArticleTag.tag_id
            )
        ).all()
        quotes = session.execute(select(QuoteRow.article_id, QuoteRow.quote, QuoteRow.speaker))
        out: dict[int, tuple] = {}
        for e in session.scalars(select(Enrichment)):
            out[e.article_id] = (
                e.summary,
                e.key_points,
                sorted(t[1:] for t in tags if t[0] == e.article_id),
                np.frombuffer(e.embedding, dtype=np.float16).round(2).tolist(),
            )
        for article_id, quote, speaker in quotes:
            out[article_id] += ((quote, speaker),)
        return out


def _pooled(tmp_path: Path, name: str) -> Settings:
    docs = ecb_documents(shared_data("ecbplus-story-clusters"))
    picked = [d for d in docs if d["topic"] == 7][:4] + [d for d in docs if d["topic"] == 12][:4]
    pooled = Settings(data_dir=tmp_path / name, enrich_workers=2)
    pooled.data_dir.mkdir()
    import_records(pooled, [record(d, f"Outlet {i % 3}") for i, d in enumerate(picked)])
    forget_open_indexes()
    return pooled


@pytest.mark.parametrize("caller_computes", [True, False])
def test_analysis_worker_processes_give_the_same_results(
    small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caller_computes: bool
) -> None:
    """A backlog larger than a batch is computed by a spawned worker process (two batches
    ahead) and, unless told not to (`serve`), by this process as well; what is stored is
    exactly what the in-process path stores."""
    settings, ids = small
    assert enrich(connect(settings.db_url), settings, batch_size=3) == 8
    in_process = _results(settings)
    pooled = _pooled(tmp_path, "pooled")
    # Count the batches analysed in this process (the spawned worker imports its own copy).
    import newsdesk.enrich.run as enrich_module

    here: list[int] = []
    real = enrich_module._default_analyzer

    def counting(docs, outlets, languages):  # type: ignore[no-untyped-def]
        here.append(len(docs))
        return real(docs, outlets, languages)

    monkeypatch.setattr(enrich_module, "_default_analyzer", counting)
    seen: list[tuple[int, int]] = []
    engine = connect(pooled.db_url)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    done = enrich(
        engine,
        pooled,
        batch_size=3,
        progress=lambda d, t: seen.append((d, t)),
        caller_computes=caller_computes,
    )
    assert done == 8
    # a worker process ran (and loaded the models)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - children > 0.5
    assert (len(here) > 0) == caller_computes
    assert seen == [(3, 8), (6, 8), (8, 8)]
    assert _results(pooled) == in_process
    assert pending_count(engine) == 0


def test_dead_analysis_workers_fall_back_to_this_process(small) -> None:
    """A program read from stdin cannot be re-imported by spawned workers, so they die at
    start: the run still enriches everything, in the calling process, and says why."""
    import subprocess
    import sys

    settings, ids = small
    script = (
        "import logging\n"
        "from pathlib import Path\n"
        "from newsdesk.config import Settings\n"
        "from newsdesk.enrich import enrich\n"
        "from newsdesk.store import connect\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        f"settings = Settings(data_dir=Path({str(settings.data_dir)!r}), enrich_workers=2)\n"
        "print('enriched', enrich(connect(settings.db_url), settings, batch_size=3))\n"
    )
    done = subprocess.run(
        [sys.executable, "-"], input=script, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "enriched 8" in done.stdout
    assert "analysing" in done.stderr
    assert sorted(_snapshot(settings)) == ids


def test_new_articles_are_enriched_once_and_join_stories(small) -> None:
    settings, ids = small
    engine = connect(settings.db_url)
    assert enrich(engine, settings) == 8
    docs = ecb_documents(shared_data("ecbplus-story-clusters"))
    extra = [d for d in docs if d["topic"] == 7 and d["subtopic"] == "ecb"][4:5]
    new_ids = import_records(settings, [record(d, "Late Outlet") for d in extra])
    new_id = max(new_ids.values())
    before = _snapshot(settings)
    assert enrich(engine, settings) == 1
    after = _snapshot(settings)
    assert {k: v[:2] for k, v in after.items() if k != new_id} == {
        k: v[:2] for k, v in before.items()
    }
    # The late article joins the story of the same event's earlier articles.
    first_event = [i for i in ids[:4] if before[i][2] is not None]
    stories = {after[i][2] for i in first_event}
    assert after[new_id][2] in stories


def test_model_version_change_re_enriches(small) -> None:
    settings, _ids = small
    engine = connect(settings.db_url)
    assert enrich(engine, settings, version="test-v1") == 8
    with session_scope(engine) as session:
        tags_before = session.scalar(select(func.count()).select_from(ArticleTag))
    assert enrich(engine, settings, version="test-v1") == 0
    assert pending_count(engine, "test-v2") == 8
    assert enrich(engine, settings, version="test-v2", limit=4, batch_size=4) == 4
    versions = {v[0] for v in _snapshot(settings).values()}
    assert versions == {"test-v1", "test-v2"}  # lazily: the rest on the next run
    assert enrich(engine, settings, version="test-v2") == 4
    assert {v[0] for v in _snapshot(settings).values()} == {"test-v2"}
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ArticleTag)) == tags_before
        assert all(e.story_id is not None for e in session.scalars(select(Enrichment)))


class _Crash(RuntimeError):
    pass


class _FailingEmbedder:
    """The real embedder, failing on its second batch (a crash mid-run)."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.calls = 0

    def embed_articles(self, docs: list[tuple[str, str]]) -> np.ndarray:
        self.calls += 1
        if self.calls == 2:
            raise _Crash("boom")
        return self.real.embed_articles(docs)


def test_crash_mid_run_keeps_committed_batches_and_resumes(small) -> None:
    settings, ids = small
    engine = connect(settings.db_url)
    failing = _FailingEmbedder(get_embedder())
    with pytest.raises(_Crash):
        enrich(engine, settings, batch_size=3, embedder=failing)  # type: ignore[arg-type]
    done = _snapshot(settings)
    assert sorted(done) == ids[:3]  # the first batch is committed, the second is not
    forget_open_indexes()  # a new process: the index was never saved
    assert enrich(engine, settings, batch_size=3) == 5
    after = _snapshot(settings)
    assert sorted(after) == ids and all(v[2] is not None for v in after.values())
    index = open_index(engine, settings.data_dir, cached=False)
    assert index.ids() == set(ids)


def test_export_stories_jsonl(small) -> None:
    settings, ids = small
    engine = connect(settings.db_url)
    enrich(engine, settings)
    out = io.StringIO()
    assert export_stories(engine, out) == 8
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["article_id"] for row in lines] == ids
    for row in lines:
        assert {"article_id", "url", "story_id", "title", "outlet", "duplicate_of"} <= set(row)
        assert row["url"].startswith("https://news.example/") and row["story_id"]


def test_one_enrich_at_a_time(tmp_path: Path) -> None:
    with _run_lock(tmp_path), pytest.raises(EnrichBusy), _run_lock(tmp_path):
        pass


def test_re_enriching_leaves_no_empty_stories(small) -> None:
    settings, _ids = small
    engine = connect(settings.db_url)
    enrich(engine, settings, version="v-a")
    enrich(engine, settings, version="v-b")
    with session_scope(engine) as session:
        stories = session.scalars(select(Story)).all()
        members = Counter(
            session.scalars(select(Enrichment.story_id).where(Enrichment.story_id.is_not(None)))
        )
        assert stories and all(members[s.id] == s.article_count for s in stories)


def test_a_topic_in_the_singular_and_the_plural_is_one_tag(small) -> None:
    """#Programs in one article and #Program in another were two tags (20 of 381 topic tags on
    154 BBC and seed-page articles had such a twin); names keep their own form."""
    from newsdesk.enrich.batch import _default_analyzer
    from newsdesk.nlp.types import Hashtag
    from newsdesk.search.synonyms import expand
    from newsdesk.store.search import parse

    settings, ids = small
    words = ["Programs", "Program", "Tories", "Tory", "Wales", "Wale", "Prize", "Prizes"]
    done: list[object] = []

    def analyzer(docs, outlets, languages):  # type: ignore[no-untyped-def]
        out = _default_analyzer(docs, outlets, languages)
        for n, analysis in enumerate(out):
            word = words[(len(done) + n) % len(words)]
            kind = "place" if word.startswith("Wale") else "topic"
            analysis.hashtags = [Hashtag(word, word, kind, 1.0)]
        done.extend(out)
        return out

    enrich(connect(settings.db_url), settings, batch_size=8, analyzer=analyzer)
    with session_scope(connect(settings.db_url)) as session:
        tagged = session.execute(
            select(Tag.label, func.count()).join(ArticleTag).group_by(Tag.label)
        ).all()
    labels = dict(tagged)
    assert labels.get("Programs") == 2 and labels.get("Tories") == 2, labels
    assert labels.get("Prize") == 2 and "Program" not in labels and "Tory" not in labels
    assert labels.get("Wales") == 1 and labels.get("Wale") == 1  # names are not folded
    with session_scope(connect(settings.db_url)) as session:  # a search names the tag either way
        assert [t.label for t in expand(session, parse("prizes")).tags] == ["Prize"]
        assert [t.label for t in expand(session, parse("tory")).tags] == ["Tories"]


@pytest.mark.pg  # and on the PostgreSQL pass
def test_a_tag_takes_the_kind_most_of_its_articles_read(small) -> None:
    """A tag's kind was the one its first article gave it: one misreading ("Ballymena" an
    organisation) typed it for every later article. Each article now votes."""
    from newsdesk.enrich.batch import _default_analyzer
    from newsdesk.nlp.types import Hashtag

    settings, ids = small
    done: list[object] = []

    def analyzer(docs, outlets, languages):  # type: ignore[no-untyped-def]
        out = _default_analyzer(docs, outlets, languages)
        for analysis in out:
            i = len(done)
            town = "organization" if i == 0 else "place" if i < 5 else "topic"
            tags = [Hashtag("Ballymena", "Ballymena", town, 1.0)]
            tags.append(Hashtag("Festen", "Festen", "person" if i == 0 else "topic", 1.0))
            if i < 2:  # one vote each: a name's kind wins the tie
                tags.append(Hashtag("Circle", "Circle", "topic" if i == 0 else "place", 1.0))
            analysis.hashtags = tags
            done.append(analysis)
        return out

    enrich(connect(settings.db_url), settings, batch_size=4, analyzer=analyzer)
    assert len(done) == len(ids) == 8
    with session_scope(connect(settings.db_url)) as session:
        kinds = dict(session.execute(select(Tag.label, Tag.kind)).all())
        counts = dict(session.execute(select(Tag.label, Tag.article_count)).all())
    assert kinds["Ballymena"] == "place", kinds  # 4 of its articles against 1 and 3
    assert kinds["Festen"] == "topic" and kinds["Circle"] == "place"
    assert counts["Ballymena"] == counts["Festen"] == len(ids) and counts["Circle"] == 2


def test_migration_0017_lets_stored_tags_vote_for_their_kind(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    cfg, engine = database_at(tmp_path / "old.sqlite", "0016")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (id, url, title, outlet, fetched_at, text, html, word_count)"
                " VALUES (1, 'https://x.example/1', 't', 'o', '2024-01-01 00:00:00', '', '', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tags (id, slug, label, kind, article_count, created_at) "
                "VALUES (7, 'Ballymena', 'Ballymena', 'place', 1, '2024-01-01 00:00:00')"
            )
        )
        conn.execute(text("INSERT INTO article_tags VALUES (1, 7, 1.0, 1)"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT tag_id, kind FROM article_tags")).all() == [(7, "place")]
    command.downgrade(cfg, "0016")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM article_tags")).all() == [(1, 7, 1.0, 1)]


@pytest.mark.pg  # and on the PostgreSQL pass
def test_a_tag_named_in_capitals_takes_the_name_as_written(small) -> None:
    """ "NEW YORK:" (a dateline) named the tag of New York for every later article: #NEWYORK
    on eleven BBC pages. A name of several words in capitals takes the case another article
    writes; one word in capitals may be an acronym and stays."""
    from newsdesk.enrich.batch import _default_analyzer
    from newsdesk.nlp.types import Hashtag

    settings, ids = small
    done: list[object] = []

    def analyzer(docs, outlets, languages):  # type: ignore[no-untyped-def]
        out = _default_analyzer(docs, outlets, languages)
        for analysis in out:
            first = not done
            city = "NEW YORK" if first else "New York"
            body = "NATO" if first else "Nato"
            analysis.hashtags = [
                Hashtag(city, city, "place", 1.0),
                Hashtag(body, body, "organization", 1.0),
            ]
            done.append(analysis)
        return out

    enrich(connect(settings.db_url), settings, batch_size=4, analyzer=analyzer)
    with session_scope(connect(settings.db_url)) as session:
        tags = {
            slug: (label, n)
            for slug, label, n in session.execute(select(Tag.slug, Tag.label, Tag.article_count))
        }
    assert tags.get("NewYork") == ("New York", len(ids)), tags
    assert "NEWYORK" not in tags and tags.get("NATO") == ("NATO", len(ids)), tags


def _bbc_record(path: str, n: int) -> dict:
    """An import record of a BBC file, published on day `n` of December 2026."""
    title, body = bbc_article(path)
    return {
        "url": f"https://news.example/bbc/{n}",
        "title": title,
        "text": body.strip(),
        "source": "BBC News",
        "published": f"2026-12-0{n}T09:00:00+00:00",
    }


def test_mrs_howard_is_not_the_tag_of_michael_howard(settings: Settings) -> None:
    """Tags are shared across articles by their names' keys; "Howard" stands for Michael
    Howard once an article says so, but "Mrs Howard gets key election role" (BBC) is about
    his wife: a gendered title with one name keeps its own key and its own tag."""

    ids = import_records(
        settings, [_bbc_record("politics/086.txt", 1), _bbc_record("politics/011.txt", 2)]
    )
    engine = connect(settings.db_url)
    enrich(engine, settings, batch_size=1)  # his article first: "howard" is his alias then
    with session_scope(engine) as session:
        tags = {
            article: [slug for (slug,) in rows]
            for article in ids.values()
            if (
                rows := session.execute(
                    select(Tag.slug)
                    .join(ArticleTag, ArticleTag.tag_id == Tag.id)
                    .where(ArticleTag.article_id == article, ArticleTag.is_hashtag.is_(True))
                    .order_by(ArticleTag.score.desc())
                ).all()
            )
        }
    his, hers = ids["https://news.example/bbc/1"], ids["https://news.example/bbc/2"]
    assert "MichaelHoward" in tags[his], tags
    assert tags[hers][:2] == ["MrsHoward", "MichaelHoward"], tags
    engine.dispose()


def test_a_person_named_in_full_is_not_found_by_the_surname(settings: Settings) -> None:
    """A reader's BBC database tagged Dan Brown (the Da Vinci Code's author) as "Steve Brown":
    the surname "brown" was the alias key of the first Brown stored, and a full name not yet
    a tag was then looked up by its surname. A person named in full is found by a full name."""

    # Steve Brown (the Capra musical) first, then Dan Brown
    ids = import_records(
        settings, [_bbc_record("entertainment/003.txt", 1), _bbc_record("entertainment/009.txt", 2)]
    )
    engine = connect(settings.db_url)
    enrich(engine, settings, batch_size=1)
    with session_scope(engine) as session:
        labels = {
            label
            for (label,) in session.execute(
                select(Tag.label)
                .join(ArticleTag, ArticleTag.tag_id == Tag.id)
                .where(ArticleTag.article_id == ids["https://news.example/bbc/2"])
            )
        }
    assert "Dan Brown" in labels and "Steve Brown" not in labels, labels
    engine.dispose()


_Names = dict[str, tuple[str, str, list[str]]]  # what a test calls it -> (label, kind, aliases)


def _resolved_in_two_batches(engine: Engine, first: _Names, later: _Names) -> list[dict[str, int]]:
    """The tag ids of `first`'s names, resolved and stored as one batch, then of `later`'s as
    the next batch."""
    from newsdesk.enrich.tags import TagResolver

    out = []
    for names in (first, later):
        with session_scope(engine) as session:
            resolver = TagResolver(session)
            refs = {n: resolver.resolve(label, kind, al) for n, (label, kind, al) in names.items()}
            resolver.flush()
            out.append({n: resolver.id(r) for n, r in refs.items()})
    return out


def test_a_place_is_not_found_by_one_word_of_a_longer_name_of_another_kind(
    settings: Settings,
) -> None:
    """A reader's BBC database tagged an article on Milan with "Milan Kundera" and one on
    Baghdad with "Baghdad Blogger": a person's one-word alias ("milan") was the key the place
    was then found by. A place is not found by one word of a longer name of another kind (the
    place Jordan is not Michael Jordan); a person by one word of a person still is."""
    engine = connect(settings.db_url)
    first, found = _resolved_in_two_batches(
        engine,
        {
            "kundera": ("Milan Kundera", "person", ["Milan"]),
            "jordan": ("Michael Jordan", "person", ["Jordan"]),
            "blair": ("Tony Blair", "person", ["Blair"]),
        },
        {
            "Milan": ("Milan", "place", []),
            "Jordan": ("Jordan", "place", []),
            "Blair": ("Blair", "person", []),
        },
    )
    ids = set(first.values())
    with session_scope(engine) as session:
        kinds = dict(session.execute(select(Tag.label, Tag.kind)).all())
    assert found["Milan"] not in ids and found["Jordan"] not in ids, found
    assert found["Blair"] in ids, found  # the surname of the same kind still finds him
    assert kinds["Milan"] == "place" and kinds["Jordan"] == "place", kinds
    engine.dispose()


def test_a_thing_is_not_found_by_the_first_word_of_a_longer_name_its_article_never_writes(
    settings: Settings,
) -> None:
    """35 real feeds in one database: an Advanced Swift post's heading "Xcode Quick Help
    Documentation" (taken for an organisation, with "Xcode" as its short form) became the tag
    of 66 articles of 26 outlets that name Xcode (and, once keyphrases took "Xcode" as a topic,
    of 100 articles of the feeds' JSON Feed versions); BBC copy's "Disney" was "Roy Disney". A name
    of one word finds a longer name of a thing only when its article writes that name too, or
    is its initials; a person's name still finds the person."""
    engine = connect(settings.db_url)
    ids, found = _resolved_in_two_batches(
        engine,
        {
            "heading": ("Xcode Quick Help Documentation", "organization", ["Xcode"]),
            "gcd": ("Grand Central Dispatch", "organization", ["GCD"]),
            "roy": ("Roy Disney", "person", ["Disney"]),
            # the model takes a heading for a person too ("Xcode Quick Help Documentation"
            # was one in the article that wrote it)
            "guide": ("SwiftUI Previews Guide", "person", ["SwiftUI"]),
            "claxton": ("Sarah Claxton", "person", ["Claxton"]),
            "store": ("App Store", "person", ["App"]),
            "shop": ("Shop Window", "organization", ["Shop"]),
        },
        {
            "Xcode": ("Xcode", "organization", []),
            "Xcode, a topic": ("Xcode", "topic", []),
            "Xcode, with the heading": (
                "Xcode",
                "organization",
                ["Xcode Quick Help Documentation"],
            ),
            "GCD": ("GCD", "organization", []),
            "Disney, a person": ("Disney", "person", []),
            "SwiftUI": ("SwiftUI", "organization", []),
            "a tearful Claxton": ("Claxton", "organization", []),
            "app": ("app", "topic", []),
            "apps": ("apps", "topic", []),
            "shops": ("shops", "topic", []),
            "shop": ("shop", "topic", []),
        },
    )
    assert found["Xcode"] != ids["heading"], found
    assert found["Xcode, a topic"] != ids["heading"], found  # a keyphrase: 100 articles
    assert found["Xcode, with the heading"] == ids["heading"], found
    assert found["GCD"] == ids["gcd"], found
    assert found["Disney, a person"] == ids["roy"], found
    assert found["SwiftUI"] != ids["guide"], found  # a first word, of another type
    assert found["a tearful Claxton"] == ids["claxton"], found  # the surname
    # the topic is not the "person" App Store, and its plural is the same topic
    assert found["app"] != ids["store"] and found["apps"] == found["app"], found
    assert found["shops"] != ids["shop"] and found["shop"] == found["shops"], found  # either order
    engine.dispose()
