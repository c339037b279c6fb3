"""The strict record model: one short text with its id, author and timezone-aware time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Zone abbreviations of the Sentiment140 dump ("Mon Apr 06 22:19:45 PDT 2009").
#: Sentiment140 targets and common spellings, mapped to tunedd's sentiment classes.
_LABELS = {"0": "negative", "2": "neutral", "4": "positive", "neg": "negative", "pos": "positive"}
_ZONES = {"UTC": 0, "GMT": 0, "PDT": -7, "PST": -8, "EDT": -4, "EST": -5, "CDT": -5, "CST": -6}


class TextRecord(BaseModel):
    """A tweet-like record; anything that does not fit is rejected with the reason."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")
    author_id: str = Field(min_length=1, max_length=64)
    created_at: datetime
    text: str = Field(min_length=1, max_length=4000)
    #: The dataset's own sentiment label, if any (Sentiment140: 0/2/4); for quality checks only.
    label: str | None = Field(None, max_length=32)

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().lower()
        return _LABELS.get(text, text)

    @field_validator("created_at", mode="before")
    @classmethod
    def _parse_time(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_timestamp(value)
        return value

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("timestamp has no timezone")
        return value.astimezone(timezone.utc)


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 (``2009-04-06T22:19:45-07:00``, ``...Z``) or the Sentiment140 format."""
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    parts = text.split()
    if len(parts) == 6 and parts[4] in _ZONES:
        naive = datetime.strptime(" ".join(parts[:4] + parts[5:]), "%a %b %d %H:%M:%S %Y")
        return naive.replace(tzinfo=timezone(timedelta(hours=_ZONES[parts[4]])))
    raise ValueError(f"unrecognised timestamp {value!r}")
