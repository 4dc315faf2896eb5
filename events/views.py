from django.shortcuts import render

from actors.models import Actor
from sources.models import Source

from .models import Incident


def home(request):
    """The front page: what the database holds that this visitor may see."""
    incidents = Incident.objects.visible_to(request.user).all()
    context = {
        "incident_count": incidents.count(),
        "recent_incidents": incidents.order_by("-start_date")[:10],
        "actor_count": Actor.objects.count(),
        "source_count": Source.objects.count(),
    }
    return render(request, "events/home.html", context)
