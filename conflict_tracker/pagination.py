import base64
import binascii
from collections import OrderedDict
from urllib import parse

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

TRUE_VALUES = ("true", "True", "1")
FALSE_VALUES = ("false", "False", "0", "")


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages; `page_size` may ask for more rows, up to a cap that keeps one response cheap."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysetCursorPagination(pagination.CursorPagination):
    """Cursor pages over a (field, tiebreaker) key: no OFFSET and no COUNT, so page 10 000 costs what page 1 does.
    The one paginator of every list that pages by cursor, and the owner of its order.

    DRF's own CursorPagination keeps only the first ordering field in the cursor and an offset for ties, which
    shifts when a row with the same value is inserted between two requests. Here the cursor holds the last row's
    value *and* its tiebreaker, and the next page is the rows strictly after that pair: rows inserted meanwhile
    appear or not, but no row present from the start is repeated or skipped.

    `orderings` lists the `ordering` values, each a model field that is never NULL; `tiebreaker`, a unique field
    (the id by default), always breaks ties, in the same direction (`sort`). Without `ordering`, a queryset
    annotated with `rank` (full-text search) is ordered by it. `with_total=true` adds `total`, the one COUNT(*) of
    the filtered rows, only when asked for. A list with one order sets `ordering_query_param` to None, and one
    without totals `total_query_param`.

    Given `fields`, the page is read with `values(*fields)` (plus the tiebreaker and the ordering field, which the
    cursor needs) and its rows are dicts: a lean list builds its response from them without model instances.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering_query_param = "ordering"
    total_query_param = "with_total"
    default_ordering = "-start_date"
    rank_ordering = "-rank"
    orderings = ("start_date", "-start_date")
    tiebreaker = "id"
    ordering = ("-start_date", "-id")  # DRF's attribute, for anything that reads it
    invalid_cursor_message = gettext_lazy("This cursor is not valid for this list and ordering.")

    @classmethod
    def sort(cls, name: str) -> tuple[str, str]:
        """The order_by of the ordering `name`: the field, then the tiebreaker in the same direction, so that no two
        rows tie and a page boundary never falls between equals."""
        return name, f"-{cls.tiebreaker}" if name.startswith("-") else cls.tiebreaker

    # -- the request -------------------------------------------------------------------------------------------

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: [_("Give a whole number of at least 1.")]})
        return min(size, self.max_page_size)

    def get_ordering_name(self, request, queryset) -> str:
        name = request.query_params.get(self.ordering_query_param) if self.ordering_query_param else None
        if not name:
            return self.rank_ordering if "rank" in queryset.query.annotations else self.default_ordering
        if name not in self.orderings:
            raise ValidationError({self.ordering_query_param: [_("Give one of: %s.") % ", ".join(self.orderings)]})
        return name

    def wants_total(self, request) -> bool:
        if not self.total_query_param:
            return False
        raw = request.query_params.get(self.total_query_param, "")
        if raw in TRUE_VALUES:
            return True
        if raw in FALSE_VALUES:
            return False
        raise ValidationError({self.total_query_param: [_("Give true or false.")]})

    # -- the cursor --------------------------------------------------------------------------------------------

    def _invalid_cursor(self):
        return ValidationError({self.cursor_query_param: [str(self.invalid_cursor_message)]})

    def decode_cursor(self, request):
        """(reverse, value, tiebreaker) or None; a cursor from another ordering, or mangled, is a 400."""
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:
            return None
        try:
            fields = parse.parse_qs(
                base64.urlsafe_b64decode(encoded.encode("ascii")).decode("ascii"), strict_parsing=True
            )
            if fields["o"][0] != self.ordering_name:
                raise self._invalid_cursor()
            value = self._parse_value(fields["p"][0])
            tie = self.model._meta.get_field(self.tiebreaker).to_python(fields["i"][0])
            return fields.get("r", ["0"])[0] == "1", value, tie
        except (KeyError, ValueError, TypeError, UnicodeError, binascii.Error, DjangoValidationError):
            raise self._invalid_cursor() from None

    def _key(self, row) -> tuple:
        """(ordering value, tiebreaker) of a page row, a model instance or a dict from values()."""
        if isinstance(row, dict):
            return row[self.field], row[self.tiebreaker]
        return getattr(row, self.field), getattr(row, self.tiebreaker)

    def encode_cursor(self, reverse: bool, row) -> str:
        value, tie = self._key(row)
        fields = {"o": self.ordering_name, "p": repr(value) if isinstance(value, float) else str(value), "i": tie}
        if reverse:
            fields["r"] = "1"
        encoded = base64.urlsafe_b64encode(parse.urlencode(fields).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _parse_value(self, text: str):
        if self.field == "rank":
            return float(text)
        return self.model._meta.get_field(self.field).to_python(text)

    # -- the page ----------------------------------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None, fields=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.model = queryset.model
        self.page_size = self.get_page_size(request)
        self.ordering_name = self.get_ordering_name(request, queryset)
        self.field = self.ordering_name.lstrip("-")
        self.ordering = self.sort(self.ordering_name)
        self.total = queryset.count() if self.wants_total(request) else None
        cursor = self.decode_cursor(request)
        reverse = bool(cursor and cursor[0])

        # Walking backwards is walking forwards in the opposite direction, then turning the page round.
        descending = self.ordering_name.startswith("-") != reverse
        sign = "-" if descending else ""
        queryset = queryset.order_by(f"{sign}{self.field}", f"{sign}{self.tiebreaker}")
        if cursor is not None:
            queryset = self._after(queryset, descending, *cursor[1:])
        if fields is not None:
            queryset = queryset.values(*dict.fromkeys([self.tiebreaker, *fields, self.field]))
        rows = list(queryset[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
            self.has_next, self.has_previous = cursor is not None, more
        else:
            self.has_next, self.has_previous = more, cursor is not None
        self.page = rows
        return rows

    def _after(self, queryset, descending: bool, value, last):
        """The rows strictly beyond (value, last), `last` the tiebreaker's, in the page's direction."""
        beyond, within = ("lt", "lte") if descending else ("gt", "gte")
        if self.field in queryset.query.annotations:  # a search's rank: computed, so no index to serve it
            return queryset.filter(
                Q(**{f"{self.field}__{beyond}": value}) | Q(**{self.field: value, f"{self.tiebreaker}__{beyond}": last})
            )
        # A row-value comparison is one range on an index over (..., field, id): a deep page inside a long run of
        # equal values (incidents with 0 fatalities) starts right at the cursor instead of reading the whole run.
        # The plain range beside it serves an index on the field alone.
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        column = connection.ops.quote_name(queryset.model._meta.get_field(self.field).column)
        key = connection.ops.quote_name(queryset.model._meta.get_field(self.tiebreaker).column)
        after = RawSQL(
            f"({table}.{column}, {table}.{key}) {'<' if descending else '>'} (%s, %s)",
            (value, last),
            output_field=BooleanField(),
        )
        return queryset.filter(Q(**{f"{self.field}__{within}": value}), after)

    def get_next_link(self):
        return self.encode_cursor(False, self.page[-1]) if self.has_next and self.page else None

    def get_previous_link(self):
        return self.encode_cursor(True, self.page[0]) if self.has_previous and self.page else None

    def get_paginated_response(self, data):
        body = OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link())])
        if self.total is not None:
            body["total"] = self.total
        body["results"] = data
        return Response(body)

    # -- the schema --------------------------------------------------------------------------------------------

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        if not self.total_query_param:
            return response
        response["properties"]["total"] = {
            "type": "integer",
            "example": 123,
            "description": "Rows matching the filters; present only with with_total=true.",
        }
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = f"Rows per page, default {self.page_size}, at most {self.max_page_size}."
        if not self.total_query_param:
            return parameters
        parameters.append(
            {
                "name": self.total_query_param,
                "required": False,
                "in": "query",
                "description": "true adds `total`, the number of matching rows (one COUNT query, so off by default).",
                "schema": {"type": "boolean", "default": False},
                "example": True,
            }
        )
        return parameters


class IncidentCursorPagination(KeysetCursorPagination):
    orderings = (
        "start_date",
        "-start_date",
        "fatalities_best",
        "-fatalities_best",
        "updated_at",
        "-updated_at",
    )
