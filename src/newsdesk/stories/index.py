"""Approximate nearest-neighbour index of article vectors (hnswlib, cosine), ids = article ids.

Persisted under settings.data_dir/index/ as `articles.hnsw` + `articles.json` (embedding version,
count, size and BLAKE2 checksum of the index file). Writes go to a temporary file that replaces
the old one, so a crash leaves the previous index intact. On open the index is checked against
the database: a missing, corrupt or other-version index is rebuilt from enrichments.embedding,
and a stale one (a crash after a batch committed, rows deleted since) is caught up incrementally.

Several workers (and web processes) on several machines each keep their own index file: the
database is the truth. Each index remembers when it last looked (``synced_at``, saved with it)
and ``catch_up`` adds the vectors written since then by anyone (enrichments.enriched_at is
indexed): the clustering owner does so before it clusters, and an open index (web app, `ask`)
at most every CATCH_UP_EVERY seconds. A full ``sync_with_db`` (which also drops deleted rows)
runs when an index is opened.

Chosen by measurement (../shared/docs/offline-models.md and bench/related.py): hnswlib builds
fastest and answers k=10 in ~0.3-1 ms at 100k x 384 on two cores; faiss HNSWFlat is similar,
usearch slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from newsdesk.nlp.embed import DIM, EMBED_VERSION, from_blob
from newsdesk.nlp.embed import LANGUAGES as EMBED_LANGUAGES
from newsdesk.store.db import session_scope
from newsdesk.store.models_ai import Enrichment

# An article whose vector means something (a language the model reads; none known is taken as
# read, as story clustering takes it): a neighbour in another language is neither related
# (stories.related) nor "close in meaning" in search (search.hybrid).
READ_BY_THE_MODEL = or_(
    Enrichment.language.is_(None), Enrichment.language.in_(sorted(EMBED_LANGUAGES))
)

INDEX_FORMAT = 1
M = 16
EF_CONSTRUCTION = 100
EF_SEARCH = 96
RETRY_EF_FACTOR = 4  # a query hnswlib cannot fully answer is asked again this much wider
CATCH_UP_EVERY = 10.0  # seconds between an open index's look at the database
# Rows written up to this long before the last look are read again: commit delays and clock
# skew between machines.
CATCH_UP_SLACK = timedelta(seconds=60)


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class VectorIndex:
    """hnswlib inner-product index over normalized vectors. Thread-safe."""

    def __init__(self, directory: Path | None, dim: int = DIM, version: str = EMBED_VERSION):
        self.directory = Path(directory) if directory is not None else None
        self.dim = dim
        self.version = version
        self._lock = threading.RLock()
        self._index = self._new(1024)
        self._ids: set[int] = set()
        self._dirty = False
        self._mtime: float | None = None
        # When this index last read the database's vectors (None: never); time.monotonic() of
        # the last catch_up.
        self.synced_at: datetime | None = None
        self.checked_at = 0.0

    # ------------------------------------------------------------------ files

    @property
    def path(self) -> Path | None:
        return self.directory / "articles.hnsw" if self.directory else None

    @property
    def meta_path(self) -> Path | None:
        return self.directory / "articles.json" if self.directory else None

    def _new(self, capacity: int) -> Any:
        import hnswlib

        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=capacity, ef_construction=EF_CONSTRUCTION, M=M)
        index.set_ef(EF_SEARCH)
        index.set_num_threads(1)
        return index

    def load(self) -> bool:
        """Load from disk; False (and an empty index) if missing, corrupt or of another version."""
        import hnswlib

        path, meta_path = self.path, self.meta_path
        if path is None or meta_path is None or not path.exists() or not meta_path.exists():
            return False
        try:
            meta = json.loads(meta_path.read_text())
            if (
                meta.get("format") != INDEX_FORMAT
                or meta.get("version") != self.version
                or meta.get("dim") != self.dim
                or meta.get("size") != path.stat().st_size
                or meta.get("digest") != _digest(path)
            ):
                return False
            index = hnswlib.Index(space="ip", dim=self.dim)
            index.load_index(str(path), max_elements=max(1024, int(meta["count"]) + 1024))
            index.set_ef(EF_SEARCH)
            index.set_num_threads(1)
            ids = {int(i) for i in index.get_ids_list()}
            deleted = {int(i) for i in meta.get("deleted", [])}
            synced = meta.get("synced_at")
            synced_at = datetime.fromisoformat(synced) if synced else None
        except (OSError, ValueError, KeyError, RuntimeError, TypeError):
            return False
        with self._lock:
            self._index = index
            self._ids = ids - deleted
            self._dirty = False
            self._mtime = path.stat().st_mtime
            self.synced_at = synced_at
        return True

    def save(self) -> None:
        """Atomically write the index and its metadata (no-op if unchanged or in memory)."""
        path, meta_path = self.path, self.meta_path
        if path is None or meta_path is None:
            return
        with self._lock:
            if not self._dirty and path.exists():
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            tag = f"{os.getpid()}.{threading.get_ident()}"
            tmp = path.with_suffix(f".hnsw.{tag}.tmp")
            self._index.save_index(str(tmp))
            all_ids = {int(i) for i in self._index.get_ids_list()}
            meta = {
                "format": INDEX_FORMAT,
                "version": self.version,
                "dim": self.dim,
                "count": len(all_ids),
                "deleted": sorted(all_ids - self._ids),
                "size": tmp.stat().st_size,
                "digest": _digest(tmp),
                "synced_at": self.synced_at.isoformat() if self.synced_at else None,
            }
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            meta_tmp = meta_path.with_suffix(f".json.{tag}.tmp")
            meta_tmp.write_text(json.dumps(meta))
            # The index first, then its description: a crash in between fails the check on
            # load and the index is rebuilt, never used with the wrong metadata.
            os.replace(tmp, path)
            os.replace(meta_tmp, meta_path)
            self._dirty = False
            self._mtime = path.stat().st_mtime

    def reload_if_changed(self) -> None:
        """For readers in another process (the web app): pick up a newer saved index."""
        path = self.path
        if path is None or not path.exists():
            return
        if self._mtime is None or path.stat().st_mtime != self._mtime:
            self.load()

    # ------------------------------------------------------------------ contents

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._ids

    def ids(self) -> set[int]:
        with self._lock:
            return set(self._ids)

    def add(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add or replace vectors (normalized float32, one row per id)."""
        if len(ids) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        with self._lock:
            needed = len(self._index.get_ids_list()) + len(ids)
            capacity = self._index.get_max_elements()
            if needed > capacity:
                self._index.resize_index(max(needed, int(capacity * 1.5)))
            labels = np.asarray(ids, dtype=np.int64)
            revived = [i for i in labels.tolist() if i not in self._ids]
            if revived:
                present = self._all_ids()
                for label in revived:
                    if label in present:
                        self._index.unmark_deleted(label)
            self._index.add_items(vectors, labels)
            self._ids.update(int(i) for i in labels)
            self._dirty = True

    def _all_ids(self) -> set[int]:
        return {int(i) for i in self._index.get_ids_list()}

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            for article_id in ids:
                if article_id in self._ids:
                    self._index.mark_deleted(int(article_id))
                    self._ids.discard(int(article_id))
                    self._dirty = True

    def search(self, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """The k nearest article ids with cosine similarity, best first."""
        return self.search_many(np.asarray(vector, dtype=np.float32).reshape(1, -1), k)[0]

    def search_many(self, vectors: np.ndarray, k: int = 10) -> list[list[tuple[int, float]]]:
        with self._lock:
            n = len(self._ids)
            if n == 0 or len(vectors) == 0:
                return [[] for _ in range(len(vectors))]
            kk = min(k, n)
            queries = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), self.dim)
            self._index.set_ef(max(EF_SEARCH, kk))
            try:
                labels, dists = self._index.knn_query(queries, k=kk)
            except RuntimeError:
                # hnswlib raises when one query finds fewer than k live neighbours: copies of
                # one text (identical vectors) with many deleted can cut part of the graph off
                # (nmslib/hnswlib#373, #608). Each query is asked again on its own.
                return [self._search_one(query, kk) for query in queries]
        return [_pairs(lrow, drow) for lrow, drow in zip(labels, dists, strict=True)]

    def _search_one(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to k nearest of one query, best first, searching RETRY_EF_FACTOR times wider. With
        a fixed ef hnswlib's search does not depend on k: the largest k it answers is found by
        bisection. Called with the lock held."""
        self._index.set_ef(RETRY_EF_FACTOR * max(EF_SEARCH, k))
        found: list[tuple[int, float]] = []
        low, high, want = 1, k, k  # k first: the wider search usually finds them all
        while low <= high:
            try:
                labels, dists = self._index.knn_query(query.reshape(1, -1), k=want)
            except RuntimeError:
                high = want - 1
            else:
                found, low = _pairs(labels[0], dists[0]), want + 1
            want = (low + high) // 2
        return found


def _pairs(labels: np.ndarray, dists: np.ndarray) -> list[tuple[int, float]]:
    """hnswlib's answer as (article id, cosine similarity) pairs."""
    return [(int(label), float(1.0 - dist)) for label, dist in zip(labels, dists, strict=True)]


def index_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "index"


def sync_with_db(index: VectorIndex, engine: Engine, batch: int = 5000) -> tuple[int, int]:
    """Make the index hold exactly the stored embeddings: add missing rows, drop deleted ones.

    Returns (added, removed). Reads only ids first, then the missing vectors in batches.
    """
    started = datetime.now(UTC)
    with session_scope(engine) as session:
        db_ids = set(
            session.scalars(select(Enrichment.article_id).where(Enrichment.embedding.is_not(None)))
        )
    have = index.ids()
    missing = sorted(db_ids - have)
    stale = have - db_ids
    index.remove(stale)
    _add_stored(index, engine, missing, batch)
    index.synced_at = started
    return len(missing), len(stale)


def _add_stored(index: VectorIndex, engine: Engine, ids: list[int], batch: int = 5000) -> int:
    """Add the stored vectors of these articles to the index, `batch` at a time; how many."""
    added = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        with session_scope(engine) as session:
            rows = session.execute(
                select(Enrichment.article_id, Enrichment.embedding).where(
                    Enrichment.article_id.in_(chunk)
                )
            ).all()
        found, vecs = [], []
        for article_id, blob in rows:
            vec = from_blob(blob)
            if vec is not None:
                found.append(int(article_id))
                vecs.append(vec)
        if found:
            index.add(found, np.vstack(vecs))
            added += len(found)
    return added


def catch_up(index: VectorIndex, engine: Engine) -> int:
    """Add the vectors written (by any process) since the index last looked; returns how many.
    An index that never looked is synced in full."""
    index.checked_at = time.monotonic()
    if index.synced_at is None:
        return sync_with_db(index, engine)[0]
    started = datetime.now(UTC)
    with session_scope(engine) as session:
        rows = session.execute(
            select(Enrichment.article_id).where(
                Enrichment.enriched_at >= index.synced_at - CATCH_UP_SLACK,
                Enrichment.embedding.is_not(None),
            )
        ).all()
    missing = sorted({int(r[0]) for r in rows} - index.ids())
    added = _add_stored(index, engine, missing)
    index.synced_at = started
    return added


_open: dict[tuple[str, str], VectorIndex] = {}
_open_lock = threading.Lock()


def open_index(engine: Engine, data_dir: Path, cached: bool = True) -> VectorIndex:
    """The article index for this database: loaded from data_dir/index, checked and caught up.

    `cached`: reuse the one already open in this process (reloaded if another process saved a
    newer one). A fresh object every time with cached=False (e.g. to prove persistence).
    """
    key = (str(engine.url), str(Path(data_dir).resolve()))
    with _open_lock:
        index = _open.get(key) if cached else None
        if index is None:
            index = VectorIndex(index_dir(data_dir))
            index.load()
            added, removed = sync_with_db(index, engine)
            index.checked_at = time.monotonic()
            if added or removed:
                index.save()
            if cached:
                _open[key] = index
        else:
            index.reload_if_changed()
            if time.monotonic() - index.checked_at >= CATCH_UP_EVERY:
                catch_up(index, engine)  # vectors written by workers on other machines
        return index


def forget_open_indexes() -> None:
    """Drop this process's cached indexes (tests)."""
    with _open_lock:
        _open.clear()
