"""The incident map: the incident list's filters and visibility, drawn as points with Leaflet.

The page itself renders the filter form, the legend and the counts; the points come from `incident_map_points`,
a small JSON endpoint of its own rather than the API's GeoJSON export, because the export streams every matching
incident and a map must never pull 2,000,000 rows into a browser. The points are capped at MAX_POINTS, in the
list's order (newest first unless an ordering is asked for), and the page says so when the cap bites.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from conflict_tracker.decorators import public_read
from conflict_tracker.pagination import IncidentCursorPagination

from ..choices import EventType
from ..filters import IncidentFilterSet
from ..models import Incident
from .incidents import filter_form_context

# Enough for years of a country's ACLED events, little enough for Leaflet's SVG renderer and a slow connection.
MAX_POINTS = 5000
# The page counts the matching incidents up to this many, then says "more than".
COUNT_LIMIT = 100_000
# Parameters of the list page that mean nothing to the map: its page cursor and its export format.
LIST_ONLY_PARAMETERS = ("cursor", "format")
# One CSS class per ACLED event type (static/css/site.css colours the points and the legend alike).
EVENT_TYPE_CLASSES = {
    EventType.BATTLES: "event-battles",
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: "event-explosions",
    EventType.VIOLENCE_AGAINST_CIVILIANS: "event-civilians",
    EventType.PROTESTS: "event-protests",
    EventType.RIOTS: "event-riots",
    EventType.STRATEGIC_DEVELOPMENTS: "event-strategic",
}
NO_EVENT_TYPE_CLASS = "event-none"
EVENT_TYPE_LABELS = dict(EventType.choices)
POINT_FIELDS = ("code", "title", "start_date", "location_name", "admin1", "event_type", "fatalities_best")


def _filterset(request) -> tuple[IncidentFilterSet, object]:
    """The list's FilterSet over what the visitor may see, and the query without the list-only parameters."""
    query = request.GET.copy()
    for name in LIST_ONLY_PARAMETERS:
        query.pop(name, None)
    queryset = Incident.objects.visible_to(request.user)
    return IncidentFilterSet(query, queryset=queryset, request=request), query


def _points(filterset: IncidentFilterSet):
    """The located incidents the filters match, in the list's order (newest first by default), capped."""
    queryset = filterset.qs.filter(latitude__isnull=False)
    if not filterset.form.cleaned_data.get("ordering"):
        queryset = queryset.order_by(*IncidentCursorPagination.sort(IncidentCursorPagination.default_ordering))
    return queryset


def _bounded_count(queryset) -> tuple[int, bool]:
    """How many rows, counted up to COUNT_LIMIT, and whether there are more: an exact count of 2,000,000
    incidents takes over a second, and "more than 100000" says enough."""
    count = queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()
    return min(count, COUNT_LIMIT), count > COUNT_LIMIT


def _counts(filterset: IncidentFilterSet) -> dict:
    # The database holds both coordinates or neither (incident_coordinates_valid).
    counts = {}
    counts["located"], counts["located_more"] = _bounded_count(filterset.qs.filter(latitude__isnull=False))
    counts["unlocated"], counts["unlocated_more"] = _bounded_count(filterset.qs.filter(latitude__isnull=True))
    counts["shown"] = min(counts["located"], MAX_POINTS)
    counts["capped"] = counts["located"] > MAX_POINTS
    return counts


@public_read
def incident_map(request):
    """The filtered incidents on a map, coloured by ACLED event type, with how many are drawn, how many the
    cap leaves out and how many have no coordinates to draw."""
    filterset, query = _filterset(request)
    counts = _counts(filterset) if filterset.is_valid() else None
    errors = filterset.errors if counts is None else {}
    encoded = f"?{query.urlencode()}" if query else ""
    context = {
        **filter_form_context(request, filterset, errors),
        "counts": counts,
        # No points to fetch when the filters are wrong: the form says what to fix instead.
        "points_url": f"{reverse('events:incident-map-points')}{encoded}" if counts else "",
        "list_url": f"{reverse('events:incident-list')}{encoded}",
        "legend": [(EVENT_TYPE_CLASSES[value], label) for value, label in EventType.choices],
        "no_event_type_class": NO_EVENT_TYPE_CLASS,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "events/incident_map.html", context)


def _sign_in_for_points(request):
    # Fetched by the map's script, which shows the message: JSON, not a redirect to the sign-in page.
    return JsonResponse({"error": {"status": 401, "message": _("Sign in to see the map.")}}, status=401)


@public_read(refuse=_sign_in_for_points)
def incident_map_points(request):
    """The map's points as GeoJSON: at most MAX_POINTS located incidents, with what a popup shows."""
    filterset, _query = _filterset(request)
    if not filterset.is_valid():
        return JsonResponse(
            {"error": {"status": 400, "message": _("Fix the filters."), "fields": filterset.errors}}, status=400
        )
    detail = reverse("events:incident-detail", args=["CODE"]).removesuffix("CODE/")
    features = [
        {
            "type": "Feature",
            "id": row["code"],
            "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
            "properties": {
                "code": row["code"],
                "title": row["title"],
                "start_date": row["start_date"].isoformat(),
                "place": row["location_name"] or row["admin1"],
                "event_type": str(EVENT_TYPE_LABELS.get(row["event_type"], "")),
                "css_class": EVENT_TYPE_CLASSES.get(row["event_type"], NO_EVENT_TYPE_CLASS),
                "fatalities_best": row["fatalities_best"],
                "url": f"{detail}{row['code']}/",
            },
        }
        for row in _points(filterset).values(*POINT_FIELDS, "latitude", "longitude")[:MAX_POINTS]
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
