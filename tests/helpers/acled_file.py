"""A generated ACLED export of any length, written a row at a time: the scale tests and bench/import_bench.py."""

import csv
import datetime
import random
from dataclasses import dataclass
from pathlib import Path

HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
).split(",")

# (iso3, ISO numeric, name, admin1 names, latitude range, longitude range, the army's dated labels: (label, until))
COUNTRIES = (
    (
        "MLI",
        466,
        "Mali",
        ("Mopti", "Gao", "Timbuktu", "Segou", "Kidal", "Menaka", "Koulikoro"),
        (11.0, 20.0),
        (-11.0, 3.5),
        (
            ("Military Forces of Mali (2013-2020)", datetime.date(2020, 8, 17)),
            ("Military Forces of Mali (2020-2021)", datetime.date(2021, 5, 23)),
            ("Military Forces of Mali (2021-)", None),
        ),
    ),
    (
        "BFA",
        854,
        "Burkina Faso",
        ("Sahel", "Nord", "Est", "Centre-Nord", "Boucle du Mouhoun"),
        (10.0, 15.0),
        (-5.0, 2.0),
        (
            ("Military Forces of Burkina Faso (2015-2022)", datetime.date(2022, 1, 23)),
            ("Military Forces of Burkina Faso (2022-)", None),
        ),
    ),
    (
        "NER",
        562,
        "Niger",
        ("Tillaberi", "Tahoua", "Diffa", "Maradi"),
        (12.0, 20.0),
        (0.5, 14.0),
        (
            ("Military Forces of Niger (2021-2023)", datetime.date(2023, 7, 25)),
            ("Military Forces of Niger (2023-)", None),
        ),
    ),
    (
        "NGA",
        566,
        "Nigeria",
        ("Borno", "Yobe", "Zamfara", "Kaduna", "Benue", "Lagos"),
        (5.0, 13.5),
        (3.0, 14.5),
        (
            ("Military Forces of Nigeria (2015-2023)", datetime.date(2023, 5, 28)),
            ("Military Forces of Nigeria (2023-)", None),
        ),
    ),
    (
        "TCD",
        148,
        "Chad",
        ("Lac", "Tibesti", "Ouaddai"),
        (8.0, 22.0),
        (14.0, 23.0),
        (("Military Forces of Chad (2021-)", None),),
    ),
)
ARMED_GROUPS = (
    "JNIM: Group for Support of Islam and Muslims",
    "Islamic State (Sahel)",
    "Islamic State West Africa Province",
    "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad",
    "Katiba Macina",
    "Ansaroul Islam",
)
MILITIAS = ("Dan Na Ambassagou", "Koglweogo Militia", "VDP: Volunteers for the Defense of the Homeland")
ASSOCIATES = ("Wagner Group", "Fulani Ethnic Group ({})", "Dogon Ethnic Group ({})", "Farmers ({})", "Herders ({})")
# (event type, sub-event types, how side A and side B are drawn, disorder type, weight)
KINDS = (
    ("Battles", ("Armed clash", "Government regains territory"), ("state", "armed"), "Political violence", 30),
    ("Violence against civilians", ("Attack", "Abduction/forced disappearance"), ("armed", "civilians"), "", 25),
    ("Explosions/Remote violence", ("Remote explosive/landmine/IED", "Air/drone strike"), ("armed", "state"), "", 15),
    ("Protests", ("Peaceful protest",), ("protesters", None), "Demonstrations", 15),
    ("Riots", ("Mob violence", "Violent demonstration"), ("rioters", "civilians"), "Demonstrations", 10),
    ("Strategic developments", ("Looting/property destruction", "Arrests"), ("militia", "civilians"), "", 5),
)
INTER = {"state": "1", "armed": "2", "militia": "4", "rioters": "5", "protesters": "6", "civilians": "7"}
# A bad row every BAD_EVERY rows, each kind in turn: what is wrong with it.
BAD_EVERY = 997
BAD_KINDS = (
    ("event_date", "2024-02-30"),  # the file's format, not a day
    ("fatalities", "many"),
    ("iso", "999", "country", "Atlantis"),
    ("event_type", "Bombing"),
    ("latitude", "95.5"),
    ("inter1", "Aliens"),
)
MONADIC_SHARE = 0.2


@dataclass
class Written:
    rows: int = 0  # data rows, the truncated last one included
    events: int = 0  # distinct events of the valid rows
    bad_rows: int = 0  # rows the import must refuse, the truncated last one included
    monadic_events: int = 0


def _actor(side: str, country: tuple, day: datetime.date, rng: random.Random) -> str:
    name = country[2]
    if side == "state":
        return next(label for label, until in country[6] if until is None or day <= until)
    if side == "armed":
        if rng.random() < 0.3:
            return f"Communal Militia {rng.randrange(60)} ({name})"
        return rng.choice(ARMED_GROUPS)
    if side == "militia":
        return rng.choice(MILITIAS)
    return {"civilians": "Civilians ({})", "rioters": "Rioters ({})", "protesters": "Protesters ({})"}[side].format(
        name
    )


