"""One incident's detail, written by PostgreSQL (events/api/listing.py): the same bytes the serializers wrote, for
each role, in one query (the public's from the stored rendering), and no more visible than before."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from events.choices import IncidentStatus
from events.models import CasualtyClaim, IncidentRendering
from sources.choices import ReviewStatus
from tests.factories import ClaimFactory, UserFactory
from tests.helpers.incidents import VICTIM, full_incident, serialized

PUBLIC = ["anonymous", "researcher"]
STAFF = ["analyst", "editor", "admin_user"]
# As get_object_or_404 answered before: an unknown code and one the reader may not see are told apart by nothing.
NOT_FOUND = {"error": {"status": 404, "code": "not_found", "message": "No Incident matches the given query."}}


def user_of(request, role):
    return AnonymousUser() if role == "anonymous" else request.getfixturevalue(role)


def token_client(user) -> APIClient:
    client = APIClient()
    if user.is_authenticated:
        client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def published(db):
    """A published incident with every part, and a claim still pending review that its record rests on (staff see
    it, the public does not)."""
    record = full_incident(title="Attack on Ogossagou", notes="Résumé: « 20 » killed\u2028at dawn")
    pending = ClaimFactory(incident=record, review_status=ReviewStatus.PENDING)
    CasualtyClaim.objects.create(casualty_record=record.casualty_records.get(), claim=pending)
    return record


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_the_detail_is_byte_for_byte_what_the_serializers_wrote(request, published, role):
    user = user_of(request, role)

    response = token_client(user).get(f"/api/v1/incidents/{published.code}/")

    assert response.status_code == 200
    assert response.content == serialized(published, user)
    assert (VICTIM in response.content.decode()) == (role in STAFF)


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("status", [IncidentStatus.DRAFT, IncidentStatus.SUBMITTED])
def test_staff_read_unpublished_incidents_as_the_serializers_wrote_them(request, db, role, status):
    record = full_incident(status)
    user = user_of(request, role)

    response = token_client(user).get(f"/api/v1/incidents/{record.code}/")

    assert response.status_code == 200
    assert response.content == serialized(record, user)


@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_times_are_written_in_the_current_time_zone(request, published, role):
    user = user_of(request, role)

    with timezone.override("America/Caracas"):
        response = token_client(user).get(f"/api/v1/incidents/{published.code}/")
        expected = serialized(published, user)

    assert response.content == expected
    assert response.json()["updated_at"].endswith("-04:00")


@pytest.mark.parametrize("role", PUBLIC)
def test_unpublished_and_unknown_incidents_are_the_same_404_to_the_public(request, db, role):
    client = token_client(user_of(request, role))
    retracted = full_incident(IncidentStatus.PUBLISHED)
    retracted.status, retracted.retraction_reason, retracted.retracted_at = (
        IncidentStatus.RETRACTED,
        "Duplicate",
        timezone.now(),
    )
    retracted.save()
    codes = [full_incident(state).code for state in (IncidentStatus.DRAFT, IncidentStatus.SUBMITTED)]

    for code in [*codes, retracted.code, "MLI-1999-9999"]:
        response = client.get(f"/api/v1/incidents/{code}/")
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


def test_a_published_incident_without_its_stored_rendering_is_rendered_all_the_same(published):
    IncidentRendering.objects.filter(incident=published).delete()

    response = APIClient().get(f"/api/v1/incidents/{published.code}/")

    assert response.status_code == 200
    assert response.content == serialized(published, AnonymousUser())


# The detail itself is one query, for every role; a token adds one (the token, its user and roles together).
@pytest.mark.parametrize("role", [*PUBLIC, *STAFF])
def test_the_detail_runs_one_query_and_a_token_one_more(
    request, published, role, django_assert_num_queries, django_assert_max_num_queries
):
    client = token_client(user_of(request, role))
    draft = full_incident(IncidentStatus.DRAFT)

    with django_assert_num_queries(1 if role == "anonymous" else 2):
        assert client.get(f"/api/v1/incidents/{published.code}/").status_code == 200
    with django_assert_num_queries(1 if role == "anonymous" else 2):
        assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == (200 if role in STAFF else 404)


@pytest.mark.parametrize("role", ["researcher", "editor"])
def test_a_browser_session_reads_the_detail_in_a_fixed_number_of_queries(
    client_as, published, role, django_assert_max_num_queries
):
    client = client_as(role, session=True)

    # The session, its user, the user's roles, the incident.
    with django_assert_max_num_queries(4):
        assert client.get(f"/api/v1/incidents/{published.code}/").status_code == 200


def test_a_detail_reader_cannot_widen_what_they_see_with_a_role_they_lost(db):
    analyst = UserFactory(username="former-analyst", role="analyst")
    draft = full_incident(IncidentStatus.DRAFT)
    client = token_client(analyst)
    assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 200

    analyst.groups.clear()

    assert client.get(f"/api/v1/incidents/{draft.code}/").status_code == 404
