"""The admin of incidents and their parts.

Every write goes through events.services: an incident's fields and parts through incident_create and
incident_update (with the version check), its workflow through admin actions. The services take an incident's
parts as a whole (IncidentParts), so saving one part here sends the incident's current parts with that part
changed.
"""

from . import claims, incidents, parts  # noqa: F401 (registers the model admins)
