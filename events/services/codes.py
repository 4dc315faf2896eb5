"""Incident codes (MLI-2025-0042): each country and year numbered in its own sequence, reserved atomically."""

from collections import defaultdict

from django.db import connection


def incident_codes_reserve(keys: list[tuple[str, int]]) -> list[str]:
    """A new incident code for each (country, year) of `keys`, in order: the numbers of each country and year are
    taken in one atomic upsert, so concurrent creators (an analyst, an import) never get the same one."""
    wanted: dict[tuple[str, int], int] = defaultdict(int)
    for key in keys:
        wanted[key] += 1
    next_number: dict[tuple[str, int], int] = {}
    with connection.cursor() as cursor:
        for (country, year), count in sorted(wanted.items()):  # one lock order for every caller
            cursor.execute(
                """
                INSERT INTO events_incidentcodesequence (country, year, last_number) VALUES (%s, %s, %s)
                ON CONFLICT (country, year)
                DO UPDATE SET last_number = events_incidentcodesequence.last_number + EXCLUDED.last_number
                RETURNING last_number
                """,
                [country, year, count],
            )
            (last,) = cursor.fetchone()
            next_number[(country, year)] = last - count + 1
    codes = []
    for country, year in keys:
        codes.append(f"{country}-{year}-{next_number[(country, year)]:04d}")
        next_number[(country, year)] += 1
    return codes
