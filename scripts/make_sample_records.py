"""Write the sample tweet dataset `data/records/sample_tweets.csv` (own text, deterministic).

Columns follow the brief's public Twitter dumps: tweet_id, user_id, created_at, text, plus the
dataset's own sentiment label. A few rows are broken on purpose (no text, a timestamp without a
timezone or unreadable, a bad id, no user) and one id repeats, to show rejection and
idempotency.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

FIRST_ID = 1790000000
OUT = Path(__file__).resolve().parents[1] / "data" / "records" / "sample_tweets.csv"

TOPICS = {
    "sports": ["the match", "our team", "the final", "the marathon", "practice"],
    "weather": ["the rain", "this heatwave", "the snow", "the storm", "the sunshine"],
    "food": ["the new ramen place", "my pizza", "breakfast", "the bakery", "dinner"],
    "technology": ["my new phone", "the update", "my laptop", "the app", "the wifi"],
    "work_school": ["the exam", "my shift", "the meeting", "homework", "the deadline"],
    "travel": ["the flight", "the train", "our road trip", "the hotel", "the airport"],
    "entertainment": ["the concert", "that movie", "the new album", "the show", "the game night"],
    "health": ["my cold", "the gym", "my headache", "my run", "the dentist"],
}
POSITIVE = [
    "Loved {t} today, such a great time :)",
    "{T} was amazing, thank you everyone!",
    "So happy about {t}, best day in weeks",
    "Finally done with {t} and it went perfectly",
    "{T} made me smile, really wonderful",
]
NEGATIVE = [
    "Ugh, {t} ruined my whole day :(",
    "{T} was terrible, so disappointed",
    "Hate how {t} keeps getting worse",
    "Tired and sad after {t}, awful evening",
    "{T} is broken again and I am so annoyed",
]
NEUTRAL = [
    "Heading to {t} at 6, anyone else going?",
    "{T} starts tomorrow according to the schedule",
    "Reading about {t} on the bus",
    "Does anyone know what time {t} ends?",
    "Just checked {t}, nothing new",
]


def rows(count: int = 240, seed: int = 7) -> list[list[str]]:
    """Valid rows, balanced over topics and sentiment, then the deliberately broken ones."""
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    out = []
    for n in range(count):
        topic = list(TOPICS)[n % len(TOPICS)]
        label, templates = [
            ("positive", POSITIVE),
            ("negative", NEGATIVE),
            ("neutral", NEUTRAL),
        ][(n // len(TOPICS)) % 3]
        thing = rng.choice(TOPICS[topic])
        text = rng.choice(templates).format(t=thing, T=thing[0].upper() + thing[1:])
        when = start + timedelta(minutes=37 * n + rng.randint(0, 30))
        offset = timezone(timedelta(hours=rng.choice([-7, -4, 0, 1, 2])))
        out.append(
            [
                str(FIRST_ID + n),
                f"user_{rng.randint(1, 60):03d}",
                when.astimezone(offset).isoformat(),
                text,
                label,
            ]
        )
    out += [
        ["1799999001", "user_001", "2024-05-03T10:00:00+00:00", "", "neutral"],
        ["1799999002", "user_002", "2024-05-03 10:00:00", "No timezone on this one", "neutral"],
        ["1799999003", "user_003", "yesterday at noon", "Unreadable timestamp", "neutral"],
        ["17999 99004", "user_004", "2024-05-03T10:00:00Z", "Id with a space", "neutral"],
        ["1799999005", "", "2024-05-03T10:00:00Z", "No user id", "neutral"],
        out[0][:],  # the same tweet twice: stored once
    ]
    return out


def main() -> None:
    """Write the CSV."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet_id", "user_id", "created_at", "text", "label"])
        writer.writerows(rows())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
