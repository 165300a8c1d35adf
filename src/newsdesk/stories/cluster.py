"""Story clustering: which articles, from any outlets, report the same news event.

Similarity of two articles = 0.34 x cosine of their MiniLM vectors (headline + lead)
                           + 0.33 x TF-IDF cosine of their content words
                           + 0.33 x TF-IDF cosine of their names and numbers,
with IDF taken over the articles being clustered (so words shared by every article about, say,
"Klitschko defends his title" weigh little, and "Rahman" vs "Thompson" weigh a lot). Pairs where
one side is only a headline/teaser get SHORT_BONUS added (short texts score lower for the same
event).

Stories are average-linkage clusters under that similarity, cut at THRESHOLD. Average linkage
has a closed form with these features (mean pairwise similarity = dot of the two clusters' sum
vectors / (n_a * n_b)), so it is exact, needs no N x N matrix, and is computed only between
clusters that some k-nearest-neighbour edge connects.

A merge must also pass a cohesion check: the two clusters' mean cross similarity must reach
COHESION x the mean similarity inside them (each cluster's inner mean is closed-form too, from
its sum vector and the sum of its members' self-similarities). Two events of one kind (two
Waitrose fires, two DUI arrests of Chargers players) are similar to each other, but less so than
the articles about each event are among themselves; one event's articles are not. The same
holds for the content words alone (COHESION_WORDS): the two events' articles share the
vocabulary of the kind of event, but each event's articles share more. The checks apply to
clusters of full texts (at least COHESION_MIN members, mostly long): near-identical syndicated
headlines are so alike among themselves that they would keep paraphrases apart.

`cluster_docs` is a pure function of the set of articles, so the result does not depend on the
order in which they arrived; `newsdesk.stories.assign` runs it over a sliding time window of
recent articles and maps the clusters onto existing story ids.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from newsdesk.stories.features import is_short

W_EMBED = 0.34
W_WORDS = 0.33
W_NAMES = 0.33
THRESHOLD = 0.30
SHORT_BONUS = 0.15
KNN = 20
COHESION = 0.7
COHESION_MIN = 2
COHESION_WORDS = 0.4


@dataclass
class Params:
    w_embed: float = W_EMBED
    w_words: float = W_WORDS
    w_names: float = W_NAMES
    threshold: float = THRESHOLD
    short_bonus: float = SHORT_BONUS
    knn: int = KNN
    cohesion: float = COHESION
    cohesion_min: int = COHESION_MIN
    cohesion_words: float = COHESION_WORDS


@dataclass
class Doc:
    """One article as the clustering sees it."""

    id: int
    vector: np.ndarray  # normalized embedding
    terms: dict[str, Any] = field(default_factory=dict)  # features.extract_terms output

    @property
    def short(self) -> bool:
        return is_short(self.terms)


def _tfidf(bags: Sequence[dict[str, Any]]) -> sparse.csr_matrix:
    """Rows: sublinear-TF x smooth-IDF, L2-normalized (sklearn's TfidfVectorizer defaults)."""
    vocab: dict[str, int] = {}
    df: Counter[int] = Counter()
    rows, cols, vals = [], [], []
    for r, bag in enumerate(bags):
        for term, count in bag.items():
            c = vocab.setdefault(term, len(vocab))
            rows.append(r)
            cols.append(c)
            vals.append(1.0 + math.log(max(float(count), 1.0)))
            df[c] += 1
    n = len(bags)
    if not vocab:
        return sparse.csr_matrix((n, 1), dtype=np.float32)
    idf = np.ones(len(vocab), dtype=np.float64)
    for c, d in df.items():
        idf[c] = math.log((1 + n) / (1 + d)) + 1.0
    mat = sparse.csr_matrix(
        (np.asarray(vals) * idf[cols], (rows, cols)), shape=(n, len(vocab)), dtype=np.float64
    )
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ mat, dtype=np.float32)


def features(docs: Sequence[Doc], params: Params) -> sparse.csr_matrix:
    """One row per doc; row_a . row_b is the weighted similarity (before the short bonus)."""
    emb = np.vstack([d.vector for d in docs]).astype(np.float32) if docs else np.zeros((0, 384))
    words = _tfidf([d.terms.get("w", {}) for d in docs])
    names = _tfidf([d.terms.get("n", {}) for d in docs])
    return sparse.hstack(
        [
            sparse.csr_matrix(emb * math.sqrt(params.w_embed)),
            words * math.sqrt(params.w_words),
            names * math.sqrt(params.w_names),
        ],
        format="csr",
        dtype=np.float32,
    )


def _neighbours(x: sparse.csr_matrix, k: int, block: int = 512) -> list[tuple[int, int, float]]:
    """Exact k nearest neighbours by the full similarity, in blocks (no N x N matrix kept)."""
    n = x.shape[0]
    xt = x.T.tocsc()
    edges: list[tuple[int, int, float]] = []
    k = min(k, n - 1)
    if k <= 0:
        return edges
    for start in range(0, n, block):
        sims = (x[start : start + block] @ xt).toarray()
        for r in range(sims.shape[0]):
            sims[r, start + r] = -np.inf
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        for r in range(sims.shape[0]):
            for c in top[r]:
                edges.append((start + r, int(c), float(sims[r, c])))
    return edges


