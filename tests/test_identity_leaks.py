"""Victims' identities never reach the public, through any door.

A unique name is planted in every free-text field of unpublished work (incidents in every state but published, their
claims, documents, notes, victims, review notes, return comments, retraction reasons), in evidence still in review
on a published incident and in an aggregate claim no editor accepted, and as the named victim of a published
incident whose accepted claim quotes the victim. Then every GET path of the OpenAPI schema, every page of the site,
every export format and the admin are read as anonymous and as a researcher, with path parameters naming every row
(unpublished ones included) and searches for the name: the name is in no body, whole or in part, with or without
its accents, no search for it finds anything, and nothing answers 5xx.
"""

import csv
import io
import json
import re
import unicodedata
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from actors.models import Actor
from conflict_tracker.choices import ImportKind
from conflict_tracker.redaction import WITHHELD
from events.choices import IncidentStatus
from events.exports import EXPORT_FORMATS
from events.models import CasualtyClaim, CasualtyRecord, Incident, NamedVictim, PropertyHarm
from imports.models import ActorCrosswalk, ActorMerge, ImportedEvent, ImportJob
from reconciliation.models import MatchDecision
from sources.choices import ReviewStatus
from sources.models import Claim, Document, Source
from tests.factories import ActorFactory, ClaimFactory, DocumentFactory, IncidentFactory

NAME = "Zyxqwv Plantedname"
ACCENTED = "Zyxqwv Plantédname"
# What must appear nowhere, once case and accents are folded: each word of the name on its own.
WORDS = ("zyxqwv", "plantedname")
SEARCHES = [NAME, ACCENTED, "Zyxqwv", "PLANTÉDNAME", "yxqw", "lantedn"]
PUBLIC = ["anonymous", "researcher"]


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _document(**fields) -> Document:
    return DocumentFactory(
        title=f"Testimony of {NAME}",
        author=ACCENTED,
        url=f"https://example.org/{fold(NAME).replace(' ', '-')}",
        excerpt=f"{NAME} was taken from the well.",
        snapshot_text=f"Full statement by the family of {ACCENTED}.",
        **fields,
    )


def _reviewed(claim: Claim, editor, status=ReviewStatus.ACCEPTED) -> Claim:
    Claim.objects.filter(pk=claim.pk).update(
        review_status=status, reviewed_by=editor, reviewed_at=timezone.now(), review_note=f"Checked with {NAME}."
    )
    return claim


def _incident_with_everything(status: str, editor, actor: Actor) -> Incident:
    """An incident in `status` naming the victim in every text it has, with its own claims and documents."""
    dates = {}
    if status in (IncidentStatus.PUBLISHED, IncidentStatus.RETRACTED):
        dates["published_at"] = timezone.now()
    if status == IncidentStatus.RETRACTED:
        dates |= {"retracted_at": timezone.now(), "retraction_reason": f"{NAME} asked us to withdraw it."}
    incident = IncidentFactory(
        status=status,
        title=f"Killing of {NAME}",
        notes=f"{ACCENTED}'s brother was also beaten.",
        admin2=f"{NAME} cercle",
        admin3=f"{NAME} commune",
        location_name=f"{ACCENTED}'s farm",
        return_comment=f"Check the spelling of {NAME}.",
        **dates,
    )
    record = CasualtyRecord.objects.create(
        incident=incident, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1, note=NAME
    )
    NamedVictim.objects.create(casualty_record=record, name=NAME, community=ACCENTED)
    PropertyHarm.objects.create(
        incident=incident, kind="homes", harm="burned", count_low=1, count_best=1, count_high=1, note=NAME
    )
    for review in (ReviewStatus.PENDING, ReviewStatus.ACCEPTED, ReviewStatus.REJECTED):
        claim = ClaimFactory(incident=incident, document=_document(), quote=f"They shot {NAME} at dawn.")
        claim.attributed_actors.add(actor)
        CasualtyClaim.objects.create(casualty_record=record, claim=claim)
        if review != ReviewStatus.PENDING:
            _reviewed(claim, editor, review)
    return incident


