"""The API's filter backend: django-filter's, refusing parameters that the list does not know."""

import django_filters
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
        filterset = self.validated_filterset(request, queryset, view)
        return queryset if filterset is None else filterset.qs

    def validated_filterset(self, request, queryset, view):
        """The view's filterset for this request, or None if it has none; a 400 for any parameter that the list
        does not take or that is not valid."""
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return None
        paginator = getattr(view, "paginator", None)
        known = {
            *filterset.base_filters,
            *(getattr(paginator, name) for name in PAGINATOR_PARAMETERS if getattr(paginator, name, None)),
            api_settings.URL_FORMAT_OVERRIDE,
        }
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            message = _("Unknown parameter. This list takes: %s.") % ", ".join(sorted(known))
            raise ValidationError({name: [message] for name in unknown})
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per FilterSet class rather than at every request.

    django-filter builds a new form class from freshly made fields on each request; the fields depend only on the
    declared filters, and each form instance copies its fields anyway, so one class serves every request."""

    _form_classes: dict[type, type] = {}

    def get_form_class(self):
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            fields = {name: filter_.field for name, filter_ in self.base_filters.items()}
            form_class = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
            FilterSet._form_classes[type(self)] = form_class
        return form_class
