"""The OpenAPI schema documents what the API does: filters, errors, export formats and the staff-only fields."""

import json
import re

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def list_operations(schema):
    """GET operations without path parameters: the lists (and the changes feed)."""
    for method, path, operation in operations(schema):
        if method == "get" and "{" not in path:
            yield path, operation


def test_every_query_parameter_of_every_list_has_a_description_a_type_and_an_example(schema):
    lists = list(list_operations(schema))
    assert {"/api/v1/incidents/", "/api/v1/actors/", "/api/v1/claims/"} <= {path for path, _ in lists}
    undocumented = []
    for path, operation in lists:
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            has_type = bool(parameter.get("schema", {}).get("type"))
            has_example = "example" in parameter or bool(parameter.get("examples"))
            if not (parameter.get("description") and has_type and has_example):
                undocumented.append(f"{path} {parameter['name']}")

    assert not undocumented, undocumented


def parameters_of(schema, path) -> dict:
    return {parameter["name"]: parameter for parameter in schema["paths"][path]["get"]["parameters"]}


def test_incident_filters_have_their_precise_types(schema):
    parameters = parameters_of(schema, "/api/v1/incidents/")

    assert parameters["date_after"]["schema"] == {"type": "string", "format": "date"}
    assert parameters["updated_since"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["fatalities_min"]["schema"] == {"type": "integer", "minimum": 0}
    assert parameters["radius_km"]["schema"] == {"type": "number", "minimum": 0, "maximum": 5000}
    assert parameters["include_related"]["schema"]["type"] == "boolean"
    assert set(parameters["fatalities_measure"]["schema"]["enum"]) == {"low", "best", "high"}
    assert "published" in parameters["status"]["schema"]["enum"]
    assert parameters["actor"]["example"] == "Wagner Group"


def test_examples_of_enumerated_parameters_are_among_their_values(schema):
    for path, operation in list_operations(schema):
        for parameter in operation.get("parameters", []):
            enum = parameter.get("schema", {}).get("enum")
            if enum and "example" in parameter:
                assert parameter["example"] in enum, f"{path} {parameter['name']}"


def test_every_operation_documents_its_errors_in_the_one_error_shape(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), f"{method} {path}"
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        if "{" in path:
            assert "404" in responses, f"{method} {path}"
        if method != "get":
            assert "403" in responses, f"{method} {path}"
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), f"{method} {path}"


def test_the_incident_list_documents_its_export_media_types(schema):
    content = schema["paths"]["/api/v1/incidents/"]["get"]["responses"]["200"]["content"]

    assert set(content) == {"application/json", "text/csv", "application/geo+json"}
    geojson = content["application/geo+json"]["schema"]
    assert geojson["properties"]["type"]["enum"] == ["FeatureCollection"]


def test_casualty_records_document_the_staff_only_fields_as_optional(schema):
    components = schema["components"]["schemas"]
    record = components["CasualtyRecord"]

    for name in ("note", "named_victims"):
        assert name in record["properties"]
        assert name not in record["required"]
        assert "analysts, editors and admins only" in record["properties"][name]["description"]
    assert record["properties"]["named_victims"]["items"] == {"$ref": "#/components/schemas/NamedVictim"}
    assert {"name", "age", "community"} <= set(components["NamedVictim"]["properties"])


def test_every_reference_names_a_component(schema):
    text = json.dumps(schema)
    referenced = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text))

    assert referenced <= set(schema["components"]["schemas"])


def test_staff_only_reads_document_their_403_detail_routes_included(schema):
    for path in ("/api/v1/imports/", "/api/v1/imports/{id}/", "/api/v1/incidents/{code}/revisions/"):
        assert "403" in schema["paths"][path]["get"]["responses"], path
    assert "403" not in schema["paths"]["/api/v1/incidents/{code}/"]["get"]["responses"]
