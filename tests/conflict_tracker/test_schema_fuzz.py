"""schemathesis against the live schema: every operation it lists, for each kind of caller, on a varied dataset.

The schema is read from the running application, so operations added later are fuzzed without touching this
file. Every answer must be something other than a server error, with a status code, a media type and a body the
schema documents for that operation. The run is bounded (a fixed number of examples per operation) and
derandomized, so that a failure seen once is seen again.
"""

import datetime
from decimal import Decimal

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from actors.choices import RelationKind
from actors.models import Actor, ActorRelation
from events.choices import Attribution, EventType, IncidentStatus, ParticipantRole, Side, SubEventType
from events.models import (
    CasualtyClaim,
    CasualtyPerpetrator,
    CasualtyRecord,
    Incident,
    IncidentParticipant,
    NamedVictim,
    PropertyHarm,
    PropertyHarmClaim,
)
from sources.models import Claim, Document, Source
from tests.factories import (
    ActorAliasFactory,
    ActorFactory,
    ClaimFactory,
    DocumentFactory,
    IncidentFactory,
    SourceFactory,
    UserFactory,
)

SCHEMA_PATH = "/api/v1/schema/"
PASSWORD = "a-password-for-the-fuzzer"
EXAMPLES_PER_OPERATION = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["anonymous", "researcher", "editor"]


