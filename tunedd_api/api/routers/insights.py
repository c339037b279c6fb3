"""Theme discovery: sub-themes with sentiment, over posted sentences or the chat traffic."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter

from tunedd_api.api.dependencies import PrincipalDep, ReadyStateDep
from tunedd_api.api.insights_schemas import (
    ClusterOut,
    SentenceOut,
    ThemeAnalysisOut,
    ThemeRequestIn,
)
from tunedd_api.api.schemas import ErrorOut
from tunedd_api.errors import InvalidInputError
from tunedd_api.insights.analyzer import InputSentence, ThemeAnalysis, ThemeAnalyzer
from tunedd_api.state import AppState

router = APIRouter(prefix="/insights", tags=["insights"])


def _analyzer(state: AppState) -> ThemeAnalyzer:
    settings = state.settings
    use_llm = settings.insights_llm_labels
    if use_llm is None:
        use_llm = state.backend.labels_with_llm
    return ThemeAnalyzer(
        embed_texts=state.backend.embed_texts,
        chat_model=state.backend.chat_model if use_llm else None,
        distance_threshold=settings.insights_distance_threshold,
        time_budget_s=settings.insights_time_budget_s,
        min_llm_s=settings.insights_llm_min_s,
    )


@router.post(
    "/themes",
    response_model=ThemeAnalysisOut,
    responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}},
    summary="Discover sub-themes",
)
async def discover_themes(body: ThemeRequestIn, state: ReadyStateDep) -> ThemeAnalysisOut:
    """Cluster the sentences into sub-themes with sentiment and insights. Nothing is stored."""
    limit = state.settings.insights_max_sentences
    if len(body.sentences) > limit:
        raise InvalidInputError(f"{len(body.sentences)} sentences; the limit is {limit}")
    sentences = [InputSentence(id=str(s.id), sentence=s.sentence.strip()) for s in body.sentences]
    analysis = await asyncio.to_thread(_analyzer(state).analyze, body.theme.strip(), sentences)
    return _out(analysis)


@router.get("/conversations", response_model=ThemeAnalysisOut, summary="What users ask about")
async def conversation_themes(state: ReadyStateDep, principal: PrincipalDep) -> ThemeAnalysisOut:
    """Sub-themes of the user messages across current conversations (nothing new is stored)."""
    questions = await asyncio.to_thread(
        state.conversations.recent_questions,
        state.settings.insights_max_sentences,
        principal.owner,
    )
    sentences = [
        InputSentence(id=str(conversation_id), sentence=text) for conversation_id, text in questions
    ]
    if not sentences:
        return ThemeAnalysisOut(
            theme="questions to tunedd",
            clusters=[],
            unclustered=[],
            flags=["no_messages"],
            labels_by="keywords",
            seconds=0.0,
        )
    analysis = await asyncio.to_thread(_analyzer(state).analyze, "questions to tunedd", sentences)
    return _out(analysis)


def _out(analysis: ThemeAnalysis) -> ThemeAnalysisOut:
    def sentence(s: InputSentence) -> SentenceOut:
        return SentenceOut(id=uuid.UUID(s.id), sentence=s.sentence)

    return ThemeAnalysisOut(
        theme=analysis.theme,
        clusters=[
            ClusterOut(
                title=c.title,
                sentiment=c.sentiment,
                sentiment_score=c.sentiment_score,
                size=len(c.sentences),
                sentence_ids=[uuid.UUID(s.id) for s in c.sentences],
                sentences=[sentence(s) for s in c.sentences],
                key_insights=c.key_insights,
                flags=c.flags,
            )
            for c in analysis.clusters
        ],
        unclustered=[sentence(s) for s in analysis.unclustered],
        flags=analysis.flags,
        labels_by=analysis.labels_by,  # type: ignore[arg-type]
        seconds=analysis.seconds,
    )
