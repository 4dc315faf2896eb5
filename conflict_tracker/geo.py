"""Distances on the Earth's surface, for whatever looks for places near a point: the incidents' `near` filter and
the similar-incident warning.

The Earth is taken as a sphere of radius EARTH_RADIUS_KM, the IUGG mean radius R1 = (2a + b) / 3 of the WGS 84
ellipsoid our coordinates are given on: 6371.0088 km, the radius geodesy recommends for a spherical Earth (a distance
on it errs by at most about 0.5 %), which the public `near` filter already used; the rounded 6371 would only add
an error of its own.

Distances are computed by PostgreSQL (the haversine formula, `distance_km`), after a box around the circle on the
indexed coordinates (`box_around`) has narrowed the rows.
"""

import math
from decimal import Decimal

from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import ASin, Cast, Cos, Least, Power, Radians, Sin, Sqrt

EARTH_RADIUS_KM = 6371.0088
# A degree of latitude is about 111.2 km; 110 makes the box a little wider than the circle, never narrower.
KM_PER_DEGREE_SAFE = 110.0


def box_around(lat: float, lon: float, km: float, *, latitude: str = "latitude", longitude: str = "longitude") -> Q:
    """The rows whose coordinates lie in a box holding every point within `km` of (lat, lon): a filter an index on
    the coordinates serves. A circle reaching a pole spans every longitude, and one across the antimeridian is
    bounded by latitude only."""
    spread = km / KM_PER_DEGREE_SAFE
    box = Q(
        **{
            f"{latitude}__gte": Decimal(f"{max(lat - spread, -90.0):.6f}"),
            f"{latitude}__lte": Decimal(f"{min(lat + spread, 90.0):.6f}"),
        }
    )
    if abs(lat) + spread < 90:
        # The circle's widest longitudes lie nearer the pole than its centre: asin(sin r / cos lat) (Matuschek,
        # "bounding coordinates"), which r / cos lat underestimates far from the equator.
        lon_spread = math.degrees(math.asin(math.sin(math.radians(spread)) / math.cos(math.radians(lat))))
        if lon - lon_spread >= -180 and lon + lon_spread <= 180:
            box &= Q(
                **{
                    f"{longitude}__gte": Decimal(f"{lon - lon_spread:.6f}"),
                    f"{longitude}__lte": Decimal(f"{lon + lon_spread:.6f}"),
                }
            )
    return box


def distance_km(lat: float, lon: float, *, latitude: str = "latitude", longitude: str = "longitude") -> Case:
    """The great-circle distance in km from (lat, lon) to each row's coordinates, in SQL; NULL for a row without
    coordinates (LEAST, which keeps rounding from taking asin out of its domain, would otherwise skip the NULL)."""
    row_lat = Radians(Cast(F(latitude), FloatField()))
    row_lon = Radians(Cast(F(longitude), FloatField()))
    half_chord = Power(Sin((row_lat - Value(math.radians(lat))) / Value(2.0)), 2) + Value(
        math.cos(math.radians(lat))
    ) * Cos(row_lat) * Power(Sin((row_lon - Value(math.radians(lon))) / Value(2.0)), 2)
    distance = Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(half_chord, Value(1.0))))
    return Case(
        When(**{f"{latitude}__isnull": False, f"{longitude}__isnull": False}, then=distance),
        output_field=FloatField(),
    )
