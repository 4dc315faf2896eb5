"""A generated UCDP GED file of any length, in GED's columns: the reconciliation benchmark (bench/reconcile_bench.py)
writes one, then an ACLED file describing its events again (tests/helpers/twin_files.py)."""

import csv
import datetime
import random
from pathlib import Path

HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,"
    "dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,"
    "where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,iso3,"
    "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,"
    "deaths_unknown,best,high,low,gwnoa,gwnob"
).split(",")

# (name, ISO alpha-3, GW number, regions, latitude range, longitude range)
COUNTRIES = (
    ("Mali", "MLI", 432, ("Mopti", "Gao", "Timbuktu", "Segou", "Kidal", "Menaka"), (11.0, 20.0), (-11.0, 3.5)),
    ("Burkina Faso", "BFA", 439, ("Sahel", "Nord", "Est", "Centre-Nord"), (10.0, 15.0), (-5.0, 2.0)),
    ("Niger", "NER", 436, ("Tillaberi", "Tahoua", "Diffa"), (12.0, 20.0), (0.5, 14.0)),
)
ARMED_GROUPS = ("JNIM", "IS Sahel", "IS West Africa", "CMA")


def write_ucdp_file(path: Path, rows: int, *, seed: int = 23) -> int:
    """`rows` events over 2015-2024 in three Sahel countries, in GED's columns: state-based (a government against an
    armed group), non-state (two groups) and one-sided violence, places exact, near or known to the region, most
    dates to the day. Returns how many were written."""
    rng = random.Random(seed)
    first_day = datetime.date(2015, 1, 1).toordinal()
    days = datetime.date(2024, 12, 31).toordinal() - first_day
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        for number in range(1, rows + 1):
            name, iso3, gw, regions, lats, lons = rng.choice(COUNTRIES)
            violence = rng.choices((1, 2, 3), (5, 2, 3))[0]
            group, other_group = rng.sample(ARMED_GROUPS, 2)
            side_a = f"Government of {name}" if violence == 1 else group
            side_b = {1: group, 2: other_group, 3: "Civilians"}[violence]
            start = datetime.date.fromordinal(first_day + rng.randrange(days))
            date_prec = rng.choices(("1", "2", "4"), (8, 1, 1))[0]
            end = start + datetime.timedelta(days={"1": 0, "2": 3, "4": 20}[date_prec])
            where_prec = rng.choices(("1", "2", "4"), (4, 4, 2))[0]
            region = rng.choice(regions)
            lat, lon = rng.uniform(*lats), rng.uniform(*lons)
            best = rng.choice((0, 1, 2, 3, 5, 8, 13, 24))
            low, high = max(best - rng.choice((0, 0, 1)), 0), best + rng.choice((0, 0, 2))
            civilians = best if violence == 3 else 0
            deaths_a = (best - civilians) // 2
            cells = {
                "id": str(number),
                "relid": f"{iso3}-{start.year}-{violence}-{number}",
                "year": str(start.year),
                "active_year": "1",
                "code_status": "Clear",
                "type_of_violence": str(violence),
                "dyad_name": f"{side_a} - {side_b}",
                "side_a": side_a,
                "side_b": side_b,
                "number_of_sources": "1",
                "source_article": f'"Agence France Presse,{start},Attack in {region}"',
                "source_office": "Agence France Presse",
                "source_date": start.isoformat(),
                "source_headline": f"Attack in {region}",
                "where_prec": where_prec,
                "where_coordinates": f"{region} village {rng.randrange(300)}",
                "adm_1": f"{region} region",
                "latitude": f"{lat:.6f}",
                "longitude": f"{lon:.6f}",
                "geom_wkt": f"POINT ({lon:.6f} {lat:.6f})",
                "country": name,
                "iso3": iso3,
                "country_id": str(gw),
                "region": "Africa",
                "event_clarity": "1",
                "date_prec": date_prec,
                "date_start": f"{start} 00:00:00.000",
                "date_end": f"{end} 00:00:00.000",
                "deaths_a": str(deaths_a),
                "deaths_b": str(best - civilians - deaths_a),
                "deaths_civilians": str(civilians),
                "deaths_unknown": "0",
                "best": str(best),
                "high": str(high),
                "low": str(low),
                "gwnoa": str(gw),
            }
            out.writerow([cells.get(column, "") for column in HEADER])
    return rows
