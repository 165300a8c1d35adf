"""A developing story from real news, for the developing-story tests (pages and browser).

ECB+ reports (../shared/data/ecbplus-story-clusters) of the April 2007 shooting at an accounting
office in Troy, Michigan, over four days: the shooting (9 April), the morning after (10 April),
the murder charge (11 April), follow-ups (12 April). Each report is published at the time its
own dateline gives ("Updated 4/9/2007 6:04 PM" is US Eastern, The Age's "April 10, 2007 - 7:07AM"
is Melbourne time: 9 April in UTC); a dateline without a time is taken as noon US Eastern. The
Age's report is also reprinted by another outlet on 13 April (a syndicated copy,
stories_support.syndicated_copy): a copy counts on its original's day, so that day is not one of
the story's. A one-day story beside it: three reports of the Colts' 20-13 win over the Chiefs
(23 December 2012).

Everything goes through the real pipeline path (import, enrich: spaCy, MiniLM vectors, MinHash
copies, clustering); then each event is made one story, as the view tests need, by setting
Enrichment.story_id and re-counting the stories (newsdesk.stories.assign.refresh_stories).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.store import connect, session_scope
from newsdesk.store.models_ai import Enrichment

try:
    from .stories_support import import_records, record, syndicated_copy
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from stories_support import import_records, record, syndicated_copy  # type: ignore[no-redef]

# (ECB+ document, outlet, published: the report's own dateline)
SHOOTING = (
    ("18_4ecbplus", "Yahoo Voices", "2007-04-09T12:00:00-04:00"),  # "Apr 9, 2007"
    ("18_11ecbplus", "The Age", "2007-04-10T07:07:00+10:00"),  # "April 10, 2007 - 7:07AM"
    ("18_2ecbplus", "USA Today", "2007-04-09T18:04:00-04:00"),  # "Updated 4/9/2007 6:04 PM"
    ("18_1ecbplus", "CNN", "2007-04-10T10:52:00+00:00"),  # "1052 GMT (1852 HKT), April 10"
    ("18_9ecbplus", "The New York Times", "2007-04-10T12:00:00-04:00"),  # "April 10, 2007"
    ("18_10ecbplus", "Fox News", "2007-04-11T12:00:00-04:00"),  # "April 11, 2007"
    ("18_7ecbplus", "USA Today", "2007-04-11T13:26:00-04:00"),  # "Updated 4/11/2007 1:26 PM"
    ("18_3ecbplus", "Yahoo Voices", "2007-04-12T12:00:00-04:00"),  # "Apr 12, 2007"
    ("18_8ecbplus", "AccountingWEB", "2007-04-12T12:00:00-04:00"),  # "on Apr 12 2007"
)
COPIED = "18_11ecbplus"  # reprinted by COPY_OUTLET at COPY_AT
COPY_OUTLET = "Syndicate Weekly"
COPY_AT = "2007-04-13T08:00:00+00:00"
GAME = (
    ("29_2ecbplus", "ProFootballTalk", "2012-12-23T16:42:00-05:00"),  # "4:42 PM"
    ("29_5ecbplus", "HuffPost", "2012-12-23T18:03:00-05:00"),  # "06:03 PM ET EST"
    ("29_7ecbplus", "Fox News", "2012-12-23T12:00:00-05:00"),  # "December 23, 2012"
)


@dataclass
class Developing:
    settings: Settings
    story_id: int  # the shooting: 4 days
    game_id: int  # the game: 1 day
    ids: dict[str, int]  # ECB+ document -> article id
    copy_id: int  # the reprint of COPIED

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return connect(self.settings.db_url)


def _records(data: Path) -> list[dict]:
    docs = {
        d["doc_id"]: d for d in map(json.loads, (data / "documents.jsonl").read_text().splitlines())
    }
    records = []
    for doc_id, outlet, published in SHOOTING + GAME:
        records.append({**record(docs[doc_id], outlet), "published": published})
    original = records[[d for d, _, _ in SHOOTING].index(COPIED)]
    copy = syndicated_copy(original)
    records.append({**copy, "source": COPY_OUTLET, "published": COPY_AT})
    return records


def _one_story(session: Session, article_ids: list[int]) -> int:
    """Put these articles in the story of the first; returns it."""
    story_id = session.scalar(
        select(Enrichment.story_id).where(Enrichment.article_id == article_ids[0])
    )
    assert story_id is not None
    session.execute(
        update(Enrichment).where(Enrichment.article_id.in_(article_ids)).values(story_id=story_id)
    )
    return int(story_id)


@cache
def build_developing(root: str, data: str) -> Developing:
    """Import and enrich the reports under `root` (once per process); one story per event."""
    from newsdesk.enrich import enrich
    from newsdesk.stories.assign import refresh_stories

    settings = Settings(data_dir=Path(root), secret_key="test-secret")
    records = _records(Path(data))
    urls = import_records(settings, records)
    ids = {
        doc_id: urls[rec["url"]]
        for (doc_id, _, _), rec in zip(SHOOTING + GAME, records[:-1], strict=True)
    }
    copy_id = urls[records[-1]["url"]]
    engine = connect(settings.db_url)
    enrich(engine, settings, batch_size=16)
    with session_scope(engine) as session:
        copy_of = session.scalar(
            select(Enrichment.duplicate_of).where(Enrichment.article_id == copy_id)
        )
        assert copy_of == ids[COPIED], "the pipeline should find the reprint a copy"
        before = set(session.scalars(select(Enrichment.story_id)))
        shooting = [ids[d] for d, _, _ in SHOOTING] + [copy_id]
        story_id = _one_story(session, shooting)
        game_id = _one_story(session, [ids[d] for d, _, _ in GAME])
        refresh_stories(session, {s for s in before if s is not None})
    engine.dispose()
    return Developing(settings, story_id, game_id, ids, copy_id)
