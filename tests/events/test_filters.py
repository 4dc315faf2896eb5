"""The date window (conflict_tracker.filters.date_window) that the incidents and the tallies take alike: date_after and
date_before, both ends included, refused on date_before when it comes first."""

import pytest
from rest_framework.test import APIClient

from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["/api/v1/incidents/", "/api/v1/tallies/"])
def ask(request):
    """A GET on a list that takes the window, with what else that list needs (the tallies: an actor, a period)."""
    needs = {"actor": ActorFactory().pk, "period": "year"} if "tallies" in request.param else {}
    return lambda **window: APIClient().get(request.param, {**needs, **window})


def test_a_window_that_ends_before_it_starts_is_refused_naming_date_before(ask):
    response = ask(date_after="2024-03-02", date_before="2024-03-01")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"date_before": ["date_before cannot come before date_after."]}


@pytest.mark.parametrize(
    "window",
    [
        {"date_after": "2024-03-01", "date_before": "2024-03-01"},  # one day: both ends are included
        {"date_after": "2024-03-01"},
        {"date_before": "2024-03-01"},
    ],
)
def test_a_window_of_one_day_or_with_one_end_open_is_taken(ask, window):
    assert ask(**window).status_code == 200


def test_a_date_that_is_not_one_is_refused_on_its_own_parameter(ask):
    response = ask(date_after="2024-02-30", date_before="2024-03-01")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["date_after"]
