from django.db import migrations

# The functions of events/rendering.py whose planner settings (PLANNER_SETTINGS) now turn JIT off.
FUNCTIONS = (
    "incident_renderings_refresh(bigint[])",
    "incident_renderings_touch_incidents(bigint[])",
    "incident_renderings_touch_claims(bigint[], bigint[])",
    "incident_renderings_touch_records(bigint[])",
    "incident_renderings_touch_property_harms(bigint[])",
    "incident_renderings_touch_actors(bigint[])",
)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0010_insert_history_off_for_bulk_writers"),
    ]

    operations = [
        migrations.RunSQL(
            [f"ALTER FUNCTION {function} SET jit = off" for function in FUNCTIONS],
            [f"ALTER FUNCTION {function} RESET jit" for function in FUNCTIONS],
        ),
    ]
