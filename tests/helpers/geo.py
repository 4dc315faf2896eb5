"""An independent great-circle distance to check the code's against."""

import math

from conflict_tracker.geo import EARTH_RADIUS_KM


def great_circle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The spherical law of cosines: another formula than the code's haversine, for the same distance."""
    lat1, lon1, lat2, lon2 = map(math.radians, (lat1, lon1, lat2, lon2))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return EARTH_RADIUS_KM * math.acos(min(1.0, cosine))
