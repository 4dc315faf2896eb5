from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Mali demo data (`manage.py load_demo`): the article's actors, sources, incidents and figures, written
    through every app's services, so it sits above them all."""

    name = "demo"
