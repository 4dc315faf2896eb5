"""What the OpenAPI schema says beyond drf-spectacular's inference, as postprocessing hooks.

- Every operation lists the errors it can answer, in the API's one error shape (`Error`).
- The incident list documents its export formats (CSV, ACLED-compatible CSV, UCDP GED-style CSV, both with HDX's
  HXL hashtag row, and GeoJSON) as response media types, and says what each `format` gives.
- Casualty records document `note` and `named_victims`, present for analysts, editors and admins only.
- Every query parameter of a list has a description, a precise type and an example: the filters' own
  `help_text`, and their `examples` (a FilterSet attribute naming an example per filter).

Each hook only adds what a view has not declared itself, so an explicit `extend_schema` always wins.
"""

from django import forms
from drf_spectacular.plumbing import ComponentRegistry, build_mocked_view
from drf_spectacular.utils import extend_schema

from conflict_tracker.permissions import StaffOnly
from events.api.serializers import StaffCasualtyRecordSerializer
from events.exports import EXPORT_RENDERERS

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The one shape of every error the API answers.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer", "description": "The HTTP status code.", "example": 400},
                "code": {
                    "type": "string",
                    "description": "What went wrong, for programs: invalid, not_authenticated, authentication_failed, "
                    "permission_denied, not_found, method_not_allowed, conflict, throttled, locked_out ...",
                    "example": "invalid",
                },
                "message": {
                    "type": "string",
                    "description": "What went wrong, for people; for invalid input it starts with the parameter.",
                    "example": "date_after: Enter a valid date.",
                },
                "fields": {
                    "type": "object",
                    "description": "Invalid input only: the messages for each parameter or field at fault.",
                    "additionalProperties": {"type": "array", "items": {}},
                    "example": {"date_after": ["Enter a valid date."]},
                },
                "current_version": {
                    "type": "integer",
                    "description": "A write based on an outdated version (409) only: the current version.",
                    "example": 4,
                },
            },
        }
    },
}
ERROR_DESCRIPTIONS = {
    "400": (
        "A parameter or field is invalid, and the error names it; or the body is not JSON, is nested too deep or "
        "has too many form fields, and the error names the limit."
    ),
    "401": "No valid credentials: a wrong or revoked token, or anonymous reading is switched off.",
    "403": "The caller's role may not do this.",
    "404": "No such object, or not one the caller may see (or a page number past the last page).",
    "409": "The write was based on an outdated version, or the workflow does not allow this step now.",
    "413": "The body (an uploaded file aside) is larger than the API accepts; the error names the limit.",
    "429": "Too many requests; Retry-After says when to try again.",
}
SAFE_METHODS = ("get", "head", "options")

