"""The shapes the demo dataset is declared in: plain records that name each other by natural key (an actor's
name, a document's key, a claim's key) and that the loader turns into rows through the services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from events.choices import Attribution, IncidentStatus
from events.services import VictimData
from sources.choices import ClaimMeasure, ReviewStatus


@dataclass(frozen=True)
class AliasSpec:
    name: str
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True)
class ActorSpec:
    name: str
    kind: str
    acronym: str = ""
    country: str = ""
    active_from: datetime.date | None = None
    active_until: datetime.date | None = None
    description: str = ""
    aliases: tuple[AliasSpec, ...] = ()


@dataclass(frozen=True)
class CrosswalkSpec:
    """A dataset's name for one of the demo's actors (the actor by name); `external_id` only where one of the shared
    UCDP extracts (tests/imports/test_ucdp_files.py) gives the side's id."""

    dataset: str
    name: str
    actor: str
    external_id: str = ""
    note: str = ""


@dataclass(frozen=True)
class RelationSpec:
    subject: str
    kind: str
    object: str
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    note: str = ""


@dataclass(frozen=True)
class SourceSpec:
    name: str
    kind: str
    reliability: str
    acronym: str = ""
    country: str = ""
    language: str = ""
    url: str = ""
    description: str = ""
    licence: str = ""
    attribution: str = ""
    redistributable: bool = True


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    source: str
    title: str
    url: str = ""
    author: str = ""
    published_on: datetime.date | None = None
    language: str = "en"
    excerpt: str = ""
    snapshot_text: str = ""


@dataclass(frozen=True)
class ClaimSpec:
    """One claim of one document; `key` lets an incident's casualty and property records cite it."""

    document: str
    quote: str
    key: str = ""
    actors: tuple[str, ...] = ()
    measure: str = ClaimMeasure.CASUALTIES
    harm: str = ""
    victim_status: str = ""
    property_kind: str = ""
    property_harm: str = ""
    figure_qualifier: str = ""
    figure_low: int | None = None
    figure_best: int | None = None
    figure_high: int | None = None
    change_ratio: Decimal | None = None
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    country: str = ""
    # The demo editor's verdict, given once the claim's incident reaches review (aggregate claims: at once).
    review: str = ReviewStatus.ACCEPTED
    review_note: str = ""

    def model_fields(self) -> dict[str, Any]:
        """The Claim columns this spec sets: also the natural key that finds the claim on a second run."""
        return {
            "quote": self.quote,
            "measure": self.measure,
            "harm": self.harm,
            "victim_status": self.victim_status,
            "property_kind": self.property_kind,
            "property_harm": self.property_harm,
            "figure_qualifier": self.figure_qualifier,
            "figure_low": self.figure_low,
            "figure_best": self.figure_best,
            "figure_high": self.figure_high,
            "change_ratio": self.change_ratio,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "country": self.country,
        }


@dataclass(frozen=True)
class ParticipantSpec:
    actor: str
    role: str
    side: str = ""
    attribution: str = Attribution.ALLEGED


@dataclass(frozen=True)
class CasualtySpec:
    harm: str
    victim_status: str
    count_low: int
    count_best: int
    count_high: int
    perpetrators: tuple[str, ...] = ()
    claims: tuple[str, ...] = ()
    children: int | None = None
    women: int | None = None
    elderly: int | None = None
    named_victims: tuple[VictimData, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class PropertyHarmSpec:
    kind: str
    harm: str
    count_low: int
    count_best: int
    count_high: int
    claims: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class IncidentSpec:
    """An incident and the workflow state the demo leaves it in; `fields` are the services' EDITABLE_FIELDS."""

    fields: dict[str, Any]
    claims: tuple[ClaimSpec, ...]
    participants: tuple[ParticipantSpec, ...] = ()
    casualties: tuple[CasualtySpec, ...] = ()
    property_harms: tuple[PropertyHarmSpec, ...] = ()
    status: str = IncidentStatus.PUBLISHED
    return_comment: str = ""

    @property
    def title(self) -> str:
        return self.fields["title"]
