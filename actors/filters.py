import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.filters import FilterSet
from conflict_tracker.validators import validate_country_code

from .models import Actor, ActorAlias, normalize_actor_name
from .selectors import actors_called


class ActorField(forms.CharField):
    """An actor's id, name, alias or acronym (case and accents ignored); cleans to the actor's id."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value.isascii() and value.isdigit():
            # Longer than any bigint: no such actor, and no query that the database would refuse.
            if len(value) <= 18 and Actor.objects.filter(pk=int(value)).exists():
                return int(value)
            raise ValidationError(_("No actor has the id %(value)s."), code="unknown_actor", params={"value": value})
        actors = actors_called(value)
        if not actors:
            raise ValidationError(_("No actor is called %(value)s."), code="unknown_actor", params={"value": value})
        if len(actors) > 1:
            raise ValidationError(
                _("%(value)s may be any of these actors: %(actors)s. Give its name or id."),
                code="ambiguous_actor",
                params={"value": value, "actors": "; ".join(f"{actor.name} (id {actor.pk})" for actor in actors)},
            )
        return actors[0].pk


class ActorListField(forms.CharField):
    """Actors given as comma-separated ids or names (each as ActorField takes it); cleans to their ids."""

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        single = ActorField(required=True)
        return sorted({single.clean(part.strip()) for part in value.split(",") if part.strip()})


class ActorFilter(django_filters.CharFilter):
    field_class = ActorField


class ActorListFilter(django_filters.CharFilter):
    field_class = ActorListField


class ActorFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Name or alias"), help_text=_("Part of a name or alias, ignoring case and accents.")
    )
    country = django_filters.CharFilter(
        validators=[validate_country_code], help_text=_("Country of origin, ISO 3166-1 alpha-3, e.g. MLI.")
    )
    needs_review = django_filters.BooleanFilter(
        help_text=_("Only actors whose identity or lineage is still to be checked (true), or only the others.")
    )

    # One example value per filter, shown in the API schema.
    examples = {"q": "wagner", "country": "MLI", "kind": "state_forces", "needs_review": False}

    class Meta:
        model = Actor
        fields = ["kind", "country", "needs_review"]

    def filter_q(self, queryset, name, value):
        normalized = normalize_actor_name(value)
        # EXISTS rather than a join, so that an actor with two matching aliases is listed once.
        aliases = ActorAlias.objects.filter(actor=OuterRef("pk"), normalized_name__contains=normalized)
        return queryset.filter(Q(normalized_name__contains=normalized) | Exists(aliases))
