from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from demo.loader import DemoLoadError, load_demo


class Command(BaseCommand):
    help = (
        "Load the Mali demo dataset: the actors, sources, figures and incidents of the article the project started "
        "from, with demo users while DEBUG is on. Running it again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-user",
            metavar="USERNAME",
            help="Author the data as this existing superuser and create no users (required when DEBUG is off).",
        )

    def handle(self, *args, as_user: str | None = None, **options):
        author = None
        if as_user is not None:
            author = get_user_model().objects.filter(username=as_user).first()
            if author is None:
                raise CommandError(f"No user named {as_user}: --as-user names an existing superuser.")
        try:
            summary = load_demo(as_user=author)
        except DemoLoadError as error:
            raise CommandError(str(error)) from error
        for line in summary.lines():
            self.stdout.write(line)
        if summary.demo_users:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo logins: {', '.join(summary.demo_users)} (password: {settings.DEMO_PASSWORD})."
                )
            )
