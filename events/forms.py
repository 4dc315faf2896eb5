"""The incident form: the incident's fields, its parts as formsets, and source evidence entered alongside.

Rows refer to each other by their formset index (a casualty record's perpetrators are participant rows, a named
victim's record is a casualty row, a citation is an existing claim's id or `new<n>` for evidence row n), so a
record can point at a row added in the same form before it has an id. Rows are only ever marked deleted, never
taken out, so the indices hold for one submission.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from actors.models import Actor
from actors.selectors import actor_resolve
from conflict_tracker.choices import Harm, PropertyHarmKind, PropertyKind, VictimStatus
from sources.choices import Reliability, SourceKind
from sources.models import Claim, Source

from .choices import SUB_EVENT_TYPES_BY_EVENT_TYPE, AgeBand, Attribution, ParticipantRole, Sex, Side
from .models import Incident
from .selectors import incident_parts
from .services import (
    CASUALTY_COLUMNS,
    EDITABLE_FIELDS,
    PROPERTY_HARM_COLUMNS,
    VICTIM_COLUMNS,
    CasualtyData,
    EvidenceData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    VictimData,
)

NEW_CLAIM = "new"
BLANK = [("", "—")]


class IncidentForm(forms.ModelForm):
    """The incident's own fields and the version the edit is based on."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Incident
        fields = EDITABLE_FIELDS
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "country": forms.TextInput(attrs={"size": 4, "maxlength": 3, "placeholder": "MLI"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_date"].required = False
        self.fields["end_date"].help_text = _("Leave empty for a single day.")
        # The script filters the sub-types by type from these attributes; the server checks the pair below.
        self.fields["event_type"].widget.attrs["data-sub-event-types"] = "event-sub-types"
        self.fields["sub_event_type"].widget.attrs["data-filtered-by"] = "id_event_type"

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_date") and not cleaned.get("end_date"):
            cleaned["end_date"] = cleaned["start_date"]
            self.instance.end_date = cleaned["start_date"]
        event_type, sub_event_type = cleaned.get("event_type"), cleaned.get("sub_event_type")
        if sub_event_type and sub_event_type not in SUB_EVENT_TYPES_BY_EVENT_TYPE.get(event_type, ()):
            self.add_error(
                "sub_event_type",
                _("“%(sub)s” is not a sub-event type of “%(type)s”.")
                % {"sub": sub_event_type, "type": event_type or _("no event type")},
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot come before the start date."))
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            missing = "longitude" if cleaned.get("longitude") is None else "latitude"
            self.add_error(missing, _("Give both latitude and longitude, or neither."))
        return cleaned

    def _post_clean(self):
        # The pair and range checks above name their field; the model's constraints would repeat them unplaced.
        if self.errors:
            return
        super()._post_clean()

    def incident_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


def _ordered(form: forms.Form, low: str = "count_low", best: str = "count_best", high: str = "count_high") -> None:
    values = [form.cleaned_data.get(name) for name in (low, best, high)]
    if None in values:
        return
    if values[0] > values[1]:
        form.add_error(low, _("The low count cannot exceed the best count."))
    if values[1] > values[2]:
        form.add_error(high, _("The high count cannot be below the best count."))


class RowForm(forms.Form):
    """A formset row; `id` names the existing row it edits."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, row_choices: dict[str, list] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in (row_choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = choices

    @property
    def kept(self) -> bool:
        """Holds data to save: neither marked for removal nor left blank."""
        return bool(getattr(self, "cleaned_data", None)) and not self.cleaned_data.get("DELETE")


def _select(choices, initial, **kwargs) -> forms.ChoiceField:
    # The initial value is the option the empty row shows, so an untouched row counts as unchanged and is skipped.
    return forms.ChoiceField(choices=choices, initial=initial, **kwargs)


class ParticipantForm(RowForm):
    actor = forms.IntegerField(widget=forms.HiddenInput(attrs={"data-actor-id": ""}), required=False)
    actor_name = forms.CharField(
        label=_("Actor"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-actor-search": "", "size": 28}),
        help_text=_("Type a name, acronym or alias and choose from the list."),
    )
    role = _select(ParticipantRole.choices, ParticipantRole.PERPETRATOR, label=_("Role"))
    side = _select([("", "—"), *Side.choices], "", label=_("Side"), required=False)
    attribution = _select(Attribution.choices, Attribution.ALLEGED, label=_("Attribution"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("actor") and not cleaned.get("actor_name", "").strip():
            self.add_error("actor_name", _("Choose the actor."))
        return cleaned


class CasualtyForm(RowForm):
    harm = _select(Harm.choices, Harm.KILLED, label=_("Harm"))
    victim_status = _select(VictimStatus.choices, VictimStatus.CIVILIAN, label=_("Victims"))
    count_low = forms.IntegerField(label=_("Low"), min_value=0)
    count_best = forms.IntegerField(label=_("Best"), min_value=0)
    count_high = forms.IntegerField(label=_("High"), min_value=0)
    children = forms.IntegerField(label=_("Of whom children"), min_value=0, required=False)
    women = forms.IntegerField(label=_("Of whom women"), min_value=0, required=False)
    elderly = forms.IntegerField(label=_("Of whom elderly"), min_value=0, required=False)
    perpetrators = forms.MultipleChoiceField(
        label=_("Held responsible"),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-choices": "perpetrators"}),
        help_text=_("Among this incident's perpetrators; none means unattributed."),
    )
    claims = forms.MultipleChoiceField(
        label=_("Resting on claims"), required=False, widget=forms.SelectMultiple(attrs={"data-choices": "claims"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def clean(self):
        cleaned = super().clean()
        _ordered(self)
        for group in ("children", "women", "elderly"):
            if cleaned.get(group) is not None and cleaned.get("count_high") is not None:
                if cleaned[group] > cleaned["count_high"]:
                    self.add_error(group, _("A breakdown cannot exceed the high count."))
        return cleaned


class VictimForm(RowForm):
    record = forms.ChoiceField(
        label=_("Casualty record"), widget=forms.Select(attrs={"data-choices": "records"}), choices=BLANK
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    sex = _select(Sex.choices, Sex.UNKNOWN, label=_("Sex"))
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=130, required=False)
    age_band = _select(AgeBand.choices, AgeBand.UNKNOWN, label=_("Age band"))
    community = forms.CharField(label=_("Community"), max_length=200, required=False)
    fate = forms.CharField(label=_("Fate"), required=False, widget=forms.Textarea(attrs={"rows": 1}))


class PropertyHarmForm(RowForm):
    kind = _select(PropertyKind.choices, PropertyKind.HOMES, label=_("Property"))
    harm = _select(PropertyHarmKind.choices, PropertyHarmKind.BURNED, label=_("Harm"))
    count_low = forms.IntegerField(label=_("Low"), min_value=0)
    count_best = forms.IntegerField(label=_("Best"), min_value=0)
    count_high = forms.IntegerField(label=_("High"), min_value=0)
    claims = forms.MultipleChoiceField(
        label=_("Resting on claims"), required=False, widget=forms.SelectMultiple(attrs={"data-choices": "claims"})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1}))

    def clean(self):
        cleaned = super().clean()
        _ordered(self)
        return cleaned


class EvidenceForm(RowForm):
    """A new claim of a document, from an existing source or a new one."""

    source = forms.ChoiceField(label=_("Source"), required=False, choices=BLANK)
    source_name = forms.CharField(label=_("or a new source: name"), max_length=200, required=False)
    source_kind = _select([("", "—"), *SourceKind.choices], "", label=_("kind"), required=False)
    source_reliability = _select(Reliability.choices, Reliability.F, label=_("reliability"))
    document_title = forms.CharField(label=_("Document title"), max_length=500, required=False)
    document_url = forms.URLField(label=_("URL"), max_length=2000, required=False, assume_scheme="https")
    document_author = forms.CharField(label=_("Author"), max_length=300, required=False)
    document_published_on = forms.DateField(
        label=_("Publication date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document_language = forms.CharField(label=_("Language"), max_length=2, required=False, help_text="ISO 639-1")
    document_excerpt = forms.CharField(label=_("Excerpt"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    claim_quote = forms.CharField(label=_("Quote"), widget=forms.Textarea(attrs={"rows": 2}))
    claim_actors = forms.MultipleChoiceField(
        label=_("Actors held responsible"),
        required=False,
        widget=forms.SelectMultiple(attrs={"data-choices": "actors"}),
    )
    claim_harm = _select([("", "—"), *Harm.choices], "", label=_("Harm"), required=False)
    claim_victim_status = _select([("", "—"), *VictimStatus.choices], "", label=_("Victims"), required=False)
    claim_figure_low = forms.IntegerField(label=_("Low"), min_value=0, required=False)
    claim_figure_best = forms.IntegerField(label=_("Best"), min_value=0, required=False)
    claim_figure_high = forms.IntegerField(label=_("High"), min_value=0, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("source") and not cleaned.get("source_name", "").strip():
            self.add_error("source", _("Pick a source, or name a new one."))
        if not cleaned.get("source") and cleaned.get("source_name", "").strip() and not cleaned.get("source_kind"):
            self.add_error("source_kind", _("Say what kind of source this is."))
        if not cleaned.get("document_title", "").strip():
            self.add_error("document_title", _("Give the document's title."))
        _ordered(self, "claim_figure_low", "claim_figure_best", "claim_figure_high")
        return cleaned


def _formset(form, extra: int = 1):
    return formset_factory(form, extra=extra, can_delete=True, max_num=200, absolute_max=200, validate_max=True)


FORMSETS = {
    "participants": _formset(ParticipantForm),
    "casualties": _formset(CasualtyForm),
    "victims": _formset(VictimForm),
    "property": _formset(PropertyHarmForm),
    "evidence": _formset(EvidenceForm),
}


@dataclass
class Saved:
    """What the form hands the service, and where each item came from, to put the service's refusals back."""

    fields: dict[str, Any]
    parts: IncidentParts
    evidence: list[EvidenceData]
    places: dict[str, tuple[forms.Form, dict[str, str]]] = field(default_factory=dict)


class IncidentFormGroup:
    """The incident form and its formsets, bound and checked together; turns them into the services' data and
    puts the services' refusals (`casualty_records[0].count_high`) next to the field they concern."""

    def __init__(self, data=None, *, incident: Incident | None = None):
        self.incident = incident
        self.bound = data is not None
        self.claims = list(
            Claim.objects.filter(incident=incident).select_related("document__source").order_by("id")
            if incident is not None
            else []
        )
        sources = list(Source.objects.order_by("name").values_list("pk", "name"))
        initial = {} if self.bound else self._initial()
        self.form = IncidentForm(
            data,
            instance=Incident() if incident is None else _copy(incident),
            initial={"version": incident.version} if incident is not None else None,
        )
        self.formsets = {}
        # Row choices come from the rows themselves, read from the submitted counts or from the initial rows.
        counts = {name: self._count(name, data, initial) for name in FORMSETS}
        participant_labels = self._labels(data, initial, "participants", "actor_name")
        record_labels = self._record_labels(data, initial, counts["casualties"])
        evidence_labels = self._labels(data, initial, "evidence", "document_title")
        participants = [(str(i), participant_labels.get(i) or f"#{i + 1}") for i in range(counts["participants"])]
        claims = [(str(claim.pk), _claim_label(claim)) for claim in self.claims] + [
            (f"{NEW_CLAIM}{i}", f"{_('New:')} {evidence_labels.get(i) or f'#{i + 1}'}")
            for i in range(counts["evidence"])
        ]
        choices = {
            "perpetrators": participants,
            "claim_actors": participants,
            "claims": claims,
            "record": BLANK + [(str(i), record_labels.get(i) or f"#{i + 1}") for i in range(counts["casualties"])],
            "source": BLANK + [(str(pk), name) for pk, name in sources],
        }
        self.choices = choices
        for name, formset_class in FORMSETS.items():
            self.formsets[name] = formset_class(
                data,
                prefix=name,
                initial=initial.get(name),
                form_kwargs={"row_choices": choices},
            )

    # Reading what the rows refer to, before the forms are cleaned.

    @staticmethod
    def _count(name: str, data, initial) -> int:
        if data is not None:
            try:
                return min(int(data.get(f"{name}-TOTAL_FORMS", 0)), 200)
            except ValueError:
                return 0
        return len(initial.get(name, [])) + 1

    @staticmethod
    def _labels(data, initial, name: str, field_name: str) -> dict[int, str]:
        if data is not None:
            prefix, suffix = f"{name}-", f"-{field_name}"
            labels = {}
            for key, value in data.items():
                if key.startswith(prefix) and key.endswith(suffix):
                    index = key[len(prefix) : -len(suffix)]
                    if index.isdigit():
                        labels[int(index)] = value
            return labels
        return {i: row.get(field_name, "") for i, row in enumerate(initial.get(name, []))}

    def _record_labels(self, data, initial, count: int) -> dict[int, str]:
        harm_labels, status_labels = dict(Harm.choices), dict(VictimStatus.choices)
        rows = (
            [{name: data.get(f"casualties-{i}-{name}", "") for name in ("harm", "victim_status")} for i in range(count)]
            if data is not None
            else initial.get("casualties", [])
        )
        return {
            i: f"#{i + 1} {harm_labels.get(row.get('harm'), '')} {status_labels.get(row.get('victim_status'), '')}"
            for i, row in enumerate(rows)
        }

    def _initial(self) -> dict[str, list[dict]]:
        if self.incident is None:
            return {}
        parts = incident_parts(self.incident)
        participant_index = {}
        participants = []
        for index, item in enumerate(parts.participants):
            participant_index.setdefault((item.actor.pk, item.role), index)
            participants.append(
                {
                    "id": item.id,
                    "actor": item.actor.pk,
                    "actor_name": item.actor.name,
                    "role": item.role,
                    "side": item.side,
                    "attribution": item.attribution,
                }
            )
        casualties, victims = [], []
        for index, record in enumerate(parts.casualty_records):
            row = {name: getattr(record, name) for name in CASUALTY_COLUMNS}
            row["id"] = record.id
            row["perpetrators"] = [
                str(participant_index[(actor.pk, ParticipantRole.PERPETRATOR)])
                for actor in record.perpetrators
                if (actor.pk, ParticipantRole.PERPETRATOR) in participant_index
            ]
            row["claims"] = [str(claim.pk) for claim in record.claims]
            casualties.append(row)
            for victim in record.named_victims:
                victims.append(
                    {"id": victim.id, "record": str(index), **{n: getattr(victim, n) for n in VICTIM_COLUMNS}}
                )
        harms = [
            {
                "id": harm.id,
                **{name: getattr(harm, name) for name in PROPERTY_HARM_COLUMNS},
                "claims": [str(claim.pk) for claim in harm.claims],
            }
            for harm in parts.property_harms
        ]
        return {"participants": participants, "casualties": casualties, "victims": victims, "property": harms}

    # Checking and converting.

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for formset in self.formsets.values():
            valid = formset.is_valid() and valid
        return valid

    @property
    def version(self) -> int | None:
        return self.form.cleaned_data.get("version")

    def to_service(self) -> Saved | None:
        """The services' data, or None with errors added where a row refers to a removed or blank row."""
        saved = Saved(fields=self.form.incident_fields(), parts=IncidentParts(), evidence=[])
        ok = True

        participant_forms = self.formsets["participants"].forms
        ids = {f.cleaned_data.get("actor") for f in participant_forms if f.kept and f.cleaned_data.get("actor")}
        actors = Actor.objects.in_bulk(ids)
        actor_of_row: dict[str, Actor] = {}
        for index, form in enumerate(participant_forms):
            if not form.kept:
                continue
            data = form.cleaned_data
            actor = actors.get(data.get("actor")) if data.get("actor") else None
            if actor is None and data.get("actor_name", "").strip():
                actor = actor_resolve(data["actor_name"])
            if actor is None:
                form.add_error("actor_name", _("No actor goes by this name: choose one from the suggestions."))
                ok = False
                continue
            actor_of_row[str(index)] = actor
            self._place(saved, f"participants[{len(saved.parts.participants)}]", form)
            saved.parts.participants.append(
                ParticipantData(
                    actor=actor, role=data["role"], side=data["side"], attribution=data["attribution"], id=data["id"]
                )
            )

        evidence_of_row: dict[str, EvidenceData] = {}
        source_ids = {
            int(f.cleaned_data["source"])
            for f in self.formsets["evidence"].forms
            if f.kept and f.cleaned_data["source"]
        }
        sources = Source.objects.in_bulk(source_ids)
        for index, form in enumerate(self.formsets["evidence"].forms):
            if not form.kept:
                continue
            data = form.cleaned_data
            item = EvidenceData(
                source=sources.get(int(data["source"])) if data["source"] else None,
                source_fields={
                    "name": data["source_name"].strip(),
                    "kind": data["source_kind"],
                    "reliability": data["source_reliability"],
                },
                document_fields={name: data[f"document_{name}"] for name in _DOCUMENT_FIELDS},
                claim_fields={name: data[f"claim_{name}"] for name in _CLAIM_FIELDS},
            )
            for row in data["claim_actors"]:
                if row in actor_of_row:
                    item.actors.append(actor_of_row[row])
                else:
                    form.add_error("claim_actors", _("Actor row %(row)s was removed or left blank.") % {"row": row})
                    ok = False
            evidence_of_row[f"{NEW_CLAIM}{index}"] = item
            self._place(saved, f"evidence[{len(saved.evidence)}]", form, evidence=True)
            saved.evidence.append(item)

        claims_by_pk = {str(claim.pk): claim for claim in self.claims}

        def cited(form) -> list:
            found = []
            for value in form.cleaned_data["claims"]:
                claim = claims_by_pk.get(value) or evidence_of_row.get(value)
                if claim is None:
                    form.add_error("claims", _("This claim's evidence row was removed or left incomplete."))
                    return []
                found.append(claim)
            return found

        record_of_row: dict[str, tuple[int, CasualtyData]] = {}
        for index, form in enumerate(self.formsets["casualties"].forms):
            if not form.kept:
                continue
            data = form.cleaned_data
            record = CasualtyData(**{name: data[name] for name in CASUALTY_COLUMNS}, id=data["id"])
            for row in data["perpetrators"]:
                if row in actor_of_row:
                    record.perpetrators.append(actor_of_row[row])
                else:
                    form.add_error("perpetrators", _("That actor row was removed or left blank."))
                    ok = False
            record.claims = cited(form)
            ok = ok and not form.errors
            position = len(saved.parts.casualty_records)
            record_of_row[str(index)] = (position, record)
            self._place(saved, f"casualty_records[{position}]", form)
            saved.parts.casualty_records.append(record)

        for form in self.formsets["victims"].forms:
            if not form.kept:
                continue
            data = form.cleaned_data
            if data["record"] not in record_of_row:
                form.add_error("record", _("That casualty record was removed or left blank."))
                ok = False
                continue
            position, record = record_of_row[data["record"]]
            where = f"casualty_records[{position}].named_victims[{len(record.named_victims)}]"
            self._place(saved, where, form)
            record.named_victims.append(VictimData(**{name: data[name] for name in VICTIM_COLUMNS}, id=data["id"]))

        for form in self.formsets["property"].forms:
            if not form.kept:
                continue
            data = form.cleaned_data
            harm = PropertyHarmData(**{name: data[name] for name in PROPERTY_HARM_COLUMNS}, id=data["id"])
            harm.claims = cited(form)
            ok = ok and not form.errors
            self._place(saved, f"property_harms[{len(saved.parts.property_harms)}]", form)
            saved.parts.property_harms.append(harm)

        return saved if ok else None

    @staticmethod
    def _place(saved: Saved, where: str, form: forms.Form, evidence: bool = False) -> None:
        # Evidence fields are prefixed by what they belong to: the service's `evidence[0].document.url` is the
        # form's `document_url`.
        saved.places[where] = (form, {"_evidence": "1"} if evidence else {})

    def add_service_errors(self, error: ValidationError, saved: Saved) -> None:
        """Put each of the services' refusals next to the field it names, or at the top of its row or form."""
        messages = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for path, texts in messages.items():
            form, name = self._locate(path, saved)
            if name == "actor" and "actor_name" in form.fields:
                name = "actor_name"  # the id is hidden; its message goes by the name typed
            if name not in form.fields:
                name = None
            for text in texts:
                form.add_error(name, text)

    def _locate(self, path: str, saved: Saved) -> tuple[forms.Form, str | None]:
        # The longest known row path that starts the error's path: a victim's path starts with its record's.
        for where in sorted(saved.places, key=len, reverse=True):
            if path == where or path.startswith(f"{where}."):
                form, options = saved.places[where]
                rest = path[len(where) + 1 :]
                if options.get("_evidence"):
                    group, _dot, name = rest.partition(".")
                    if group == "document" and not name:
                        return form, "document_url"  # a document's one row-wide rule: its URL is recorded once
                    return form, f"{group}_{name}" if name else None
                return form, rest or None
        if path in (NON_FIELD_ERRORS, ""):
            return self.form, None
        return self.form, path.split(".")[0].split("[")[0]

    # Rendering.

    @property
    def all_errors(self) -> bool:
        return bool(self.form.errors) or any(
            form.errors or formset.non_form_errors() for formset in self.formsets.values() for form in formset.forms
        )


_DOCUMENT_FIELDS = ("title", "url", "author", "published_on", "language", "excerpt")
_CLAIM_FIELDS = ("quote", "harm", "victim_status", "figure_low", "figure_best", "figure_high")


def _claim_label(claim: Claim) -> str:
    return f"{claim.pk}: {claim.document.source.name}, “{claim.quote[:60]}”"


def _copy(incident: Incident) -> Incident:
    """A detached copy for the form to clean into, so a refused edit leaves the caller's incident as it was."""
    copy = Incident.objects.model(**{f.attname: getattr(incident, f.attname) for f in Incident._meta.concrete_fields})
    copy._state.adding = False
    return copy
