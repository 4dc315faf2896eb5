"""manage.py import_acled: the summary it prints, dry runs, and whom it imports as."""

import io

import pytest
from django.core.management import CommandError, call_command

from events.models import Incident
from imports.models import ImportJob
from tests.helpers.imports import FILES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_acled", *args, stdout=out)
    return out.getvalue()


def test_it_imports_and_prints_the_summary_with_row_errors(known_actors, editor):
    output = run(str(FILES / "acled_errors.csv"), "--as-user", "editor")

    assert "Schema: current." in output
    assert "rows read: 6; events: 2" in output
    assert "created: 2  updated: 0  unchanged: 0  absent: 0" in output
    assert "row errors: 4" in output
    assert "  row 4 (MLI5003): fatalities is many, not a number." in output
    assert "  row 7 (MLI5006): The row has 28 of the header's 31 columns" in output
    assert Incident.objects.count() == 2
    assert ImportJob.objects.get().user == editor


def test_a_re_import_prints_updated_unchanged_and_absent_events(known_actors, editor):
    run(str(FILES / "acled_current.csv"), "--as-user", "editor")

    output = run(str(FILES / "acled_current_revised.csv"), "--as-user", "editor")

    assert "created: 1  updated: 1  unchanged: 1  absent: 1" in output
    assert "absent from this file: MLI9003" in output


def test_a_dry_run_says_so_and_writes_nothing(known_actors, editor):
    output = run(str(FILES / "acled_current.csv"), "--dry-run", "--as-user", "editor")

    assert "(dry run: nothing written)" in output
    assert "created: 3" in output
    assert Incident.objects.count() == 0


def test_without_as_user_it_imports_as_the_only_superuser(known_actors, admin_user):
    run(str(FILES / "acled_2019.csv"))

    assert ImportJob.objects.get().user == admin_user


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--as-user", "editor"], "No such file"),
        ([str(FILES / "acled_current.csv"), "--as-user", "nobody"], "No user nobody"),
        ([str(FILES / "acled_current.csv"), "--as-user", "researcher"], "Only editors"),
        ([str(FILES / "acled_current.csv")], "--as-user"),
    ],
)
def test_it_refuses_clearly(args, message, editor, researcher):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert Incident.objects.count() == 0


def test_a_failed_import_is_a_command_error(editor, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,date\n1,2024-01-01\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not an ACLED file"):
        run(str(path), "--as-user", "editor")
    assert ImportJob.objects.get().status == "failed"
