"""An ACLED-shaped file describing some of the events of a UCDP GED file again, as another dataset would: dates a day
off, places a few km away, actors spelled otherwise, figures that differ by one; and decoys, events of the same
actors too far in time or space to be the same."""

import csv
import datetime
import math
import random
import re
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.acled_file import HEADER

KM_PER_DEGREE = 111.195
# ACLED's `iso` (ISO 3166 numeric) of the countries the files here describe.
ISO_NUMERIC = {"UKR": "804", "MLI": "466", "BFA": "854", "NER": "562"}


@dataclass
class Twin:
    acled_id: str
    ucdp_id: str
    decoy: bool
    km: float  # from the UCDP event's point


def _respelled(name: str, rng: random.Random) -> str:
    """The name as another coder writes it: its case changed, extra spaces."""
    return rng.choice((name.upper(), name.lower(), name.replace(" ", "  "), name))


def _moved(lat: float, lon: float, km: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    north, east = km * math.cos(bearing), km * math.sin(bearing)
    return lat + north / KM_PER_DEGREE, lon + east / (KM_PER_DEGREE * math.cos(math.radians(lat)))


def write_acled_twins(
    ucdp: Path, path: Path, *, every: int = 10, decoy_every: int = 6, seed: int = 16, prefix: str = ""
) -> list[Twin]:
    """Every `every`th event of `ucdp` located to a place or a region, written again in ACLED's columns to `path`
    (event ids: the country's code, `prefix`, a number); every `decoy_every`th of those (among single-day events
    known to the place) a decoy: 20 days later, or 300 km away in another region."""
    rng = random.Random(seed)
    with ucdp.open(newline="", encoding="utf-8") as stream:
        events = [row for row in csv.DictReader(stream) if row["id"].isdigit()]
    chosen = [event for event in events if event["where_prec"] in "1234" and event["adm_1"]][::every]
    twins = []
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        for number, event in enumerate(chosen, start=1):
            start = datetime.date.fromisoformat(event["date_start"][:10])
            single_day = event["date_start"][:10] == event["date_end"][:10]
            exact = event["where_prec"] in "12"
            decoy = single_day and exact and number % decoy_every == 0
            day = start + datetime.timedelta(days=rng.choice((-1, 0, 0, 1)))
            km = rng.uniform(0, 3)
            admin1 = re.sub(r"\s+(oblast|region)$", "", event["adm_1"])
            if decoy and number % (2 * decoy_every) == 0:
                day = start + datetime.timedelta(days=20)
            elif decoy:
                km, admin1 = 300, "Elsewhere"
            lat, lon = _moved(float(event["latitude"]), float(event["longitude"]), km, rng)
            one_sided = event["type_of_violence"] == "3"
            best = int(event["best"])
            row = {
                "event_id_cnty": f"{event['iso3']}{prefix}{number}",
                "event_date": day.isoformat(),
                "year": str(day.year),
                "time_precision": "1",
                "disorder_type": "Political violence",
                "event_type": "Violence against civilians" if one_sided else "Battles",
                "sub_event_type": "Attack" if one_sided else "Armed clash",
                "actor1": _respelled(event["side_a"], rng),
                "assoc_actor_1": "",
                "inter1": "",
                "actor2": f"Civilians ({event['country']})" if one_sided else _respelled(event["side_b"], rng),
                "assoc_actor_2": "",
                "inter2": "7" if one_sided else "",
                "interaction": "",
                "civilian_targeting": "Civilian targeting" if one_sided else "",
                "iso": ISO_NUMERIC.get(event["iso3"], ""),
                "region": "",
                "country": event["country"],
                "admin1": admin1,
                "admin2": event["adm_2"],
                "admin3": "",
                "location": event["where_coordinates"],
                "latitude": f"{lat:.4f}",
                "longitude": f"{lon:.4f}",
                "geo_precision": {"1": "1", "2": "2"}.get(event["where_prec"], "3"),
                "source": "Local media",
                "source_scale": "National",
                "notes": f"Described by UCDP as event {event['id']}.",
                "fatalities": str(max(best + rng.choice((-1, 0, 0, 1)), 0)),
                "tags": "",
                "timestamp": str(1_700_000_000 + number),
            }
            out.writerow([row[column] or "NA" for column in HEADER])
            twins.append(Twin(row["event_id_cnty"], event["id"], decoy, km))
    return twins