@pytest.fixture(autouse=True)
def unthrottled(settings):
    # Throttle counters live in the cache: without one, the walk's hundreds of requests are all served.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def planted(db, editor, researcher):
    actor = ActorFactory(name="Katiba Test")
    unpublished = [
        _incident_with_everything(status, editor, actor)
        for status in (
            IncidentStatus.DRAFT,
            IncidentStatus.SUBMITTED,
            IncidentStatus.RETURNED,
            IncidentStatus.RETRACTED,
        )
    ]
    # A published incident whose victim is named, with an accepted claim and a document naming the victim.
    published = IncidentFactory(
        status=IncidentStatus.PUBLISHED, published_at=timezone.now(), title="Killing at the well", notes="A shepherd."
    )
    record = CasualtyRecord.objects.create(
        incident=published, harm="killed", victim_status="civilian", count_low=1, count_best=1, count_high=1
    )
    NamedVictim.objects.create(casualty_record=record, name=ACCENTED)
    quoted = _reviewed(ClaimFactory(incident=published, document=_document(), quote=f"{NAME} was shot."), editor)
    quoted.attributed_actors.add(actor)
    CasualtyClaim.objects.create(casualty_record=record, claim=quoted)
    # Another published incident, with no named victim, whose accepted claim quotes the draft's victim (a claim
    # moved there from a draft, say) and cites a document of the draft.
    other = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), title="Raid on the market")
    _reviewed(
        ClaimFactory(incident=other, document=unpublished[0].claims.first().document, quote=f"{ACCENTED} saw it."),
        editor,
    )
    # Evidence added to the published incident and not reviewed yet, citing a document of its own.
    ClaimFactory(incident=other, document=_document(), quote=f"{NAME} was there too.")
    # Aggregate claims: one pending (with a document cited by nothing else), one accepted.
    pending = ClaimFactory(incident=None, document=_document(), quote=f"{NAME} and 40 others were killed in 2024.")
    pending.attributed_actors.add(actor)
    accepted = _reviewed(
        ClaimFactory(incident=None, document=_document(), quote=f"Over 40 killed in 2024, {ACCENTED} among them."),
        editor,
    )
    accepted.attributed_actors.add(actor)
    imported = _imported_from_acled(editor)
    return {"unpublished": unpublished, "published": published, "other": other, "actor": actor, "imported": imported}


def _imported_from_acled(editor) -> Incident:
    """A published incident an ACLED import made, whose source text (kept as its document's author, and written
    back in the ACLED export's `source`) names the victim."""
    incident = IncidentFactory(status=IncidentStatus.PUBLISHED, published_at=timezone.now(), title="Ambush")
    document = DocumentFactory(author=f"Local partner; {ACCENTED}'s cousin", title="ACLED event", excerpt="")
    claim = _reviewed(ClaimFactory(incident=incident, document=document, quote="Three killed."), editor)
    ImportedEvent.objects.create(
        kind=ImportKind.ACLED,
        external_id="MLI99999",
        incident=incident,
        document=document,
        claim=claim,
        digest="0" * 64,
        incident_version=incident.version,
    )
    return incident


def _schema_get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [path for path, operations in schema["paths"].items() if "get" in operations]


def _values(parameter: str, path: str) -> list[str]:
    """Every value naming a real row for a path parameter, unpublished ones included."""
    if parameter == "code":
        return list(Incident.objects.values_list("code", flat=True))
    if parameter in ("token_key", "uidb64", "token"):  # a token's key; a password reset link's parts
        return ["0123456789abcde"]
    for prefix, model in (
        ("/api/v1/claims/", Claim),
        ("/api/v1/documents/", Document),
        ("/api/v1/sources/", Source),
        ("/api/v1/actors/", Actor),
        ("/api/v1/imports/", ImportJob),
        ("/api/v1/actor-merges/", ActorMerge),
        ("/api/v1/actor-crosswalk/", ActorCrosswalk),
        ("/api/v1/match-decisions/", MatchDecision),
        ("/matches/decisions/", MatchDecision),
        ("/actors/", Actor),
        ("/imports/", ImportJob),
        ("/incidents/", Claim),  # the claim of a review page
    ):
        if path.startswith(prefix):
            return [str(pk) for pk in model.objects.values_list("pk", flat=True)] or ["1"]
    raise AssertionError(f"no values for {{{parameter}}} in {path}")


def _expand(path: str) -> list[str]:
    """The path with its parameters ({code}, <int:pk>) filled with every combination of real values."""
    match = re.search(r"\{(\w+)\}|<(?:\w+:)?(\w+)>", path)
    if not match:
        return [path]
    parameter = match.group(1) or match.group(2)
    return [
        filled
        for value in _values(parameter, path)
        for filled in _expand(path[: match.start()] + quote(value) + path[match.end() :])
    ]


def _page_routes(patterns=None, prefix: str = "/") -> list[str]:
    """Every route of the site outside the API (read from its schema) and the admin (read as a refused user)."""
    routes = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue
            routes += _page_routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and "(?P" not in route:
            routes.append(prefix + route)
    return routes


def _admin_routes() -> list[str]:
    routes = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        routes += [base, f"{base}?q={quote(NAME)}"]
        routes += [f"{base}{pk}/change/" for pk in model._default_manager.values_list("pk", flat=True)[:20]]
    return routes


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _leaks(body: str) -> list[str]:
    folded = fold(body)
    return [word for word in WORDS if word in folded]


def _found(response, body: str) -> bool:
    """Whether a search's answer lists anything (JSON results, GeoJSON features, CSV rows or page rows)."""
    if response.status_code != 200:
        return False
    kind = response.get("Content-Type", "")
    if "json" in kind:
        data = response.json() if not getattr(response, "streaming", False) else json.loads(body)
        if isinstance(data, dict):
            return bool(data.get("results") or data.get("features"))
        return bool(data)
    if "csv" in kind:
        rows = list(csv.reader(io.StringIO(body)))[1:]  # after the header; HDX's hashtag row is no data
        return any(any(cell and not cell.startswith("#") for cell in row) for row in rows)
    return bool(re.search(r"[A-Z]{3}-\d{4}-\d{4}", body))  # a page listing an incident by its code