@pytest.fixture
def requests_keep_the_test_transaction():
    """The test's data lives in a transaction that a request must not end.

    Django closes the connection at the start and end of each request when it is not in autocommit mode, as
    inside a test's transaction; its own test client stops that, and so does this, for requests sent straight
    to the WSGI application.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def app(settings, requests_keep_the_test_transaction):
    # Throttle counters live in the cache: without one, no request is throttled, so every example is served.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SECURE_SSL_REDIRECT = False
    settings.API_ANONYMOUS_READ = True
    # Built after the settings above, which its middleware reads when it is created.
    return WSGIHandler()


def _incident(status: str, **fields) -> Incident:
    if status in (IncidentStatus.PUBLISHED, IncidentStatus.RETRACTED):
        fields.setdefault("published_at", timezone.now())
    if status == IncidentStatus.RETRACTED:
        fields.setdefault("retracted_at", timezone.now())
        fields.setdefault("retraction_reason", "The place was misidentified.")
    if status == IncidentStatus.RETURNED:
        fields.setdefault("return_comment", "Name a source for the figure.")
    return IncidentFactory(status=status, **fields)


@pytest.fixture
def dataset(db):
    """Actors with aliases and a lineage, sources, documents, claims, and incidents in every state with every part."""
    wagner = ActorFactory(name="Wagner Group", kind="external_other", country="RUS")
    ActorAliasFactory(actor=wagner, name="PMC Wagner")
    corps = ActorFactory(name="Africa Corps", kind="external_other", country="RUS")
    ActorRelation.objects.create(subject=wagner, kind=RelationKind.SUCCEEDED_BY, object=corps)
    army = ActorFactory(name="Forces Armées Maliennes", acronym="FAMa", kind="state_forces")
    ActorAliasFactory(actor=army, name="Malian Armed Forces", valid_from=datetime.date(2012, 1, 1))
    jnim = ActorFactory(name="Jama'at Nusrat al-Islam wal-Muslimin", acronym="JNIM", needs_review=True)
    unit = ActorFactory(name="Katiba Macina")
    ActorRelation.objects.create(subject=unit, kind=RelationKind.PART_OF, object=jnim)
    actors = [wagner, corps, army, jnim, unit]

    radio = SourceFactory(name="Studio Tamani", country="MLI", language="fr")
    ngo = SourceFactory(name="Human Rights Watch", kind="human_rights_ngo", reliability="A", language="en")
    documents = [
        DocumentFactory(source=radio, language="fr", published_on=datetime.date(2024, 3, 5)),
        DocumentFactory(source=ngo, language="en", published_on=datetime.date(2025, 1, 20), excerpt="Witnesses said"),
    ]

    places = [
        dict(admin1="Gao", admin2="Ansongo", latitude=Decimal("15.659700"), longitude=Decimal("0.502200")),
        dict(admin1="Mopti", admin2="Bandiagara", latitude=Decimal("14.350000"), longitude=Decimal("-3.610000")),
        dict(admin1="Kidal", admin2="Tessalit"),
    ]
    states = [
        IncidentStatus.PUBLISHED,
        IncidentStatus.PUBLISHED,
        IncidentStatus.PUBLISHED,
        IncidentStatus.RETRACTED,
        IncidentStatus.DRAFT,
        IncidentStatus.SUBMITTED,
        IncidentStatus.RETURNED,
    ]
    for number, status in enumerate(states):
        start = datetime.date(2024, 1 + number, 3 + number)
        record = _incident(
            status,
            title=f"Attack on Moura {number}",
            notes="Soldiers and foreign fighters encircled the market.",
            start_date=start,
            end_date=start + datetime.timedelta(days=number % 3),
            civilian_targeting=number % 2 == 0,
            event_type=EventType.VIOLENCE_AGAINST_CIVILIANS if number % 2 else EventType.BATTLES,
            sub_event_type=SubEventType.ATTACK if number % 2 else SubEventType.ARMED_CLASH,
            **places[number % len(places)],
        )
        perpetrator = IncidentParticipant.objects.create(
            incident=record,
            actor=actors[number % len(actors)],
            role=ParticipantRole.PERPETRATOR,
            side=Side.A,
            attribution=Attribution.CONFIRMED if number % 2 else Attribution.ALLEGED,
        )
        IncidentParticipant.objects.create(incident=record, actor=army, role=ParticipantRole.TARGET, side=Side.B)
        claim = ClaimFactory(incident=record, document=documents[number % 2])
        claim.attributed_actors.add(perpetrator.actor)
        killed = CasualtyRecord.objects.create(
            incident=record,
            harm="killed",
            victim_status="civilian",
            count_low=2 + number,
            count_best=5 + number,
            count_high=9 + number,
            children=1,
            note="Named by relatives.",
        )
        CasualtyPerpetrator.objects.create(incident=record, casualty_record=killed, participant=perpetrator)
        CasualtyClaim.objects.create(casualty_record=killed, claim=claim)
        NamedVictim.objects.create(casualty_record=killed, name="Hamadoun Kassambara", age=34, community="Dogon")
        NamedVictim.objects.create(casualty_record=killed, name="Unnamed child")
        homes = PropertyHarm.objects.create(
            incident=record, kind="homes", harm="burned", count_low=3, count_best=4, count_high=6
        )
        PropertyHarmClaim.objects.create(property_harm=homes, claim=claim)
    # An aggregate claim, about no single incident.
    ClaimFactory(incident=None, document=documents[1], quote="Over 500 civilians were killed in 2024.")
    # The totals the services keep from the casualty records, set directly here.
    Incident.objects.update(fatalities_low=2, fatalities_best=5, fatalities_high=9)


class Caller:
    """Who sends the requests: nobody, or a user with a token taken through the API, taken again if revoked."""

    def __init__(self, role: str, client) -> None:
        self.role = role
        self.client = client
        self.user = None
        self.token_key = None
        self.token = None
        if role != "anonymous":
            self.user = UserFactory(username=f"fuzz-{role}", role=role, is_staff=role != "researcher")
            self.user.set_password(PASSWORD)
            self.user.save()

    def headers(self) -> dict[str, str]:
        if self.user is None:
            return {}
        # The fuzzer may revoke this very token (DELETE /auth/token/ and friends are operations like any other).
        if self.token_key is None or not AuthToken.objects.filter(token_key=self.token_key).exists():
            response = self.client.post(
                "/api/v1/auth/token/", json={"username": self.user.username, "password": PASSWORD}
            )
            assert response.status_code == 201, response.get_data(as_text=True)
            self.token, self.token_key = response.json["token"], response.json["token_key"]
        return {"Authorization": f"Token {self.token}"}


def _path_values(caller: Caller) -> dict[str, list]:
    """Values of path parameters that name something that exists, so that details are read, not only 404s."""
    ids = sorted(
        {
            *Actor.objects.values_list("pk", flat=True),
            *Source.objects.values_list("pk", flat=True),
            *Document.objects.values_list("pk", flat=True),
            *Claim.objects.values_list("pk", flat=True),
        }
    )
    values = {"id": ids, "pk": ids, "code": sorted(Incident.objects.values_list("code", flat=True))}
    if caller.token_key:
        values["token_key"] = [caller.token_key]
    return values


def _cases(operation, path_values: dict[str, list]):
    """Cases of the operation, half of them with path parameters naming existing objects."""
    generated = operation.as_strategy()
    names = [parameter.name for parameter in operation.path_parameters]
    if not names or not all(path_values.get(name) for name in names):
        return generated
    existing = st.fixed_dictionaries({name: st.sampled_from(path_values[name]) for name in names}).flatmap(
        lambda fixed: operation.as_strategy(path_parameters=fixed)
    )
    return st.one_of(existing, generated)


def _fuzz(operation, caller: Caller) -> str | None:
    """Runs the operation's examples; the report of the first failure, or None."""
    caller.headers()  # a token first, so that its key is among the path values
    path_values = _path_values(caller)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation, path_values))
    def run(case):
        case.call_and_validate(headers=caller.headers(), checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every failure is reported, with its operation
        return f"{operation.label} as {caller.role}:\n{exc}"
    return None


def _operations(app):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists no operation"
    return schema, operations


def _caller(role: str, schema) -> Caller:
    from werkzeug.test import Client

    return Caller(role, Client(schema.app))


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_its_schema_says(app, dataset, role):
    schema, operations = _operations(app)
    caller = _caller(role, schema)

    failures = [failure for operation in operations if (failure := _fuzz(operation, caller)) is not None]

    assert not failures, "\n\n".join(failures)