def write_acled_file(path: Path, rows: int, *, seed: int = 6, truncated: bool = True) -> Written:
    """An ACLED export in the current schema, `rows` data rows long, written a row at a time: five countries,
    six event types, the armies under their dated labels, communal militias nobody knows, associated actors,
    notes with commas and newlines, one event in five monadic (a row per actor), a bad row every BAD_EVERY rows
    and (unless `truncated` is false) a truncated last row. Returns what an import must find in it."""
    rng = random.Random(seed)
    written = Written()
    weights = [kind[-1] for kind in KINDS]
    first_day = datetime.date(2015, 1, 1).toordinal()
    days = datetime.date(2024, 12, 31).toordinal() - first_day
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        while written.rows < rows - 1:
            country = rng.choice(COUNTRIES)
            iso3, numeric, name, admins = country[:4]
            day = datetime.date.fromordinal(first_day + rng.randrange(days))
            event_type, sub_types, (side_a, side_b), disorder, _weight = rng.choices(KINDS, weights)[0]
            actor1 = _actor(side_a, country, day, rng)
            actor2 = _actor(side_b, country, day, rng) if side_b else ""
            assoc1 = "; ".join(
                associate.format(name) for associate in rng.sample(ASSOCIATES, rng.choice((0, 0, 0, 1, 2)))
            )
            fatalities = 0 if event_type == "Protests" else rng.choice((0, 0, 1, 2, 3, 5, 8, 13, 24))
            admin1 = rng.choice(admins)
            note = (
                f"On {day:%d %B %Y}, {actor1} "
                + ("clashed with" if side_b else "gathered near")
                + f" {actor2 or 'town hall'}"
            )
            note += f" in {admin1}, {name}." + (
                " Residents fled; shops, schools closed.\nNo figure given." * rng.randrange(3)
            )
            written.events += 1
            row = {
                "event_id_cnty": f"{iso3}{written.events}",
                "event_date": day.isoformat(),
                "year": str(day.year),
                "time_precision": rng.choice("1112"),
                "disorder_type": disorder or "Political violence",
                "event_type": event_type,
                "sub_event_type": rng.choice(sub_types),
                "actor1": actor1,
                "assoc_actor_1": assoc1,
                "inter1": INTER[side_a],
                "actor2": actor2,
                "assoc_actor_2": "",
                "inter2": INTER[side_b] if side_b else "",
                "interaction": "",
                "civilian_targeting": "Civilian targeting" if side_b == "civilians" else "",
                "iso": str(numeric),
                "region": "Western Africa",
                "country": name,
                "admin1": admin1,
                "admin2": f"{admin1} Cercle {rng.randrange(5)}",
                "admin3": "",
                "location": f"{admin1} village {rng.randrange(400)}",
                "latitude": f"{rng.uniform(*country[4]):.4f}",
                "longitude": f"{rng.uniform(*country[5]):.4f}",
                "geo_precision": rng.choice("1112"),
                "source": rng.choice(("Reuters", "AFP; Local media", "Radio France Internationale", "Twitter")),
                "source_scale": "National",
                "notes": note,
                "fatalities": str(fatalities),
                "tags": "",
                "timestamp": str(1_700_000_000 + written.events),
            }
            out.writerow([row[column] or "NA" for column in HEADER])
            written.rows += 1
            if actor2 and rng.random() < MONADIC_SHARE and written.rows < rows - 1:
                # The same event from side B's point of view, as a monadic export gives it.
                swapped = {
                    **row,
                    "actor1": actor2,
                    "inter1": row["inter2"],
                    "actor2": actor1,
                    "assoc_actor_2": assoc1,
                    "assoc_actor_1": "",
                    "inter2": row["inter1"],
                }
                out.writerow([swapped[column] or "NA" for column in HEADER])
                written.rows += 1
                written.monadic_events += 1
            if written.rows % BAD_EVERY == 0 and written.rows < rows - 1:
                bad = dict(row, event_id_cnty=f"BAD{written.rows}")
                wrong = BAD_KINDS[(written.rows // BAD_EVERY) % len(BAD_KINDS)]
                bad.update(zip(wrong[::2], wrong[1::2], strict=True))
                out.writerow([bad[column] or "NA" for column in HEADER])
                written.rows += 1
                written.bad_rows += 1
        if not truncated:
            return written
        # The download cut short: the last row stops halfway, without its line end.
        stream.write(f"{iso3}{written.events + 1},{day.isoformat()},{day.year},1,Political violence,Battles")
        written.rows += 1
        written.bad_rows += 1
    return written
