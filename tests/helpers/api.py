"""Reading the API's answers: an error in its one JSON shape, the incident list in one page."""


def error_of(response, status: int) -> dict:
    """The response's error, checked to have that status and the one shape of every API error."""
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    assert set(error) <= {"status", "code", "message", "fields", "current_version"}
    return error


def listed(client, **params) -> list[dict]:
    """The incident list's rows as the client reads them, all on one page."""
    response = client.get("/api/v1/incidents/", {"page_size": 500, **params})
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]
