import datetime
from pathlib import Path

import pytest

from actors.choices import ActorKind
from actors.models import Actor, ActorAlias
from conflict_tracker.choices import ImportKind
from imports.services import import_job_create, import_job_run
from tests.helpers.imports import FILES


@pytest.fixture
def known_actors(db):
    """The actors an ACLED file of Mali names, as the demo data knows them: the army under its three dated ACLED
    labels, Wagner, JNIM under ACLED's spelling."""
    fama = Actor.objects.create(name="Malian Armed Forces", acronym="FAMa", kind=ActorKind.STATE_FORCES, country="MLI")
    for name, start, end in (
        ("Military Forces of Mali (2013-2020)", datetime.date(2013, 9, 4), datetime.date(2020, 8, 18)),
        ("Military Forces of Mali (2020-2021)", datetime.date(2020, 8, 18), datetime.date(2021, 5, 24)),
        ("Military Forces of Mali (2021-)", datetime.date(2021, 5, 24), None),
    ):
        ActorAlias.objects.create(actor=fama, name=name, valid_from=start, valid_until=end)
    wagner = Actor.objects.create(name="Wagner Group", kind=ActorKind.EXTERNAL_OTHER, country="RUS")
    jnim = Actor.objects.create(
        name="Jama'at Nusrat al-Islam wal-Muslimin", acronym="JNIM", kind=ActorKind.REBEL_GROUP, country="MLI"
    )
    ActorAlias.objects.create(actor=jnim, name="JNIM: Group for Support of Islam and Muslims")
    return {"fama": fama, "wagner": wagner, "jnim": jnim}


@pytest.fixture
def run_import(editor):
    """Import one of the fixture files (or any path) as the editor; returns the finished job."""

    def run(name, *, dry_run=False, by=None):
        path = Path(name) if Path(name).is_absolute() else FILES / name
        job = import_job_create(by=by or editor, kind=ImportKind.ACLED, file_name=path.name, dry_run=dry_run)
        with path.open("rb") as stream:
            return import_job_run(job=job, stream=stream)

    return run
