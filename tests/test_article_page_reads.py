"""An article page's reads that lean on what was read before, on the real ECB+ corpus.

article_ai passes the original it read to also_published_by (no second look-up), and related
no longer looks the copies up (its candidates are originals, or skipped by their original):
the answers must be those of reading everything, and never the article or a copy of its text.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsdesk.store import session_scope
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories import views
from newsdesk.stories.dedup import also_published_by
from newsdesk.stories.related import related

try:
    from .conftest import shared_data
    from .stories_support import Corpus, build_corpus
except ImportError:  # pragma: no cover - run without the tests package
    from conftest import shared_data  # type: ignore[no-redef]
    from stories_support import Corpus, build_corpus  # type: ignore[no-redef]


pytestmark = pytest.mark.slow  # make test-fast leaves it out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    data = shared_data("ecbplus-story-clusters")
    return build_corpus(str(tmp_path_factory.mktemp("reads")), str(data))


def test_no_article_lists_itself_or_a_copy_of_its_text(corpus: Corpus) -> None:
    with session_scope(corpus.engine) as session:
        ids = list(session.scalars(select(Enrichment.article_id).order_by(Enrichment.article_id)))
        assert corpus.copy_id in ids and corpus.original_id in ids
        listed = 0
        for article_id in ids:
            ai = views.article_ai(session, article_id)
            assert ai is not None
            assert ai.also_published_by == also_published_by(session, article_id)
            root = ai.duplicate_of or article_id
            own_text = {article_id, root} | set(
                session.scalars(
                    select(Enrichment.article_id).where(Enrichment.duplicate_of == root)
                )
            )
            items = related(session, article_id, 8, settings=corpus.settings)
            assert not own_text & {r.article_id for r in items}
            listed += len(items)
        assert listed >= 4 * len(ids)  # the corpus' stories have related articles to show


def test_article_ai_reads_the_stored_enrichment(corpus: Corpus) -> None:
    with session_scope(corpus.engine) as session:
        ai = views.article_ai(session, corpus.copy_id)
        row = session.get(Enrichment, corpus.copy_id)
        assert ai is not None and row is not None
        assert ai.summary == list(row.summary or []) and ai.summary
        assert ai.key_points == list(row.key_points or [])
        assert (ai.story_id, ai.duplicate_of) == (row.story_id, row.duplicate_of)
        assert ai.duplicate_of == corpus.original_id
        assert ai.also_published_by[0][0] == corpus.original_id  # the original first
