"""JSON read by orjson, nested no deeper than API_JSON_MAX_DEPTH: the API's default parser for JSON bodies.

A hostile body nested 100,000 levels deep must cost a 400, not a RecursionError: orjson parses in native code and
refuses anything deeper than 1,024 levels itself, then the parsed value's depth is measured level by level, without
recursion, before a serializer (which does recurse) sees it. Both refusals give the same message, naming the limit.
"""

import codecs

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding

from .renderers import ORJSONRenderer

# orjson's own limit, past which it raises "depth limit exceeded" (settings.py caps API_JSON_MAX_DEPTH to it).
ORJSON_DEPTH_LIMIT = 1024
_UTF8 = codecs.lookup("utf-8").name


def nested_deeper_than(value, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels in `value` (a scalar is 0, `[]` 1, `[{}]` 2).

    Breadth first, one level at a time, so that no depth of input can exhaust the stack."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
    return False


def too_deep() -> ParseError:
    return ParseError(
        _("The JSON body is nested more than %(limit)d levels deep, the most the API accepts.")
        % {"limit": settings.API_JSON_MAX_DEPTH}
    )


class ORJSONParser(JSONParser):
    """DRF's JSONParser (same media type, charset handling and errors), parsing with orjson under a depth limit.

    Like DRF's strict JSON, NaN and Infinity are refused (orjson never accepts them)."""

    renderer_class = ORJSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        body = stream.read()
        try:
            if codecs.lookup(encoding).name != _UTF8:
                body = body.decode(encoding)
            data = orjson.loads(body)
        except ValueError as error:  # orjson's JSONDecodeError, or a body not in its charset
            if isinstance(error, orjson.JSONDecodeError) and error.msg.startswith("depth limit"):
                raise too_deep() from error
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error
        if nested_deeper_than(data, settings.API_JSON_MAX_DEPTH):
            raise too_deep()
        return data
