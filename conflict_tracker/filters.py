"""The API's filter backend: django-filter's, refusing parameters that the list does not know; and the FilterSet
base every filter set of the project derives from, cheap to make at each request."""

import copy

import django_filters
from django import forms
from django.core.exceptions import ValidationError as FieldError
from django.utils.translation import gettext as _
from django_filters.filters import FilterMethod
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


def _request_copy(filter_: django_filters.Filter) -> django_filters.Filter:
    """A filter for one FilterSet instance, which django-filter then points at its FilterSet (`parent`) and model.

    Only those two attributes (and a lazily resolved label) are per instance; the rest (lookup, form field, extra
    arguments, choices) is read-only once the class is built, so it is shared rather than deep-copied. A `method`
    filter holds a FilterMethod that finds the method on the filter's parent: the copy gets one of its own."""
    copied = copy.copy(filter_)
    if isinstance(filter_.__dict__.get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)
    return copied


class _Filters(dict):
    """A FilterSet class's `base_filters`, which django-filter deep-copies for each instance (for the incident
    list's 29 filters, well over a thousand objects copied per request); the copy is `_request_copy`'s."""

    def __deepcopy__(self, memo):
        return {name: _request_copy(filter_) for name, filter_ in self.items()}


def _form_copy(field: forms.Field) -> forms.Field:
    """A form field for one form instance: Django's deep copy (its own widget, error messages and validators, so
    that a page may change them), except that a plain ChoiceField shares its choices, which nothing changes in
    place. Other fields (a ModelChoiceField's queryset, say) are copied as Django copies them."""
    if type(field).__deepcopy__ is forms.ChoiceField.__deepcopy__:
        return forms.Field.__deepcopy__(field, {})
    return copy.deepcopy(field)


class _FormFields(dict):
    """A filter form class's `base_fields`, copied into each form instance by `_form_copy`."""

    def __deepcopy__(self, memo):
        return {name: _form_copy(field) for name, field in self.items()}


class _LeanCleaning:
    """Cleans a filter form's fields as Django does, without making a BoundField for each: a list takes a few of
    its thirty filters at a time, and every BoundField reads its label and help text (a translation each). Fields
    that clean from more than their widget's data (disabled ones, file fields) go Django's way."""

    def _clean_fields(self):
        plain = forms.Field._clean_bound_field
        for name, field in self.fields.items():
            try:
                if field.disabled or type(field)._clean_bound_field is not plain:
                    value = field._clean_bound_field(self[name])
                else:
                    value = field.clean(self._widget_data_value(field.widget, self.add_prefix(name)))
                self.cleaned_data[name] = value
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except FieldError as error:
                self.add_error(name, error)


class FilterSet(django_filters.FilterSet):
    """A FilterSet that costs little to make at each request: its form class is built once per FilterSet class,
    its filters and form fields are copied for each instance only as deep as an instance needs, and its form
    cleans without BoundFields (`_LeanCleaning`).

    django-filter builds a new form class from freshly made fields on each request, and deep-copies every filter
    (with its form field, choices and help texts); on the incident list that was a quarter of the Python time of
    a filtered page. The fields depend only on the declared filters, and each form instance copies its fields
    anyway, so one form class serves every request."""

    _form_classes: dict[type, type] = {}

    @classmethod
    def get_filters(cls):
        return _Filters(super().get_filters())

    def get_form_class(self):
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            fields = {name: filter_.field for name, filter_ in self.base_filters.items()}
            form_class = type(f"{type(self).__name__}Form", (_LeanCleaning, self._meta.form), fields)
            form_class.base_fields = _FormFields(form_class.base_fields)
            FilterSet._form_classes[type(self)] = form_class
        return form_class
