"""What a day left in the database, read directly (the hub may be busy with the next
day): tickets by state for a service day (its size: day_facts.database_bytes)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import create_engine, text

from hub.storage.db import normalise_url


def tickets_of_day(database_url: str, day: date) -> Counter[str]:
    """Ticket count by state of `day`'s service day."""
    url = normalise_url(database_url)
    engine = create_engine(url)
    # SQLite keeps a date as its ISO text; PostgreSQL compares a date with a date.
    parameter: date | str = day.isoformat() if url.startswith("sqlite") else day
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT state, COUNT(*) FROM tickets WHERE service_day = :day "
                "GROUP BY state"), {"day": parameter}).all()
    finally:
        engine.dispose()
    return Counter({str(state): int(count) for state, count in rows})
