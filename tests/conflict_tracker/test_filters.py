"""The FilterSet base (conflict_tracker/filters.py): cheap to make at each request, yet every instance filters
with its own filters, methods and form fields, as django-filter's deep copies made sure of."""

import copy

import django_filters
import pytest
from django import forms
from django.http import QueryDict

from conflict_tracker.filters import FilterSet
from events.choices import EventType
from events.filters import IncidentFilterSet
from events.models import Incident
from sources.filters import DocumentFilterSet
from tests.factories import SourceFactory


class ProbeFilterSet(FilterSet):
    word = django_filters.CharFilter(method="filter_word")
    kind = django_filters.ChoiceFilter(choices=[("a", "A"), ("b", "B")], method="filter_word")
    country = django_filters.CharFilter()

    class Meta:
        model = Incident
        fields = ["country"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def filter_word(self, queryset, name, value):
        self.seen.append((name, value))
        return queryset


def probe(query: str) -> ProbeFilterSet:
    return ProbeFilterSet(QueryDict(query), queryset=Incident.objects.none())


def test_each_instance_runs_its_own_filter_methods():
    first, second = probe("word=one&kind=a"), probe("word=two&kind=b")

    # Filtered in the opposite order to their making: a filter shared between them would report to the last made.
    second.qs, first.qs  # noqa: B018

    assert first.seen == [("word", "one"), ("kind", "a")]
    assert second.seen == [("word", "two"), ("kind", "b")]


def test_instances_share_no_filter_and_leave_the_class_filters_untouched():
    first, second = probe(""), probe("")

    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters[name]
        assert filter_ is not ProbeFilterSet.base_filters[name]
        assert filter_.parent is first and second.filters[name].parent is second
        assert filter_.model is Incident
    assert not any(hasattr(filter_, "parent") for filter_ in ProbeFilterSet.base_filters.values())


def test_a_form_may_change_its_fields_without_changing_another_forms():
    first, second = probe("kind=a"), probe("kind=a")
    first.form.fields["kind"].widget.attrs["class"] = "changed"
    first.form.fields["kind"].choices = [("z", "Z")]
    first.form.fields["country"].error_messages["required"] = "changed"

    assert "class" not in second.form.fields["kind"].widget.attrs
    assert [value for value, _label in second.form.fields["kind"].choices] == ["", "a", "b"]
    assert second.form.fields["country"].error_messages["required"] != "changed"
    assert second.is_valid() and second.form.cleaned_data["kind"] == "a"
    assert not first.is_valid()  # "a" is no longer one of its choices
    assert probe("kind=a").is_valid()


def test_one_form_class_per_filterset_class():
    assert type(probe("").form) is type(probe("word=x").form)  # noqa: E721
    assert type(probe("").form) is not type(IncidentFilterSet(QueryDict("")).form)  # noqa: E721


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("event_type=Violence+against+civilians&fatalities_min=10", set()),
        ("event_type=Picnic", {"event_type"}),
        ("fatalities_min=-1&civilian_targeting=perhaps", {"fatalities_min", "civilian_targeting"}),
    ],
)
def test_the_incident_filters_validate_as_before(query, errors):
    filterset = IncidentFilterSet(QueryDict(query), queryset=Incident.objects.none())

    assert filterset.is_valid() == (not errors)
    assert set(filterset.errors) == errors
    if not errors:
        assert filterset.form.cleaned_data["event_type"] == EventType.VIOLENCE_AGAINST_CIVILIANS
        assert filterset.form.cleaned_data["fatalities_min"] == 10


def test_a_model_choice_field_gets_its_own_queryset_in_each_form(db):
    """As Django copies it, so no form reads rows another form's queryset cached."""
    source = SourceFactory()
    first, second = DocumentFilterSet(QueryDict(f"source={source.pk}")), DocumentFilterSet(QueryDict(""))

    assert first.form.fields["source"].queryset is not second.form.fields["source"].queryset
    assert first.is_valid() and first.form.cleaned_data["source"] == source
    assert list(second.form.fields["source"].queryset) == [source]


def django_form(filterset):
    """The form django-filter itself would make: fresh fields, Django's cleaning."""
    fields = {name: copy.deepcopy(filter_.field) for name, filter_ in type(filterset).base_filters.items()}
    return type("PlainForm", (filterset._meta.form,), fields)(filterset.data)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "event_type=Violence+against+civilians&fatalities_min=10&civilian_targeting=true",
        "date_after=2024-13-01&fatalities_min=x&bbox=1,2,3&status=nonsense",
        "date_after=2024-05-01&date_before=2024-01-01&fatalities_min=5&fatalities_max=2",
        "near=16.2,-0.04&include_related=maybe&ordering=-fatalities_best&search=Moura",
        "radius_km=5&casualty_harm=killed&country=mli",
    ],
)
def test_the_form_cleans_as_djangos_own(query):
    filterset = IncidentFilterSet(QueryDict(query), queryset=Incident.objects.none())
    expected = django_form(filterset)

    assert filterset.form.is_valid() == expected.is_valid()
    assert filterset.form.errors == expected.errors
    assert filterset.form.cleaned_data == expected.cleaned_data


class HookedFilterSet(ProbeFilterSet):
    class Meta(ProbeFilterSet.Meta):
        form = type(
            "HookedForm",
            (forms.Form,),
            {"clean_word": lambda self: self.cleaned_data["word"].upper() or None},
        )


def test_a_forms_field_hooks_and_disabled_fields_still_apply():
    filterset = HookedFilterSet(QueryDict("word=loud&country=MLI"), queryset=Incident.objects.none())
    filterset.form.fields["country"].disabled = True  # a disabled field takes its initial value, not the data

    assert filterset.is_valid(), filterset.errors
    assert filterset.form.cleaned_data["word"] == "LOUD"
    assert filterset.form.cleaned_data["country"] == ""