GEOJSON_SCHEMA = {
    "type": "object",
    "description": (
        "A GeoJSON FeatureCollection: one feature per matching incident, a Point where it has coordinates and a "
        "null geometry where it has none."
    ),
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string", "description": "The incident's code.", "example": "MLI-2025-0042"},
                    "geometry": {
                        "type": "object",
                        "nullable": True,
                        "required": ["type", "coordinates"],
                        "properties": {
                            "type": {"type": "string", "enum": ["Point"]},
                            "coordinates": {
                                "type": "array",
                                "description": "Longitude, latitude.",
                                "items": {"type": "number"},
                                "minItems": 2,
                                "maxItems": 2,
                            },
                        },
                    },
                    "properties": {
                        "type": "object",
                        "required": ["code", "title", "start_date", "url"],
                        "properties": {
                            "code": {"type": "string"},
                            "title": {"type": "string"},
                            "start_date": {"type": "string", "format": "date"},
                            "end_date": {"type": "string", "description": "YYYY-MM-DD, or empty."},
                            "date_precision": {"type": "string"},
                            "event_type": {"type": "string"},
                            "sub_event_type": {"type": "string"},
                            "fatalities_low": {"type": "integer"},
                            "fatalities_best": {"type": "integer"},
                            "fatalities_high": {"type": "integer"},
                            "url": {"type": "string", "format": "uri"},
                        },
                    },
                },
            },
        },
    },
}
# What each export format gives, for the `format` parameter (the modules of events/exports/ document the mappings).
EXPORT_FORMAT_DESCRIPTIONS = {
    "csv": "our own columns",
    "acled": (
        "ACLED's 31 columns, which the ACLED import reads back into the same incidents; an incident imported from "
        "ACLED keeps its event_id_cnty"
    ),
    "geojson": "a FeatureCollection, a null geometry for an incident without coordinates",
    "ucdp": (
        "UCDP GED's columns (id, type_of_violence, side_a, side_b, where_prec, date_prec, date_start, date_end, "
        "deaths_a, deaths_b, deaths_civilians, deaths_unknown, best, low, high, source_article ...)"
    ),
    "acled-hxl": "format=acled with the row of HXL hashtags HDX publishes with ACLED's files under the header",
    "ucdp-hxl": "format=ucdp with the row of HXL hashtags HDX publishes with UCDP's files under the header",
}
EXPORT_SCHEMAS = {
    "text/csv": {
        "type": "string",
        "description": (
            "CSV with a header row, then one row per incident: our own columns (format=csv), ACLED's (format=acled), "
            "UCDP GED's (format=ucdp); format=acled-hxl and format=ucdp-hxl add a row of HXL hashtags "
            "(#event+code, #date+occurred, #group+name+first ...) under the header, as on the Humanitarian Data "
            "Exchange."
        ),
    },
    "application/geo+json": GEOJSON_SCHEMA,
}

STAFF_ONLY = "Present for analysts, editors and admins only; absent (not empty) for everyone else."

# Parameters that come from pagination rather than from a FilterSet.
PAGINATION_EXAMPLES = {
    "page": 2,
    "page_size": 100,
    # base64 of o=-start_date&p=2025-02-10&i=42: take cursors from `next` and `previous`, never build them.
    "cursor": "bz0tc3RhcnRfZGF0ZSZwPTIwMjUtMDItMTAmaT00Mg==",
}


def _operations(result):
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def _staff_only_operations(generator) -> set[tuple[str, str]]:
    """Reads that refuse the public (403) because the view, or its action, admits staff only."""
    operations = set()
    for path, _regex, method, callback in generator.endpoints or []:
        permissions = callback.initkwargs.get("permission_classes", callback.cls.permission_classes)
        if StaffOnly in permissions:
            # As the schema writes the path: a detail route's {pk} becomes the model's {id}.
            schema_path = generator.coerce_path(path, method, generator.create_view(callback, method))
            operations.add((schema_path, method.lower()))
    return operations


