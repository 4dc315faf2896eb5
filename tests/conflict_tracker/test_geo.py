"""The one great-circle distance: a sphere of the IUGG mean radius, computed by PostgreSQL, and a box around the
circle that never leaves a point of it out."""

import math
from decimal import Decimal

import pytest

from conflict_tracker.geo import EARTH_RADIUS_KM, box_around, distance_km
from events.models import Incident
from tests.factories import IncidentFactory
from tests.helpers.geo import great_circle

pytestmark = pytest.mark.django_db


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """The point `km` away from (lat, lon) on the great circle leaving it at `bearing` degrees."""
    lat, lon, bearing, angle = math.radians(lat), math.radians(lon), math.radians(bearing), km / EARTH_RADIUS_KM
    lat2 = math.asin(math.sin(lat) * math.cos(angle) + math.cos(lat) * math.sin(angle) * math.cos(bearing))
    lon2 = lon + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(lat), math.cos(angle) - math.sin(lat) * math.sin(lat2)
    )
    return math.degrees(lat2), math.degrees(lon2)


def located(lat: float, lon: float) -> Incident:
    return IncidentFactory(latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lon:.6f}"))


def distance_to(incident: Incident, lat: float, lon: float) -> float:
    return Incident.objects.annotate(km=distance_km(lat, lon)).get(pk=incident.pk).km


def test_the_radius_is_the_iugg_mean_radius():
    assert EARTH_RADIUS_KM == 6371.0088


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ((0, 0), (1, 0)),  # a degree of a meridian: 111.195 km
        ((16.27, -0.04), (12.64, -8.0)),  # Gao to Bamako
        ((14.14, -4.29), (14.18, -4.27)),  # Djenné, 5 km
        ((0, 179.9), (0, -179.9)),  # across the antimeridian
        ((89.9, 0), (89.9, 180)),  # over the pole
    ],
)
def test_the_database_distance_is_the_great_circle_distance(start, end):
    incident = located(*end)

    assert distance_to(incident, *start) == pytest.approx(great_circle(*start, *end), rel=1e-6)


def test_a_degree_of_latitude_is_the_mean_radius_arc():
    assert distance_to(located(1, 0), 0, 0) == pytest.approx(2 * math.pi * EARTH_RADIUS_KM / 360, rel=1e-6)


def test_a_row_without_coordinates_has_no_distance():
    assert distance_to(IncidentFactory(), 0, 0) is None


@pytest.mark.parametrize("centre", [(0, 0), (14.14, -4.29), (60, 10), (-70, 45), (85, 0)])
@pytest.mark.parametrize("km", [1, 25, 500])
def test_the_box_holds_every_point_of_the_circle(centre, km):
    # Just inside the circle, every 15 degrees around it.
    edge = [located(*destination(*centre, bearing, km * 0.999)) for bearing in range(0, 360, 15)]
    outside = located(*destination(*centre, 45, km * 1.5))

    boxed = set(Incident.objects.filter(box_around(*centre, km)).values_list("pk", flat=True))
    near = set(
        Incident.objects.filter(box_around(*centre, km))
        .alias(km=distance_km(*centre))
        .filter(km__lte=km)
        .values_list("pk", flat=True)
    )

    assert {incident.pk for incident in edge} <= boxed
    assert near == {incident.pk for incident in edge}
    assert outside.pk not in near
