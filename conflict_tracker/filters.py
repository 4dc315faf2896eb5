"""The API's filter backend: django-filter's, refusing parameters that the list does not know."""

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

# The attributes where DRF's paginators (and ours) keep the names of their query parameters.
PAGINATOR_PARAMETERS = (
    "page_query_param",
    "page_size_query_param",
    "cursor_query_param",
    "ordering_query_param",
    "total_query_param",
)


class StrictFilterBackend(DjangoFilterBackend):
    """A misspelt filter (`date_afer=2024-01-01`) would otherwise be ignored and the whole list answered as if it
    had matched: a researcher would publish the wrong numbers. An unknown parameter is a 400 naming it."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            paginator = getattr(view, "paginator", None)
            known = {
                *filterset_class.base_filters,
                *(getattr(paginator, name) for name in PAGINATOR_PARAMETERS if getattr(paginator, name, None)),
                api_settings.URL_FORMAT_OVERRIDE,
            }
            unknown = sorted(set(request.query_params) - known)
            if unknown:
                message = _("Unknown parameter. This list takes: %s.") % ", ".join(sorted(known))
                raise ValidationError({name: [message] for name in unknown})
        return super().filter_queryset(request, queryset, view)
