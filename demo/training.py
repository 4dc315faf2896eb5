"""Fictional incidents left unpublished (a draft, one awaiting review, one returned), so that every role's
screens have something to show and tests can check that drafts and victim identities do not leak.

They are realistic but invented: their titles say "demo, fictional", their notes say so again, and their only
source is a fictional witness network graded F.
"""

import datetime
from decimal import Decimal

from conflict_tracker.choices import FigureQualifier, Harm, PropertyHarmKind, PropertyKind, VictimStatus
from events.choices import (
    DatePrecision,
    EventType,
    GeoPrecision,
    IncidentStatus,
    ParticipantRole,
    Side,
    SubEventType,
    ViolenceType,
)
from events.services import VictimData
from sources.choices import ClaimMeasure, Reliability, ReviewStatus, SourceKind

from .actors import CIVILIANS, FAMA, ISGS, PRO_GOVERNMENT_MILITIAS
from .specs import (
    CasualtySpec,
    ClaimSpec,
    DocumentSpec,
    IncidentSpec,
    ParticipantSpec,
    PropertyHarmSpec,
    SourceSpec,
)

Date = datetime.date
FICTIONAL = "DEMO RECORD: fictional, for training and testing; not a real event. "
WITNESSES = "Demo witness network (fictional)"

SOURCES = (
    SourceSpec(
        WITNESSES,
        SourceKind.WITNESS,
        Reliability.F,
        country="MLI",
        language="fr",
        description="Invented witness statements for training and testing. Not a real source.",
    ),
)

DOCUMENTS = (
    DocumentSpec(
        key="witness-menaka",
        source=WITNESSES,
        title="[Witness statement, Ménaka, March 2025] (fictional)",
        published_on=Date(2025, 3, 11),
        language="fr",
    ),
    DocumentSpec(
        key="witness-sevare",
        source=WITNESSES,
        title="[Witness statement, Sévaré, March 2025] (fictional)",
        published_on=Date(2025, 3, 19),
        language="fr",
    ),
    DocumentSpec(
        key="witness-ansongo",
        source=WITNESSES,
        title="[Witness statement, Ansongo, March 2025] (fictional)",
        published_on=Date(2025, 3, 14),
        language="fr",
    ),
)

