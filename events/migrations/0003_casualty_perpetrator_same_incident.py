from django.db import migrations

# Django has no composite foreign keys: these make the database itself refuse a casualty record attributed
# to a participant of another incident, or to a participant that is not a perpetrator.
FORWARD = """
ALTER TABLE events_casualtyperpetrator
    ADD CONSTRAINT casualty_perpetrator_record_same_incident
    FOREIGN KEY (incident_id, casualty_record_id) REFERENCES events_casualtyrecord (incident_id, id)
    ON DELETE CASCADE;
ALTER TABLE events_casualtyperpetrator
    ADD CONSTRAINT casualty_perpetrator_participant_same_incident
    FOREIGN KEY (incident_id, participant_id, participant_role)
    REFERENCES events_incidentparticipant (incident_id, id, role)
    ON DELETE CASCADE;
"""

BACKWARD = """
ALTER TABLE events_casualtyperpetrator DROP CONSTRAINT casualty_perpetrator_record_same_incident;
ALTER TABLE events_casualtyperpetrator DROP CONSTRAINT casualty_perpetrator_participant_same_incident;
"""


class Migration(migrations.Migration):
    dependencies = [("events", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