def cluster_docs(
    docs: Sequence[Doc],
    params: Params | None = None,
    candidate_pairs: Sequence[tuple[int, int]] | None = None,
) -> list[list[int]]:
    """Average-linkage clusters of `docs` (lists of doc ids), largest first.

    `candidate_pairs` (indexes into docs) limits which clusters may merge; by default the exact
    k nearest neighbours of each doc (fine up to ~20k docs; pass ANN pairs beyond that).
    """
    params = params or Params()
    n = len(docs)
    if n == 0:
        return []
    x = features(docs, params)
    short = np.array([d.short for d in docs], dtype=bool)
    if candidate_pairs is None:
        pairs = [(a, b) for a, b, _ in _neighbours(x, params.knn)]
    else:
        pairs = list(candidate_pairs)

    sums: dict[int, sparse.csr_matrix] = {i: x[i] for i in range(n)}
    selfdot = np.asarray(x.multiply(x).sum(axis=1)).ravel()
    selfs = {i: float(selfdot[i]) for i in range(n)}
    # The content-word block of the features (after the embedding), for its own cohesion check.
    w_lo = docs[0].vector.shape[0]
    w_hi = w_lo + (len({t for d in docs for t in d.terms.get("w", {})}) or 1)
    x_words = x[:, w_lo:w_hi]
    wselfdot = np.asarray(x_words.multiply(x_words).sum(axis=1)).ravel()
    wselfs = {i: float(wselfdot[i]) for i in range(n)}
    size = dict.fromkeys(range(n), 1)
    longs = {i: int(not short[i]) for i in range(n)}
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in pairs:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    version = dict.fromkeys(range(n), 0)

    def link(a: int, b: int) -> float:
        dot = float(sums[a].multiply(sums[b]).sum())
        pairs_ab = size[a] * size[b]
        bonus = params.short_bonus * (pairs_ab - longs[a] * longs[b])
        return (dot + bonus) / pairs_ab

    def within(a: int) -> float:
        """Mean similarity of the pairs inside cluster a (closed form, as for `link`)."""
        na, la = size[a], longs[a]
        pairs_in = na * (na - 1) / 2
        dot = float(sums[a].multiply(sums[a]).sum())
        bonus = params.short_bonus * (pairs_in - la * (la - 1) / 2)
        return ((dot - selfs[a]) / 2 + bonus) / pairs_in

    def words_within(a: int) -> float:
        wa = sums[a][:, w_lo:w_hi]
        return (float(wa.multiply(wa).sum()) - wselfs[a]) / (size[a] * (size[a] - 1))

    def cohesive(a: int, b: int, s: float) -> bool:
        """The precision check: two clusters merge only if they are about as similar to each
        other as their members are among themselves (two events of one kind are not), by the
        whole similarity and by their content words alone."""
        sides = [c for c in (a, b) if size[c] >= params.cohesion_min and 2 * longs[c] > size[c]]
        if not sides:
            return True
        if params.cohesion > 0:
            inner = sum(within(c) for c in sides) / len(sides)
            if s < params.cohesion * inner:
                return False
        if params.cohesion_words > 0:
            cross = float(sums[a][:, w_lo:w_hi].multiply(sums[b][:, w_lo:w_hi]).sum())
            inner = sum(words_within(c) for c in sides) / len(sides)
            if cross / (size[a] * size[b]) < params.cohesion_words * inner:
                return False
        return True

    heap: list[tuple[float, int, int, int, int]] = []
    for a in range(n):
        for b in adj[a]:
            if a < b:
                s = link(a, b)
                if s >= params.threshold:
                    heap.append((-s, a, b, 0, 0))
    heapq.heapify(heap)
    while heap:
        _neg, a, b, va, vb = heapq.heappop(heap)
        if a not in size or b not in size or version[a] != va or version[b] != vb:
            continue
        if not cohesive(a, b, -_neg):
            continue
        # merge b into a
        sums[a] = sums[a] + sums[b]
        size[a] += size.pop(b)
        longs[a] += longs.pop(b)
        selfs[a] += selfs.pop(b)
        wselfs[a] += wselfs.pop(b)
        members[a].extend(members.pop(b))
        del sums[b]
        version[a] += 1
        neigh = (adj[a] | adj.pop(b)) - {a, b}
        adj[a] = neigh
        for c in neigh:
            adj[c].discard(b)
            adj[c].add(a)
            s = link(a, c)
            if s >= params.threshold:
                lo, hi = (a, c) if a < c else (c, a)
                heapq.heappush(heap, (-s, lo, hi, version[lo], version[hi]))
    out = [sorted(docs[i].id for i in m) for m in members.values()]
    out.sort(key=lambda m: (-len(m), m[0]))
    return out


def similarity_matrix(docs: Sequence[Doc], params: Params | None = None) -> np.ndarray:
    """Dense pairwise similarities (for small sets: tests, titles, diagnostics)."""
    params = params or Params()
    x = features(docs, params)
    sims = (x @ x.T).toarray()
    short = np.array([d.short for d in docs], dtype=bool)
    either = short[:, None] | short[None, :]
    return np.asarray(sims + params.short_bonus * either, dtype=np.float64)