INCIDENTS = (
    IncidentSpec(
        status=IncidentStatus.DRAFT,
        fields={
            "title": "Two men abducted on the road out of Ménaka (demo, fictional)",
            "notes": FICTIONAL + "Two men taken from their car by gunmen on motorbikes; one is named by the witness.",
            "start_date": Date(2025, 3, 10),
            "end_date": Date(2025, 3, 10),
            "date_precision": DatePrecision.DAY,
            "country": "MLI",
            "admin1": "Ménaka",
            "location_name": "Ménaka",
            # On the road out of the town: the town's centre, precision "near".
            "latitude": Decimal("15.9182"),
            "longitude": Decimal("2.4022"),
            "geo_precision": GeoPrecision.NEAR,
            "event_type": EventType.VIOLENCE_AGAINST_CIVILIANS,
            "sub_event_type": SubEventType.ABDUCTION,
            "violence_type": ViolenceType.ONE_SIDED,
            "civilian_targeting": True,
        },
        participants=(
            ParticipantSpec(ISGS, ParticipantRole.PERPETRATOR, Side.A),
            ParticipantSpec(CIVILIANS, ParticipantRole.TARGET, Side.B),
        ),
        claims=(
            ClaimSpec(
                key="abducted",
                document="witness-menaka",
                quote=(
                    "Two men were taken from their car by armed men on motorbikes who said they were of the Islamic "
                    "State; one of them is Hamadou Ag Fictif, a livestock trader."
                ),
                actors=(ISGS,),
                harm=Harm.ABDUCTED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.EXACT,
                figure_low=2,
                figure_best=2,
                figure_high=2,
            ),
        ),
        casualties=(
            CasualtySpec(
                Harm.ABDUCTED,
                VictimStatus.CIVILIAN,
                2,
                2,
                2,
                perpetrators=(ISGS,),
                claims=("abducted",),
                named_victims=(
                    VictimData(
                        name="Hamadou Ag Fictif",
                        sex="male",
                        age=34,
                        age_band="adult",
                        community="Tuareg",
                        fate="Fictional person. Taken from his car; whereabouts unknown.",
                    ),
                ),
            ),
        ),
    ),
    IncidentSpec(
        status=IncidentStatus.SUBMITTED,
        fields={
            "title": "Traders detained at a checkpoint near Sévaré (demo, fictional)",
            "notes": FICTIONAL + "Soldiers took traders off a bus at a checkpoint, accusing them of helping jihadists.",
            "start_date": Date(2025, 3, 18),
            "end_date": Date(2025, 3, 18),
            "date_precision": DatePrecision.DAY,
            "country": "MLI",
            "admin1": "Mopti",
            "admin2": "Mopti",
            "location_name": "Sévaré",
            "latitude": Decimal("14.5326"),
            "longitude": Decimal("-4.0962"),
            "geo_precision": GeoPrecision.NEAR,
            "event_type": EventType.STRATEGIC_DEVELOPMENTS,
            "sub_event_type": SubEventType.ARRESTS,
        },
        participants=(
            ParticipantSpec(FAMA, ParticipantRole.PERPETRATOR, Side.A),
            ParticipantSpec(CIVILIANS, ParticipantRole.TARGET, Side.B),
        ),
        claims=(
            ClaimSpec(
                key="detained",
                document="witness-sevare",
                quote=(
                    "The soldiers took four or five traders off the bus, I could not see well; Aminata Walet Fictif "
                    "was one of them. They said the traders were helping the jihadists."
                ),
                actors=(FAMA,),
                harm=Harm.DETAINED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.RANGE,
                figure_low=4,
                figure_high=5,
            ),
        ),
        casualties=(
            CasualtySpec(
                Harm.DETAINED,
                VictimStatus.CIVILIAN,
                4,
                5,
                5,
                perpetrators=(FAMA,),
                claims=("detained",),
                women=1,
                named_victims=(
                    VictimData(
                        name="Aminata Walet Fictif",
                        sex="female",
                        age_band="adult",
                        community="Songhai",
                        fate="Fictional person. Released two days later, according to her family.",
                    ),
                ),
            ),
        ),
    ),
    IncidentSpec(
        status=IncidentStatus.RETURNED,
        return_comment=(
            "The witness saw the fires but not who set them: record the burning as unattributed unless a second "
            "source names the militia, and narrow the dates to what the statement supports."
        ),
        fields={
            "title": "Homes burned in a village near Ansongo (demo, fictional)",
            "notes": FICTIONAL + "Homes burned during the week; villagers blame a pro-government militia.",
            "start_date": Date(2025, 3, 3),
            "end_date": Date(2025, 3, 9),
            "date_precision": DatePrecision.WEEK,
            "country": "MLI",
            "admin1": "Gao",
            "admin2": "Ansongo",
            # "A village near Ansongo", unnamed: the town's centre, precision "near".
            "latitude": Decimal("15.6597"),
            "longitude": Decimal("0.5022"),
            "geo_precision": GeoPrecision.NEAR,
            "event_type": EventType.STRATEGIC_DEVELOPMENTS,
            "sub_event_type": SubEventType.LOOTING,
        },
        participants=(ParticipantSpec(PRO_GOVERNMENT_MILITIAS, ParticipantRole.PERPETRATOR, Side.A),),
        claims=(
            ClaimSpec(
                key="homes",
                document="witness-ansongo",
                quote="Between ten and fifteen houses burned that week; people say it was the militia.",
                actors=(PRO_GOVERNMENT_MILITIAS,),
                measure=ClaimMeasure.PROPERTY,
                property_kind=PropertyKind.HOMES,
                figure_qualifier=FigureQualifier.RANGE,
                figure_low=10,
                figure_high=15,
                review=ReviewStatus.DISPUTED,
                review_note="Hearsay on the perpetrator: the witness did not see who set the fires.",
            ),
        ),
        property_harms=(PropertyHarmSpec(PropertyKind.HOMES, PropertyHarmKind.BURNED, 10, 12, 15, claims=("homes",)),),
    ),
)
