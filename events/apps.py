from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from . import licences, rendering

        licences.register_triggers()
        rendering.register_triggers()
