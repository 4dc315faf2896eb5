"""pghistory's insert trigger is off inside insert_snapshots_by_caller (conflict_tracker.history), for inserts alone,
and on again after it, in the same transaction."""

import pytest
from django.db import transaction
from pghistory.models import Events

from actors.choices import ActorKind
from actors.models import Actor
from conflict_tracker.history import insert_snapshots_by_caller

pytestmark = pytest.mark.django_db


def labels(actor: Actor) -> list[str]:
    return sorted(Events.objects.tracks(actor).values_list("pgh_label", flat=True))


def test_an_insert_inside_the_block_gets_no_snapshot_from_the_trigger_and_one_after_it_does():
    with transaction.atomic():
        before = Actor.objects.create(name="Before", kind=ActorKind.REBEL_GROUP, country="MLI")
        with insert_snapshots_by_caller():
            inside = Actor.objects.create(name="Inside", kind=ActorKind.REBEL_GROUP, country="MLI")
            # Only the insert trigger is off: an update in the block is a revision as any other.
            Actor.objects.filter(pk=before.pk).update(name="Before, renamed")
        after = Actor.objects.create(name="After", kind=ActorKind.REBEL_GROUP, country="MLI")
    assert labels(inside) == []
    assert labels(before) == ["insert", "update"]
    assert labels(after) == ["insert"]
