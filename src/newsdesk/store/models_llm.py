"""Abstractive summaries written by the optional LLM backend (newsdesk.llm_summaries).

One row per article and model: what was asked (a hash of the extractive sentences it was
given), what came back and whether it passed the grounding check. Derived data: deleting the
rows only makes newsdesk write them again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from newsdesk.store.models import Base, UTCDateTime, utcnow


class LLMSummary(Base):
    __tablename__ = "llm_summaries"

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(255), primary_key=True)
    # sha256 of the prompt version and the extractive sentences the model was given.
    source_hash: Mapped[str] = mapped_column(String(64))
    # enrichments.enriched_at of the sentences: a re-enriched article is looked at again.
    source_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # ok | rejected | error | empty
    summary: Mapped[str | None] = mapped_column(Text)  # only when status is ok
    error: Mapped[str | None] = mapped_column(Text)  # why it was rejected or failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    seconds: Mapped[float | None] = mapped_column(Float)  # time the endpoint took
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_llm_summaries_model_status", "model", "status"),)
