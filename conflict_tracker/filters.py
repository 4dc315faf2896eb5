"""The API's filter backend: django-filter's, refusing parameters that the list does not know; the FilterSet base
every filter set of the project derives from, cheap to make at each request; and the filters more than one app takes
(strict booleans, a bounding box, a point, a date window, datasets and their event ids)."""

import copy
import math

import django_filters
from django import forms
from django.core.exceptions import ValidationError as FieldError
from django.forms.widgets import ChoiceWidget
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.filters import FilterMethod
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from .choices import Dataset, ImportKind

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
    filter holds a FilterMethod that finds the method on the filter's parent: the copy gets one of its own. The copy
    is copy.copy's of a plain object, without its generic (and, at 29 filters a request, costly) reduce protocol."""
    copied = _plain_copy(filter_)
    if isinstance(filter_.__dict__.get("filter"), FilterMethod):
        copied.filter = FilterMethod(copied)
    return copied


def _plain_copy(obj):
    """copy.copy of an object that keeps its state in its __dict__, without the generic reduce protocol."""
    copied = object.__new__(type(obj))
    copied.__dict__.update(obj.__dict__)
    return copied


class _Filters(dict):
    """A FilterSet class's `base_filters`, which django-filter deep-copies for each instance (for the incident
    list's 29 filters, well over a thousand objects copied per request); the copy is `_request_copy`'s."""

    def __deepcopy__(self, memo):
        return {name: _request_copy(filter_) for name, filter_ in self.items()}


# The fields and widgets whose deep copy is Django's plain one (Field's, Widget's; ChoiceField's and ChoiceWidget's add
# their choices), which _form_copy makes without copy.copy's reduce protocol: a third of a filtered page's cleaning.
_PLAIN_FIELD_COPIES = (forms.Field.__deepcopy__, forms.ChoiceField.__deepcopy__)
_PLAIN_WIDGET_COPIES = (forms.Widget.__deepcopy__, ChoiceWidget.__deepcopy__)


def _form_copy(field: forms.Field) -> forms.Field:
    """A form field for one form instance: Django's deep copy (its own widget with its own attributes and choices,
    error messages and validators, so that a page may change them), except that a plain ChoiceField shares its
    choices, which nothing changes in place. Other fields (a ModelChoiceField's queryset, say) and widgets are copied
    as Django copies them."""
    if (
        type(field).__deepcopy__ not in _PLAIN_FIELD_COPIES
        or type(field.widget).__deepcopy__ not in _PLAIN_WIDGET_COPIES
    ):
        return copy.deepcopy(field)
    copied, widget = _plain_copy(field), _plain_copy(field.widget)
    widget.attrs = field.widget.attrs.copy()
    if isinstance(widget, ChoiceWidget):
        widget.choices = copy.copy(field.widget.choices)
    copied.widget = widget
    copied.error_messages = field.error_messages.copy()
    copied.validators = field.validators[:]
    return copied


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


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


def _numbers(value: str, count: int, what: str) -> list[float]:
    parts = value.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != count or not all(math.isfinite(number) for number in numbers):
        raise FieldError(
            gettext_lazy("Give %(what)s: %(count)s numbers separated by commas."), params={"what": what, "count": count}
        )
    return numbers


class BoundingBoxField(forms.CharField):
    """min_lon,min_lat,max_lon,max_lat in degrees; a box across the antimeridian is two requests."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        min_lon, min_lat, max_lon, max_lat = _numbers(value, 4, "min_lon,min_lat,max_lon,max_lat")
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180 and -90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise FieldError(gettext_lazy("Longitudes go from -180 to 180, latitudes from -90 to 90."))
        if min_lon > max_lon or min_lat > max_lat:
            raise FieldError(gettext_lazy("The minimum cannot be greater than the maximum."))
        return min_lon, min_lat, max_lon, max_lat


class PointField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        lat, lon = _numbers(value, 2, "lat,lon")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise FieldError(gettext_lazy("Latitude goes from -90 to 90, longitude from -180 to 180."))
        return lat, lon


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is a 400, where Django's field would quietly ignore the filter."""

    widget = forms.TextInput  # NullBooleanSelect would turn an unknown value into None before validation.

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise FieldError(gettext_lazy("Give true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class BoundingBoxFilter(django_filters.CharFilter):
    field_class = BoundingBoxField


class PointFilter(django_filters.CharFilter):
    field_class = PointField


class DatasetsField(forms.CharField):
    """Datasets separated by commas (acled, ucdp, own): the records an incident must carry, every one of them."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        names = [name.strip().lower() for name in value.split(",")]
        unknown = [name for name in names if name not in Dataset.values]
        if unknown:
            raise FieldError(
                gettext_lazy("%(unknown)s is not a dataset: give some of %(datasets)s, separated by commas."),
                params={"unknown": ", ".join(unknown), "datasets": ", ".join(Dataset.values)},
            )
        return sorted(set(names))


class ExternalIdField(forms.CharField):
    """A dataset's id of an event: its dataset, a colon and the id as the dataset writes it (acled:MLI2612)."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        dataset, _colon, event_id = value.strip().partition(":")
        if dataset.lower() not in ImportKind.values or not event_id.strip():
            raise FieldError(
                gettext_lazy("Give the dataset and its event id, e.g. acled:MLI2612 or ucdp:123456."), code="invalid"
            )
        return f"{dataset.lower()}:{event_id.strip()}"


class DatasetsFilter(django_filters.CharFilter):
    field_class = DatasetsField


class ExternalIdFilter(django_filters.CharFilter):
    field_class = ExternalIdField


def applied_elsewhere(queryset, name, value):
    """The method of a filter that does not filter on its own: its FilterSet's filter_queryset applies it with the
    filters it goes with, or a view hands it to a selector."""
    return queryset


def date_window(*, after_help: str, before_help: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """date_after and date_before, both ends included, which DateWindowForm keeps in order; each FilterSet applies
    the window in its own terms (an incident's dates overlap it, a tally's periods start in it)."""
    return (
        django_filters.DateFilter(label=gettext_lazy("From"), method=applied_elsewhere, help_text=after_help),
        django_filters.DateFilter(label=gettext_lazy("Until"), method=applied_elsewhere, help_text=before_help),
    )


class DateWindowForm(forms.Form):
    """The form of a FilterSet that takes a date_window: date_before may not come before date_after."""

    def clean(self):
        data = super().clean()
        after, before = data.get("date_after"), data.get("date_before")
        if after and before and after > before:
            self.add_error("date_before", gettext_lazy("date_before cannot come before date_after."))
        return data
