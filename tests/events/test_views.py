import pytest
from django.urls import reverse

from events.choices import IncidentStatus
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents():
    return {
        status: IncidentFactory(title=f"{status} incident", status=status, **extra)
        for status, extra in [
            (IncidentStatus.DRAFT, {}),
            (IncidentStatus.SUBMITTED, {}),
            (IncidentStatus.PUBLISHED, {"published_at": "2025-03-01T00:00Z"}),
        ]
    }


@pytest.mark.parametrize(
    ("role", "sees_unpublished"),
    [("anonymous", False), ("researcher", False), ("analyst", True), ("editor", True), ("admin_user", True)],
)
def test_the_home_page_lists_only_what_the_role_may_see(client, request, incidents, role, sees_unpublished):
    user = request.getfixturevalue(role)
    if user.is_authenticated:
        client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "published incident" in page
    assert ("draft incident" in page) is sees_unpublished
    assert ("submitted incident" in page) is sees_unpublished


def test_the_home_page_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    IncidentFactory.create_batch(3, status=IncidentStatus.PUBLISHED, published_at="2025-03-01T00:00Z")
    with django_assert_max_num_queries(4):
        assert client.get(reverse("home")).status_code == 200
    IncidentFactory.create_batch(12, status=IncidentStatus.PUBLISHED, published_at="2025-03-01T00:00Z")
    with django_assert_max_num_queries(4):
        assert client.get(reverse("home")).status_code == 200
