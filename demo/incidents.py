"""The incidents of the article, each with the claims it rests on, taken through review to publication."""

import datetime
from decimal import Decimal

from conflict_tracker.choices import FigureQualifier, Harm, VictimStatus
from events.choices import (
    Attribution,
    DatePrecision,
    EventType,
    GeoPrecision,
    ParticipantRole,
    Side,
    SubEventType,
    ViolenceType,
)

from .actors import CIVILIANS, CMA, FAMA, FRANCE, TUAREG, WAGNER
from .sources import HRW_PERIOD, HRW_QUOTE
from .specs import CasualtySpec, ClaimSpec, IncidentSpec, ParticipantSpec

Date = datetime.date
PERPETRATOR, TARGET = ParticipantRole.PERPETRATOR, ParticipantRole.TARGET
CONFIRMED, ALLEGED, DISPUTED = Attribution.CONFIRMED, Attribution.ALLEGED, Attribution.DISPUTED

GAO_QUOTE = (
    "The group lying dead in the sand were reportedly returning from a wedding in the Gao region when they were "
    "attacked, not by armed groups, but allegedly by the Malian army and allied Russian mercenaries of the Wagner "
    "group. At least 20 people, including children and elderly people, were killed when they were traveling in two "
    "vehicles."
)

INCIDENTS = (
    IncidentSpec(
        fields={
            "title": "Convoy returning from a wedding attacked in the Gao region",
            "notes": (
                "Two vehicles returning from a wedding were attacked; at least 20 people were killed, children and "
                "elderly people among them (the article gives no number for either). The travellers are believed "
                "to have been Tuareg. Reports attribute the attack to the Malian army and Wagner; Mali's military "
                "administration promised to investigate the soldiers involved, without result weeks later. "
                "Footage showed six or seven bodies. The article gives the month and the region only."
            ),
            "start_date": Date(2025, 2, 1),
            "end_date": Date(2025, 2, 28),
            "date_precision": DatePrecision.MONTH,
            "country": "MLI",
            "admin1": "Gao",
            # The region only: its capital's coordinates, as ACLED codes geo precision 3.
            "latitude": Decimal("16.2717"),
            "longitude": Decimal("-0.0447"),
            "geo_precision": GeoPrecision.REGION,
            "event_type": EventType.VIOLENCE_AGAINST_CIVILIANS,
            "sub_event_type": SubEventType.ATTACK,
            "violence_type": ViolenceType.ONE_SIDED,
            "civilian_targeting": True,
        },
        participants=(
            ParticipantSpec(FAMA, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(WAGNER, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(TUAREG, TARGET, Side.B, ALLEGED),
        ),
        claims=(
            ClaimSpec(
                key="killed",
                document="aljazeera",
                quote=GAO_QUOTE,
                actors=(FAMA, WAGNER),
                harm=Harm.KILLED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.AT_LEAST,
                figure_low=20,
                figure_best=20,
            ),
            ClaimSpec(
                document="aljazeera",
                quote=(
                    "Six or seven bodies, perhaps more, were captured on grainy camera footage lying still in the "
                    "scorching desert heat."
                ),
                harm=Harm.KILLED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.AT_LEAST,
                figure_low=6,
                review_note="Bodies seen in the footage: a lower bound, consistent with at least 20 killed.",
            ),
            ClaimSpec(
                document="aljazeera",
                quote="The travellers in the Gao convoy from February are believed to have been Tuareg.",
                victim_status=VictimStatus.CIVILIAN,
                review_note="The victims' community.",
            ),
        ),
        casualties=(
            CasualtySpec(
                Harm.KILLED,
                VictimStatus.CIVILIAN,
                20,
                20,
                20,
                perpetrators=(FAMA, WAGNER),
                claims=("killed",),
                note="Children and elderly people among them; the article gives no number for either.",
            ),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "French air strike on a wedding at Bounti",
            "notes": (
                "The article says only that a French air raid in January 2021 killed 19 civilians taking part in a "
                "wedding. Day and place are known context, not from the article: the strike hit Bounti, Douentza "
                "cercle, Mopti region, on 3 January 2021, and a UN (MINUSMA) inquiry found that those killed were "
                "mostly civilians at a wedding. France acknowledged the strike but maintains it hit armed fighters, "
                "hence the disputed status of the victims."
            ),
            "start_date": Date(2021, 1, 3),
            "end_date": Date(2021, 1, 3),
            "date_precision": DatePrecision.DAY,
            "country": "MLI",
            "admin1": "Mopti",
            "admin2": "Douentza",
            "location_name": "Bounti",
            # The village, between Douentza and Hombori off the RN16, located to within a few kilometres only.
            "latitude": Decimal("15.07"),
            "longitude": Decimal("-2.40"),
            "geo_precision": GeoPrecision.NEAR,
            "event_type": EventType.EXPLOSIONS_REMOTE_VIOLENCE,
            "sub_event_type": SubEventType.AIR_DRONE_STRIKE,
        },
        participants=(
            ParticipantSpec(FRANCE, PERPETRATOR, Side.A, CONFIRMED),
            ParticipantSpec(CIVILIANS, TARGET, Side.B, DISPUTED),
        ),
        claims=(
            ClaimSpec(
                key="killed",
                document="aljazeera",
                quote="A French air raid in January 2021 killed 19 civilians taking part in a wedding.",
                actors=(FRANCE,),
                harm=Harm.KILLED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.EXACT,
                figure_low=19,
                figure_best=19,
                figure_high=19,
            ),
        ),
        casualties=(
            CasualtySpec(Harm.KILLED, VictimStatus.CIVILIAN, 19, 19, 19, perpetrators=(FRANCE,), claims=("killed",)),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "CMA fighters and armed groups ambush the army and Wagner at Tinzaouaten",
            "notes": (
                "The coalition's biggest defeat: a unit of the army and Wagner was ambushed by a joint force of CMA "
                "fighters and armed groups near Tinzaouaten (the article spells it Tinzouaten). Wagner soldiers had "
                "numerous deaths or captures; the article gives no number, so no casualty record is kept, and the "
                'armed groups are not named, so they are not recorded as participants. The article says "last '
                'July" in an article of 2025. Afterwards Mali accused Ukraine of helping the rebels with '
                "intelligence and cut ties with Kyiv."
            ),
            "start_date": Date(2024, 7, 1),
            "end_date": Date(2024, 7, 31),
            "date_precision": DatePrecision.MONTH,
            "country": "MLI",
            "admin1": "Kidal",
            "location_name": "Tinzaouaten",
            # The town on the Algerian border; the ambush was near it ("in northern Tinzouaten").
            "latitude": Decimal("19.96"),
            "longitude": Decimal("2.92"),
            "geo_precision": GeoPrecision.NEAR,
            "event_type": EventType.BATTLES,
            "sub_event_type": SubEventType.ARMED_CLASH,
            "violence_type": ViolenceType.STATE_BASED,
        },
        participants=(
            ParticipantSpec(CMA, PERPETRATOR, Side.A, CONFIRMED),
            ParticipantSpec(FAMA, TARGET, Side.B, CONFIRMED),
            ParticipantSpec(WAGNER, TARGET, Side.B, CONFIRMED),
        ),
        claims=(
            ClaimSpec(
                document="aljazeera",
                quote=(
                    "Last July, the coalition suffered its biggest defeat yet, when a unit was ambushed by a joint "
                    "force of CMA fighters and armed groups in northern Tinzouaten. Wagner soldiers had numerous "
                    "deaths or captures."
                ),
                actors=(CMA,),
                harm=Harm.KILLED,
                victim_status=VictimStatus.COMBATANT,
                review_note='No figure: "numerous deaths or captures".',
            ),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "Government forces and Wagner retake Kidal",
            "notes": (
                'The article\'s sentence is garbled ("regained control of Kidal in the late 20th century"): the '
                "army and Wagner retook Kidal from the rebels in November 2023, which is recorded here at month "
                "precision."
            ),
            "start_date": Date(2023, 11, 1),
            "end_date": Date(2023, 11, 30),
            "date_precision": DatePrecision.MONTH,
            "country": "MLI",
            "admin1": "Kidal",
            "admin2": "Kidal",
            "location_name": "Kidal",
            # The town itself was taken: its centre.
            "latitude": Decimal("18.4411"),
            "longitude": Decimal("1.4078"),
            "geo_precision": GeoPrecision.EXACT,
            "event_type": EventType.BATTLES,
            "sub_event_type": SubEventType.GOVERNMENT_REGAINS_TERRITORY,
            "violence_type": ViolenceType.STATE_BASED,
        },
        participants=(
            ParticipantSpec(FAMA, PERPETRATOR, Side.A, CONFIRMED),
            ParticipantSpec(WAGNER, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(CMA, TARGET, Side.B, CONFIRMED),
        ),
        claims=(
            ClaimSpec(
                document="aljazeera",
                quote="The government coalition regained control of Kidal in the late 20th century.",
                actors=(FAMA, WAGNER),
                review_note="Garbled date: Kidal was retaken in November 2023.",
            ),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "Government forces retake the Intahaka gold mine",
            "notes": (
                "Intahaka (the article spells it Inathaka) is the largest artisanal gold mine in northern Mali; "
                "armed groups and Azawad rebels had controlled it jointly. The armed groups are not named."
            ),
            "start_date": Date(2024, 2, 1),
            "end_date": Date(2024, 2, 29),
            "date_precision": DatePrecision.MONTH,
            "country": "MLI",
            "admin1": "Gao",
            "location_name": "Intahaka",
            # We have no reliable position for the mine itself, only its region: the capital of Gao region, as
            # ACLED codes geo precision 3.
            "latitude": Decimal("16.2717"),
            "longitude": Decimal("-0.0447"),
            "geo_precision": GeoPrecision.REGION,
            "event_type": EventType.BATTLES,
            "sub_event_type": SubEventType.GOVERNMENT_REGAINS_TERRITORY,
            "violence_type": ViolenceType.STATE_BASED,
        },
        participants=(
            ParticipantSpec(FAMA, PERPETRATOR, Side.A, CONFIRMED),
            ParticipantSpec(CMA, TARGET, Side.B, ALLEGED),
        ),
        claims=(
            ClaimSpec(
                document="aljazeera",
                quote=(
                    "In February 2024, government forces also retook the Inathaka gold mine, the largest artisanal "
                    "gold mine in the north which had been controlled jointly by armed groups and Azawad rebels."
                ),
                actors=(FAMA,),
            ),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "Drone strike kills 7 civilians in central or northern Mali",
            "notes": (
                "Human Rights Watch's December 2024 report counts 7 civilians killed in a drone strike among at "
                "least 32 killed by the Malian army and Russian forces between May and December 2024. The article "
                'gives neither date nor place ("central and northern Mali"), and attributes the whole toll to '
                "both forces without saying whose drone it was."
            ),
            "start_date": Date(2024, 5, 1),
            "end_date": Date(2024, 12, 12),
            "date_precision": DatePrecision.YEAR,
            "country": "MLI",
            "geo_precision": GeoPrecision.REGION,
            "event_type": EventType.EXPLOSIONS_REMOTE_VIOLENCE,
            "sub_event_type": SubEventType.AIR_DRONE_STRIKE,
            "violence_type": ViolenceType.ONE_SIDED,
            "civilian_targeting": True,
        },
        participants=(
            ParticipantSpec(FAMA, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(WAGNER, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(CIVILIANS, TARGET, Side.B, ALLEGED),
        ),
        claims=(
            ClaimSpec(
                key="killed",
                document="hrw",
                quote=HRW_QUOTE,
                actors=(FAMA, WAGNER),
                harm=Harm.KILLED,
                victim_status=VictimStatus.CIVILIAN,
                figure_qualifier=FigureQualifier.EXACT,
                figure_low=7,
                figure_best=7,
                figure_high=7,
                **HRW_PERIOD,
            ),
        ),
        casualties=(
            CasualtySpec(Harm.KILLED, VictimStatus.CIVILIAN, 7, 7, 7, perpetrators=(FAMA, WAGNER), claims=("killed",)),
        ),
    ),
    IncidentSpec(
        fields={
            "title": "Tuareg separatists take Timbuktu, Kidal and Gao",
            "notes": (
                "The start of Mali's crisis: Tuareg secessionists took the three northern cities, proclaimed an "
                "independent Azawad and split Mali in two. The article names them the CMA, although the CMA "
                "coalition was formed only in 2014, hence the alleged attribution. Known context, not from the "
                "article: the cities fell at the end of March and the start of April 2012."
            ),
            "start_date": Date(2012, 1, 1),
            "end_date": Date(2012, 12, 31),
            "date_precision": DatePrecision.YEAR,
            "country": "MLI",
            "location_name": "Timbuktu, Kidal and Gao",
            "geo_precision": GeoPrecision.REGION,
            "event_type": EventType.BATTLES,
            "sub_event_type": SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
            "violence_type": ViolenceType.STATE_BASED,
        },
        participants=(
            ParticipantSpec(CMA, PERPETRATOR, Side.A, ALLEGED),
            ParticipantSpec(FAMA, TARGET, Side.B, CONFIRMED),
        ),
        claims=(
            ClaimSpec(
                document="aljazeera",
                quote=(
                    "Mali’s crisis began in 2012, when coalitions of Tuareg secessionists known collectively as the "
                    "Coordination of Azawad Movements (CMA) took control of three northern cities – Timbuktu, Kidal "
                    "and Gao, proclaimed an independent Azawad state, and split Mali into two."
                ),
                actors=(CMA,),
            ),
        ),
    ),
)
