"""Story clustering: which articles, from any outlets, report the same news event.

Articles are put together for what they say, never for being published together.

Similarity of two articles = 0.34 x cosine of their MiniLM vectors (headline + lead)
                           + 0.33 x TF-IDF cosine of their content words
                           + 0.33 x TF-IDF cosine of their names and numbers,
                             the last scaled on each side by how much of its bag is names
                             (a number counts NUMBER_SHARE: "35" alone says less than "Polen"),
with IDF taken over the articles being clustered (so words shared by every article about, say,
"Klitschko defends his title" weigh little, and "Rahman" vs "Thompson" weigh a lot). The vectors
mean something only for the languages the model covers (`newsdesk.nlp.embed.LANGUAGES`): an
article in another language has no vector part, and its words and names (with its language's
stop words left out) take the whole weight.

Pairs where one side is only a headline/teaser get an allowance (short texts score lower for the
same event): SHORT_BONUS, and HEADLINES_BONUS when both sides are (two headlines share the
fewest words), except two items of one outlet: an outlet rarely writes twice about
one event within hours (updates and live pages aside), so its own headlines must say enough by
themselves. Publication time only separates: when both sides of such a pair have a time from
their feed, the pair loses TIME_PENALTY x (1 - exp(-(gap / TIME_SCALE)^2)) (nothing published
together, -0.32 twelve hours apart, -0.49 a day apart). A headline says too little to tell
one event from the next of its kind (two days of market reports, a game's reviews and its launch
two days later). Full texts carry enough to go without it, and a time the feed did not give (the
time newsdesk fetched the article) says nothing, so neither gets the time term. The time kernel
is a dot product of per-article features (`time_features`), and the outlet term one of one-hot
outlet rows, so the linkage stays closed-form.

Stories are average-linkage clusters under that similarity, cut at THRESHOLD. Average linkage
has a closed form with these features (mean pairwise similarity = dot of the two clusters' sum
vectors / (n_a * n_b)), so it is exact, needs no N x N matrix, and is computed only between
clusters that some k-nearest-neighbour edge connects.

A merge of a cluster of headlines/teasers only with another that shares no word nor name with
it must reach THRESHOLD without the allowance: it is for short texts that say the same in few
words, not for two that share none ("StoreKit 2 and Updates from WWDC 2021" and "StockCharts -
1.2.3", published the same day).

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
SHORT_BONUS = 0.15  # a headline/teaser and a full text
HEADLINES_BONUS = 0.21  # two headlines/teasers
TIME_SCALE = 12.0  # hours
TIME_PENALTY = 0.5
PERIOD = 720.0  # hours: the time kernel repeats every 30 days, far beyond any clustering window
KNN = 20
LABEL_ITEMS = 3  # an opening or ending that this many items of one outlet share is a label
COHESION = 0.7
COHESION_MIN = 2
COHESION_WORDS = 0.4
NUMBER_SHARE = 0.5


@dataclass
class Params:
    w_embed: float = W_EMBED
    w_words: float = W_WORDS
    w_names: float = W_NAMES
    threshold: float = THRESHOLD
    short_bonus: float = SHORT_BONUS
    headlines_bonus: float = HEADLINES_BONUS
    same_outlet_bonus: bool = False  # do two headlines of one outlet get the short bonus?
    time_scale: float = TIME_SCALE
    time_penalty: float = TIME_PENALTY
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
    hours: float | None = None  # publication time in hours since the epoch, if the feed gave one
    outlet: str = ""
    embedded: bool = True  # the vector means something: the model covers the text's language

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
    """One row per doc; row_a . row_b is the weighted similarity (before the short bonus).

    A doc whose vector means nothing (a language the model does not cover) has no vector block;
    its words and names take the whole weight, so that its similarity still runs from 0 to 1.
    """
    emb = np.vstack([d.vector for d in docs]).astype(np.float32) if docs else np.zeros((0, 384))
    words = _tfidf([d.terms.get("w", {}) for d in docs])
    names = _tfidf([d.terms.get("n", {}) for d in docs])
    embedded = np.array([d.embedded for d in docs], dtype=bool)
    rest = params.w_words + params.w_names
    grow = (rest + params.w_embed) / rest if rest > 0 else 1.0
    scale_e = np.where(embedded, math.sqrt(params.w_embed), 0.0)
    scale_w = np.where(embedded, params.w_words, params.w_words * grow)
    # A number says less than a name: two headlines whose only "name" is "35" ("35
    # kilometer", "35 millioner") are not as alike as two sharing "Polen". A doc's names count
    # by the share of its bag that is names, a number counting NUMBER_SHARE.
    share = np.array([_name_share(d.terms.get("n") or {}) for d in docs])
    scale_n = np.where(embedded, params.w_names, params.w_names * grow) * share
    return sparse.hstack(
        [
            sparse.csr_matrix(emb * scale_e[:, None].astype(np.float32)),
            sparse.diags(np.sqrt(scale_w)) @ words,
            sparse.diags(np.sqrt(scale_n)) @ names,
        ],
        format="csr",
        dtype=np.float32,
    )


def _name_share(names: dict[str, int]) -> float:
    """1 for a bag of names, down to NUMBER_SHARE for a bag of numbers only."""
    if not names:
        return 1.0
    numbers = sum(1 for key in names if not any(ch.isalpha() for ch in key))
    return (len(names) - numbers * (1.0 - NUMBER_SHARE)) / len(names)


def strip_labels(docs: Sequence[Doc]) -> list[Doc]:
    """The docs without the words of their outlet's series and section labels.

    An opening or ending of the headline or the body (features.affixes) that LABEL_ITEMS or more
    items of one outlet share is the outlet's label ("Read CNN's Fast Facts about …"), not what
    the items say: its words leave those items' words and names. Two items can share one as one
    event's update does; three with nothing else in common are a series. A function of the set
    of docs, like the IDF, so the order of arrival does not matter.
    """
    counts: Counter[tuple[str, str]] = Counter(
        (d.outlet, a) for d in docs if d.outlet for a in set(d.terms.get("a") or ())
    )
    labels = {key for key, n in counts.items() if n >= LABEL_ITEMS}
    if not labels:
        return list(docs)
    out = []
    for d in docs:
        mine = [a for a in d.terms.get("a") or () if (d.outlet, a) in labels]
        if not mine:
            out.append(d)
            continue
        words = {_bare(w) for a in mine for w in a[2:].split()}
        terms = dict(d.terms)
        terms["w"] = {w: c for w, c in (d.terms.get("w") or {}).items() if w not in words}
        terms["n"] = {
            k: c
            for k, c in (d.terms.get("n") or {}).items()
            if not {_bare(w) for w in k.split()} <= words  # "cnn's fast facts" too
        }
        out.append(Doc(d.id, d.vector, terms, d.hours, d.outlet, d.embedded))
    return out


def _bare(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word


def outlet_rows(docs: Sequence[Doc]) -> sparse.csr_matrix:
    """One-hot outlet of each doc (a zero row when unknown): row_a . row_b = same outlet."""
    index: dict[str, int] = {}
    cols = [index.setdefault(d.outlet, len(index)) if d.outlet else -1 for d in docs]
    rows = [i for i, c in enumerate(cols) if c >= 0]
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, [cols[i] for i in rows])),
        shape=(len(docs), max(1, len(index))),
        dtype=np.float64,
    )


def row_dot(
    a: sparse.csr_matrix, b: sparse.csr_matrix, lo: int = 0, hi: int | None = None
) -> float:
    """Dot product of two one-row CSR matrices with sorted indices, over columns [lo, hi).

    The same as `a.multiply(b).sum()` on that column block, without building the product
    matrix (a tenth of the time: clustering computes it for every candidate link).
    """
    ia, ib, da, db = a.indices, b.indices, a.data, b.data
    if lo or hi is not None:
        bounds = [lo, np.iinfo(np.int32).max if hi is None else hi]
        ra, rb = np.searchsorted(ia, bounds), np.searchsorted(ib, bounds)
        ia, da = ia[ra[0] : ra[1]], da[ra[0] : ra[1]]
        ib, db = ib[rb[0] : rb[1]], db[rb[0] : rb[1]]
    if ia.size > ib.size:
        ia, ib, da, db = ib, ia, db, da
    if ia.size == 0:
        return 0.0
    pos = np.searchsorted(ib, ia)
    np.minimum(pos, ib.size - 1, out=pos)
    hit = ib[pos] == ia
    return float(da[hit] @ db[pos[hit]])


def _count_dot(a: Counter[str], b: Counter[str]) -> float:
    """Dot product of two counts (same-outlet pairs between two sets of items)."""
    if len(a) > len(b):
        a, b = b, a
    return float(sum(v * b[k] for k, v in a.items() if k in b))


def time_features(hours: np.ndarray, scale: float) -> np.ndarray:
    """Rows whose dot products are exp(-(dt / scale)^2) for time gaps dt under 15 days.

    The Fourier series of that Gaussian repeated every PERIOD hours (cosine and sine of each
    frequency), truncated where its terms fall below 5e-6 and normalized so that dt = 0 gives 1.
    Being a dot product, it keeps average linkage closed-form.
    """
    m = np.arange(int(math.ceil(3.5 * PERIOD / (math.pi * scale))) + 1)
    coef = np.exp(-((math.pi * m * scale / PERIOD) ** 2))
    coef[1:] *= 2.0
    coef /= coef.sum()
    hours = np.mod(np.asarray(hours, dtype=np.float64), PERIOD)
    angle = np.outer(hours, m) * (2 * math.pi / PERIOD)
    root = np.sqrt(coef)
    return np.hstack([np.cos(angle) * root, np.sin(angle[:, 1:]) * root[1:]])


def _time_rows(docs: Sequence[Doc], params: Params) -> np.ndarray:
    """Time features of each doc (zero rows for undated docs, or when the time term is off)."""
    if params.time_penalty <= 0 or not docs:
        return np.zeros((len(docs), 1))
    rows = time_features(np.array([d.hours or 0.0 for d in docs]), params.time_scale)
    rows[[d.hours is None for d in docs]] = 0.0
    return rows


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
    docs = strip_labels(docs)
    x = features(docs, params)
    x.sort_indices()
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
    lexical = params.w_words + params.w_names > 0
    wselfdot = np.asarray(x_words.multiply(x_words).sum(axis=1)).ravel()
    wselfs = {i: float(wselfdot[i]) for i in range(n)}
    size = dict.fromkeys(range(n), 1)
    longs = {i: int(not short[i]) for i in range(n)}
    # Publication times: per cluster, how many members have one (all, and full texts), and the
    # sums of their time features (all, and full texts); undated members count as zero rows.
    dated = np.array([d.hours is not None for d in docs], dtype=bool)
    phi = _time_rows(docs, params)
    known = {i: int(dated[i]) for i in range(n)}
    klong = {i: int(dated[i] and not short[i]) for i in range(n)}
    tsum = {i: phi[i] for i in range(n)}
    tlong = {i: phi[i] * (not short[i]) for i in range(n)}
    # Per cluster, its members' outlets counted (all, full texts, headlines): the dot of two
    # such counts is the number of same-outlet pairs between two clusters, and a count's total
    # the number of members with a known outlet.
    osum: dict[int, Counter[str]] = {
        i: Counter([d.outlet] if d.outlet else []) for i, d in enumerate(docs)
    }
    olong = {i: osum[i] if not short[i] else Counter() for i in range(n)}
    oshort = {i: osum[i] if short[i] else Counter() for i in range(n)}
    extra = params.headlines_bonus - params.short_bonus

    def bonus_of(shorts: float, headlines: float, dated_shorts: float, closeness: float) -> float:
        """Sum of the headline terms over some pairs: `shorts` pairs with a headline side get
        the short bonus, the `headlines` of them with two the headlines bonus, less the time
        penalty for the `dated_shorts` of them with both times known (`closeness`: their
        summed time kernel, 1 for a pair published together)."""
        return (
            params.short_bonus * shorts
            + extra * headlines
            - params.time_penalty * (dated_shorts - closeness)
        )

    def own_headlines(a: int, b: int) -> float:
        """The bonus withheld from pairs with a headline side from one outlet, between
        clusters a and b (within a, if a == b): one outlet's two items about one event are
        rare, except for updates: they must say enough by themselves."""
        if params.same_outlet_bonus:
            return 0.0
        if a == b:
            every = _count_dot(osum[a], osum[a]) - osum[a].total()
            longs_ = _count_dot(olong[a], olong[a]) - olong[a].total()
            heads = _count_dot(oshort[a], oshort[a]) - oshort[a].total()
            return (params.short_bonus * (every - longs_) + extra * heads) / 2
        every = _count_dot(osum[a], osum[b])
        longs_ = _count_dot(olong[a], olong[b])
        heads = _count_dot(oshort[a], oshort[b])
        return params.short_bonus * (every - longs_) + extra * heads

    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in pairs:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    version = dict.fromkeys(range(n), 0)

    def link(a: int, b: int) -> float:
        dot = row_dot(sums[a], sums[b])
        pairs_ab = size[a] * size[b]
        bonus = bonus_of(
            pairs_ab - longs[a] * longs[b],
            (size[a] - longs[a]) * (size[b] - longs[b]),
            known[a] * known[b] - klong[a] * klong[b],
            float(tsum[a] @ tsum[b]) - float(tlong[a] @ tlong[b]),
        )
        return (dot + bonus - own_headlines(a, b)) / pairs_ab

    def within(a: int) -> float:
        """Mean similarity of the pairs inside cluster a (closed form, as for `link`)."""
        na, la = size[a], longs[a]
        pairs_in = na * (na - 1) / 2
        dot = float(sums[a].data @ sums[a].data)
        ka, kl = known[a], klong[a]
        sa = na - la
        bonus = bonus_of(  # a dated member's own time product is 1
            pairs_in - la * (la - 1) / 2,
            sa * (sa - 1) / 2,
            ka * (ka - 1) / 2 - kl * (kl - 1) / 2,
            (float(tsum[a] @ tsum[a]) - ka) / 2 - (float(tlong[a] @ tlong[a]) - kl) / 2,
        )
        bonus -= own_headlines(a, a)
        return ((dot - selfs[a]) / 2 + bonus) / pairs_in

    def words_within(a: int) -> float:
        wa = sums[a]
        return (row_dot(wa, wa, w_lo, w_hi) - wselfs[a]) / (size[a] * (size[a] - 1))

    def cohesive(a: int, b: int, s: float) -> bool:
        """The precision check: two clusters merge only if they are about as similar to each
        other as their members are among themselves (two events of one kind are not), by the
        whole similarity and by their content words alone."""
        headlines = lexical and (not longs[a] or not longs[b])
        if headlines and row_dot(sums[a], sums[b], w_lo) <= 0:  # words, names: none shared
            earned = row_dot(sums[a], sums[b]) / (size[a] * size[b])  # without the allowance
            if earned < params.threshold:
                return False
        sides = [c for c in (a, b) if size[c] >= params.cohesion_min and 2 * longs[c] > size[c]]
        if not sides:
            return True
        if params.cohesion > 0:
            inner = sum(within(c) for c in sides) / len(sides)
            if s < params.cohesion * inner:
                return False
        if params.cohesion_words > 0:
            cross = row_dot(sums[a], sums[b], w_lo, w_hi)
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
        sums[a].sort_indices()
        size[a] += size.pop(b)
        longs[a] += longs.pop(b)
        selfs[a] += selfs.pop(b)
        wselfs[a] += wselfs.pop(b)
        known[a] += known.pop(b)
        klong[a] += klong.pop(b)
        tsum[a] = tsum[a] + tsum.pop(b)
        tlong[a] = tlong[a] + tlong.pop(b)
        osum[a] = osum[a] + osum.pop(b)
        olong[a] = olong[a] + olong.pop(b)
        oshort[a] = oshort[a] + oshort.pop(b)
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
    docs = strip_labels(docs)
    x = features(docs, params)
    sims = (x @ x.T).toarray()
    short = np.array([d.short for d in docs], dtype=bool)
    either = short[:, None] | short[None, :]
    dated = np.array([d.hours is not None for d in docs], dtype=bool)
    both = dated[:, None] & dated[None, :]
    phi = _time_rows(docs, params)
    penalty = np.where(both, params.time_penalty * (1.0 - phi @ phi.T), 0.0)
    o = outlet_rows(docs)
    same = (o @ o.T).toarray() > 0
    two = short[:, None] & short[None, :]
    bonus = np.where(two, params.headlines_bonus, params.short_bonus)
    bonus = np.where(same & (not params.same_outlet_bonus), 0.0, bonus)
    return np.asarray(sims + (bonus - penalty) * either, dtype=np.float64)