def document_errors(result, generator, request, public):
    """The error responses each operation can give, in the one error shape, where the view declares none."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(ERROR_COMPONENT, ERROR_SCHEMA)
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}}
    staff_only = _staff_only_operations(generator)
    for path, method, operation in _operations(result):
        parameters = operation.get("parameters", [])
        in_query = {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
        in_path = any(parameter["in"] == "path" for parameter in parameters)
        unsafe = method not in SAFE_METHODS
        codes = ["401", "429"]
        if in_query or "requestBody" in operation:
            codes.append("400")
        if "requestBody" in operation:
            codes.append("413")
        if unsafe or (path, method) in staff_only:
            codes.append("403")
        if in_path or "page" in in_query:
            codes.append("404")
        if unsafe and in_path:
            codes.append("409")
        for code in sorted(codes):
            operation["responses"].setdefault(code, {"description": ERROR_DESCRIPTIONS[code], "content": error})
        for code, response in operation["responses"].items():
            # An error the view declares itself (a 409 with its own description) has the one error shape too.
            if code in ERROR_DESCRIPTIONS and "content" not in response:
                response["content"] = error
    return result


def document_exports(result, generator, request, public):
    """A list that answers ?format=csv|acled|geojson|ucdp|acled-hxl|ucdp-hxl says so in its 200's media types, and
    its `format` parameter says what each gives."""
    export_types = {renderer.format: renderer.media_type for renderer in EXPORT_RENDERERS}
    for _path, _method, operation in _operations(result):
        parameter = next(
            (
                parameter
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query" and parameter["name"] == "format"
            ),
            None,
        )
        formats = parameter["schema"].get("enum", []) if parameter else []
        described = [
            f"{name}: {EXPORT_FORMAT_DESCRIPTIONS[name]}" for name in formats if name in EXPORT_FORMAT_DESCRIPTIONS
        ]
        if described and "acled-hxl:" not in parameter.get("description", ""):
            parameter["description"] = " ".join(
                filter(None, [parameter.get("description"), "; ".join(described) + "."])
            )
        content = operation["responses"].get("200", {}).get("content")
        if content is None:
            continue
        for export_format in formats:
            media_type = export_types.get(export_format)
            if media_type:
                content.setdefault(media_type, {"schema": EXPORT_SCHEMAS[media_type]})
    return result


def document_staff_fields(result, generator, request, public):
    """The public CasualtyRecord gains the fields staff see, optional and marked as such.

    Staff and public responses share one schema: a client reads the same shape and finds two more keys when it
    may see them. The staff serializer is resolved here, so its fields' types stay those of the code.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    public_component = schemas.get("CasualtyRecord")
    if public_component is None:
        return result
    registry = ComponentRegistry()
    view = build_mocked_view(
        method="GET", path="/", extend_schema_decorator=extend_schema(responses=None), registry=registry
    )
    view.schema.resolve_serializer(StaffCasualtyRecordSerializer, "response")
    staff_components = registry.build({})["schemas"]
    staff_component = staff_components.pop("StaffCasualtyRecord")
    properties = public_component.setdefault("properties", {})
    for name, field in staff_component["properties"].items():
        if name not in properties:
            described = field.get("description")
            properties[name] = {**field, "description": f"{described} {STAFF_ONLY}" if described else STAFF_ONLY}
    for name, component in staff_components.items():
        schemas.setdefault(name, component)
    return result


def _filtersets(generator):
    """(path, method) -> the FilterSet class of the view answering it, for the views that have one."""
    found = {}
    for path, _regex, method, callback in generator.endpoints or []:
        filterset_class = getattr(getattr(callback, "cls", None), "filterset_class", None)
        if filterset_class is not None:
            found[(path, method.lower())] = filterset_class
    return found


def _example(parameter, examples):
    name = parameter["name"]
    if name in examples:
        return examples[name]
    if name in PAGINATION_EXAMPLES:
        return PAGINATION_EXAMPLES[name]
    schema = parameter.get("schema", {})
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("type") == "boolean":
        return True
    return None


def _takes_whole_numbers(filter_) -> bool:
    # Django's DecimalField and FloatField are subclasses of its IntegerField.
    field_class = filter_.field_class
    return issubclass(field_class, forms.IntegerField) and not issubclass(
        field_class, (forms.DecimalField, forms.FloatField)
    )


def document_filters(result, generator, request, public):
    """Every query parameter of a list: a description (the filter's help_text), a type and an example.

    A filter whose form field takes whole numbers is an integer, whatever django-filter's NumberFilter suggests;
    the bounds a filter enforces (min_value, max_value) are part of its type.
    """
    filtersets = _filtersets(generator)
    for path, method, operation in _operations(result):
        filterset_class = filtersets.get((path, method))
        filters = filterset_class.base_filters if filterset_class else {}
        examples = getattr(filterset_class, "examples", {})
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            filter_ = filters.get(parameter["name"])
            schema = parameter.setdefault("schema", {})
            if filter_ is not None:
                if not parameter.get("description"):
                    text = filter_.extra.get("help_text") or filter_.label
                    if text:
                        parameter["description"] = str(text)
                if _takes_whole_numbers(filter_) and schema.get("type") == "number":
                    schema["type"] = "integer"
                for bound, keyword in (("min_value", "minimum"), ("max_value", "maximum")):
                    if filter_.extra.get(bound) is not None:
                        schema.setdefault(keyword, filter_.extra[bound])
            if "example" not in parameter and "examples" not in parameter:
                example = _example(parameter, examples)
                if example is not None:
                    parameter["example"] = example
    return result
