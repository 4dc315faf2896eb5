"""One JSON error shape for the whole API, including the 404 and 500 pages under /api/:

    {"error": {"status": 400, "code": "invalid", "message": "kind: ...", "fields": {"kind": ["..."]}}}

`fields` appears only for invalid input. A 500 says nothing about its cause; the traceback goes to the log.
A hostile body gets the same shape: too large a body is a 413, too many form fields or files a 400, each naming
its limit (JSON nested too deep is the parser's 400: conflict_tracker.parsers).

The domain errors the services raise (EditConflict, TransitionNotAllowed, ChangedMeanwhile) live here too, below
every app, so that the handler maps them without importing the apps that raise them.
"""

from typing import Protocol

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


class Versioned(Protocol):
    """A record written with the version check (an incident)."""

    code: str
    version: int


class EditConflict(Exception):
    """Someone changed the incident since the version this write was based on."""

    def __init__(self, incident: Versioned, expected_version: int):
        self.incident = incident
        self.expected_version = expected_version
        self.current_version = incident.version
        super().__init__(
            _(
                "%(code)s was changed by someone else (your version %(expected)s, now %(current)s). "
                "Reload it, reapply your changes and save again."
            )
            % {"code": incident.code, "expected": expected_version, "current": incident.version}
        )


class TransitionNotAllowed(Exception):
    """The requested workflow step does not start from the incident's current state."""


class ChangedMeanwhile(Exception):
    """What a write was based on was changed by someone else since (an actor merged by another editor)."""


class Conflict(exceptions.APIException):
    """409: the write was based on an outdated version (`current_version` says which is current)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The resource was changed by someone else.")
    default_code = "conflict"

    def __init__(self, detail=None, current_version: int | None = None):
        super().__init__(detail)
        self.current_version = current_version


class BodyTooLarge(exceptions.APIException):
    """413: the body, uploaded files aside, is larger than DATA_UPLOAD_MAX_MEMORY_SIZE."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


class TooManyFields(exceptions.APIException):
    """400: a form with more fields or files than DATA_UPLOAD_MAX_NUMBER_FIELDS / DATA_UPLOAD_MAX_NUMBER_FILES."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("The request has too many fields.")
    default_code = "too_many_fields"


def error_body(status_code: int, code: str, message: str, fields: dict | None = None, **extra) -> dict:
    error = {"status": status_code, "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error | extra}


def _from_request(exc: Exception) -> Exception:
    """Django refuses a body past its limits (when the view reads it) with a SuspiciousOperation, which would be its
    HTML 400 page; these are the API errors naming the limit."""
    if isinstance(exc, RequestDataTooBig):
        return BodyTooLarge(
            _("The request body is larger than %(limit)d bytes, the most the API accepts.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )
    if isinstance(exc, TooManyFieldsSent):
        return TooManyFields(
            _("The request has more than %(limit)d fields, the most the API accepts.")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
        )
    if isinstance(exc, TooManyFilesSent):
        return TooManyFields(
            _("The request has more than %(limit)d files, the most the API accepts.")
            % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        )
    return exc


def _from_service(exc: Exception) -> Exception:
    """Rules broken inside a service surface as the API errors they amount to."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return exceptions.ValidationError(detail)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, EditConflict):
        return Conflict(str(exc), current_version=exc.current_version)
    if isinstance(exc, (TransitionNotAllowed, ChangedMeanwhile)):
        return Conflict(str(exc))
    return exc


_WHOLE_INPUT = ("", api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS)


def _flat_errors(detail, path: str = "") -> dict[str, list[str]]:
    """Nested errors (a list of parts, a part's field) keyed by the path of what is wrong, as a client wrote it:
    `casualty_records[1].count_high`; errors of a whole object keep the object's path."""
    if isinstance(detail, dict):
        flat = {}
        for key, errors in detail.items():
            if isinstance(key, int):
                inner = f"{path}[{key}]"
            elif key in _WHOLE_INPUT:
                inner = path
            else:
                inner = f"{path}.{key}" if path else str(key)
            flat.update(_flat_errors(errors, inner))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            if item:  # a list serializer reports {} for each valid item
                flat.update(_flat_errors(item, f"{path}[{index}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {path: [str(message) for message in messages]}


def _validation_error(response, detail) -> dict:
    if isinstance(detail, dict):
        fields = _flat_errors(detail)
        name, errors = next(iter(fields.items()), ("", [_("Invalid input.")]))
        # Errors of the whole input (DRF's non_field_errors, Django's __all__) name no parameter.
        message = errors[0] if name == "" else f"{name}: {errors[0]}"
        return error_body(
            response.status_code,
            "invalid",
            message,
            {name or api_settings.NON_FIELD_ERRORS_KEY: e for name, e in fields.items()},
        )
    messages = detail if isinstance(detail, list) else [detail]
    return error_body(response.status_code, "invalid", " ".join(str(message) for message in messages))


def api_exception_handler(exc, context):
    """DRF's handler (status, headers such as Retry-After and WWW-Authenticate), then the one body shape."""
    exc = _from_service(_from_request(exc))
    response = exception_handler(exc, context)
    if response is None:
        return None  # Unexpected: Django logs it and server_error() answers 500.
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_error(response, exc.detail)
    elif isinstance(exc, Conflict) and exc.current_version is not None:
        response.data = error_body(409, "conflict", str(exc.detail), current_version=exc.current_version)
    else:
        response.data = error_body(response.status_code, exc.default_code, str(exc.detail))
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    """Django's 400 (a SuspiciousOperation raised outside an API view: a host not allowed, a body read by
    middleware) in the one shape under /api/."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    exc = _from_request(exception)
    if isinstance(exc, exceptions.APIException):
        return JsonResponse(error_body(exc.status_code, exc.default_code, str(exc.detail)), status=exc.status_code)
    return JsonResponse(error_body(400, "bad_request", _("Bad request.")), status=400)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse(error_body(404, "not_found", _("Not found.")), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body(500, "server_error", _("A server error occurred.")), status=500)
    return defaults.server_error(request)