def _walk(client: Client, urls: list[str]) -> list[str]:
    # Readiness answers 503 while no worker beats, as in this test: a status it reports, not an error.
    reports_unready = reverse("health-ready")
    problems = []
    for url in urls:
        response = client.get(url)
        body = _body(response)
        if response.status_code >= 500 and not (url == reports_unready and response.status_code == 503):
            problems.append(f"{url}: {response.status_code}")
        elif leaks := _leaks(body):
            problems.append(f"{url}: {response.status_code} shows {leaks}")
    return problems


@pytest.mark.parametrize("role", PUBLIC)
def test_no_get_path_of_the_api_shows_a_victims_name(planted, role, client_as):
    client = client_as(role, session=True)
    paths = _schema_get_paths()
    assert "/api/v1/incidents/{code}/" in paths and "/api/v1/claims/{id}/" in paths
    urls = [url for path in paths for url in _expand(path)]
    exports = [f"/api/v1/incidents/?format={name}" for name in [*EXPORT_FORMATS, "json", "api"]]

    problems = _walk(client, [*urls, *exports])

    assert not problems, "\n".join(problems)
    # The walk read real content: the published claims, their names withheld.
    claims = client.get("/api/v1/claims/").json()["results"]
    assert WITHHELD in " ".join(claim["quote"] for claim in claims)
    assert len(urls) > 50


@pytest.mark.parametrize("role", PUBLIC)
def test_no_search_for_a_victims_name_finds_anything(planted, role, client_as):
    client = client_as(role, session=True)
    lists = [path for path in _schema_get_paths() if "{" not in path]
    # The pages that search: the incident list and the map's points (the others ignore the parameters).
    pages = ["/incidents/", "/incidents/map/points/"]
    problems = []
    for path in [*lists, *pages]:
        for parameter in ("search", "q") if path.startswith("/api/") else ("search",):
            for searched in SEARCHES:
                formats = [*EXPORT_FORMATS, "json"] if path == "/api/v1/incidents/" else [None]
                for export in formats:
                    query = {parameter: searched, **({"format": export} if export else {})}
                    response = client.get(path, query)
                    body = _body(response)
                    if response.status_code >= 500:
                        problems.append(f"{path} {query}: {response.status_code}")
                    elif _found(response, body):
                        problems.append(f"{path} {query}: found something")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", PUBLIC)
def test_no_page_shows_a_victims_name(planted, role, client_as):
    client = client_as(role, session=True)
    routes = _page_routes()
    assert "/incidents/<str:code>/" in routes
    urls = [url for route in routes for url in _expand(route)]

    problems = _walk(client, urls)

    assert not problems, "\n".join(problems)
    page = _body(client.get(f"/incidents/{planted['published'].code}/"))
    assert WITHHELD in page


@pytest.mark.parametrize("role", PUBLIC)
def test_the_admin_refuses_the_public_and_shows_nothing(planted, role, client_as):
    client = client_as(role, session=True)
    refused = []
    for url in _admin_routes():
        response = client.get(url)
        if response.status_code not in (302, 403, 404):
            refused.append(f"{url}: {response.status_code}")
    assert not refused, "\n".join(refused)
    assert not _walk(client, _admin_routes())


IMPORTED_EXPORTS = ["acled", "acled-hxl", "csv", "ucdp", "ucdp-hxl", "geojson"]


@pytest.mark.parametrize("role", PUBLIC)
@pytest.mark.parametrize("export_format", IMPORTED_EXPORTS)
def test_no_export_shows_a_victims_name_from_an_imported_source_text(planted, role, export_format, client_as):
    client = client_as(role)

    text = _body(client.get("/api/v1/incidents/", {"format": export_format}))

    assert not _leaks(text)
    assert "MLI99999" in text or planted["imported"].code in text  # the imported incident is exported
    if export_format.startswith("acled"):
        assert f"Local partner; {WITHHELD}'s cousin" in text


@pytest.mark.parametrize("role", ["analyst", "editor", "admin_user"])
def test_staff_export_an_imported_source_text_as_written(planted, role, client_as):
    text = _body(client_as(role).get("/api/v1/incidents/", {"format": "acled"}))

    assert f"Local partner; {ACCENTED}'s cousin" in text


def test_the_planted_name_is_there_for_staff(planted, editor):
    """The walk above proves something only if the name is where the public would have read it."""
    client = Client()
    client.force_login(editor)
    draft = planted["unpublished"][0]

    assert _leaks(_body(client.get(f"/api/v1/incidents/{draft.code}/")))
    assert _leaks(_body(client.get("/api/v1/claims/", {"q": "Zyxqwv"})))
    assert _leaks(_body(client.get(f"/incidents/{planted['published'].code}/")))
