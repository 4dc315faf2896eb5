"""Logging: one JSON object per line in production, each record of a request carrying its request id.

django-guid keeps the request id in a context variable: the X-Request-ID a proxy sent when it is a UUID (anything
else is replaced, so a client cannot write arbitrary text into the logs), a new one otherwise; it is returned in the
response's X-Request-ID header and passed on to the Celery tasks the request enqueues, whose worker logs carry it
too. `logging_config()` is the one LOGGING of the web app and the worker, in JSON lines (time, level, logger,
message, request_id, and whatever a record adds) or, for local runs, in plain text.
"""

import logging
import time
from collections.abc import Callable, Iterator

from django.http import FileResponse, HttpRequest, HttpResponseBase
from pythonjsonlogger.core import RESERVED_ATTRS

request_logger = logging.getLogger("conflict_tracker.request")


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a PermissionDenied (a 403 page) with its traceback, and a SuspiciousOperation (a 400: a Host not
    allowed, too many fields) as an error with its traceback. A client's mistake is no fault of ours: a record of a
    4xx response is a warning line without traceback, and only a 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


def _then(content: Iterator[bytes], done: Callable[[], None]) -> Iterator[bytes]:
    try:
        yield from content
    finally:
        done()


class RequestLogMiddleware:
    """One line per request: method, path, status and duration in milliseconds. A streamed response (an export)
    is logged when its last byte is sent or the client hangs up, so its duration is the whole file's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.monotonic()
        response = self.get_response(request)

        def log() -> None:
            fields = {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000),
            }
            request_logger.info("%(method)s %(path)s %(status)s", fields, extra=fields)

        # A file (a static asset) is logged at once: wrapping it would lose the server's sendfile.
        if response.streaming and not response.is_async and not isinstance(response, FileResponse):
            response.streaming_content = _then(response.streaming_content, log)
        else:
            log()
        return response


def logging_config(*, json_lines: bool, level: str) -> dict:
    """The dictConfig of every process: the root logger writes to stderr, each record with the request id."""
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message", "request_id"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # Django's request records carry the request object itself; the request id and line say enough.
            "reserved_attrs": [*RESERVED_ATTRS, "request"],
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
            "client_errors_without_traceback": {"()": ClientErrorsWithoutTraceback},
        },
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                # On the handler, not on django.request: Django's security loggers are many, each its own.
                "filters": ["request_id", "client_errors_without_traceback"],
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console and mail handlers go: its records reach the root handler like any other.
            "django": {"level": level},
            # django-guid tells at INFO whether each request brought an id; only its warnings matter.
            "django_guid": {"level": "WARNING"},
        },
    }
