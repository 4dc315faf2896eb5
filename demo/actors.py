"""The actors of the article: forces, armed groups and victims' communities, with their aliases and dated
relations (Wagner Group succeeded by Africa Corps, the CMA by the FLA); and the Sahel's other main forces, which an
import of ACLED's or UCDP's files for the region meets (Burkina Faso's and Niger's armies, the Dozo militias).

Each carries ACLED's and UCDP GED's spellings of it as aliases (ACLED's dated labels for the years of their
government), so that an import after the demo credits these actors instead of creating new ones; and the same
datasets' names as entries of the actor crosswalk (CROSSWALK), which an editor reviews and extends per dataset."""

import datetime

from actors.choices import ActorKind, RelationKind
from conflict_tracker.choices import ImportKind

from .specs import ActorSpec, AliasSpec, CrosswalkSpec, RelationSpec

Date = datetime.date

# Actor names, as the rest of the dataset refers to them.
FAMA = "Malian Armed Forces"
WAGNER = "Wagner Group"
AFRICA_CORPS = "Africa Corps"
RUSSIA = "Military Forces of Russia"
FRANCE = "Military Forces of France"
MINUSMA = "United Nations Multidimensional Integrated Stabilization Mission in Mali"
JNIM = "Jama'at Nusrat al-Islam wal-Muslimin"
ISGS = "Islamic State in the Greater Sahara"
AL_QAEDA = "al-Qaeda"
ISLAMIC_STATE = "Islamic State"
CMA = "Coordination of Azawad Movements"
FLA = "Azawad Liberation Front"
PRO_GOVERNMENT_MILITIAS = "Pro-government ethnic militias (Mali)"
CIVILIANS = "Civilians (Mali)"
TUAREG = "Tuareg Ethnic Group (Mali)"
BURKINA_FASO_FORCES = "Armed Forces of Burkina Faso"
NIGER_FORCES = "Armed Forces of Niger"
DOZO = "Dozo militias (Mali)"

ACTORS = (
    ActorSpec(
        name=FAMA,
        acronym="FAMa",
        kind=ActorKind.STATE_FORCES,
        country="MLI",
        description=(
            "Mali's army and air force. Led by the military government since the coups of 2020 and 2021; "
            "fights alongside Russian Wagner / Africa Corps fighters since 2022."
        ),
        aliases=(
            AliasSpec("Forces armées maliennes"),
            AliasSpec("Malian army"),
            AliasSpec("Government of Mali", note="UCDP's name."),
            AliasSpec(
                "Military Forces of Mali (2002-2012)",
                valid_from=Date(2002, 6, 8),
                valid_until=Date(2012, 3, 22),
                note="ACLED's name under President Touré's government.",
            ),
            AliasSpec(
                "Military Forces of Mali (2012-2013)",
                valid_from=Date(2012, 3, 22),
                valid_until=Date(2013, 9, 4),
                note="ACLED's name under the junta and the transitional government of 2012-2013.",
            ),
            AliasSpec(
                "Military Forces of Mali (2013-)",
                valid_from=Date(2013, 9, 4),
                note="ACLED's name from President Keïta's government on, in its releases before the 2020 coup.",
            ),
            AliasSpec(
                "Military Forces of Mali (2013-2020)",
                valid_from=Date(2013, 9, 4),
                valid_until=Date(2020, 8, 18),
                note="ACLED's name under President Keïta's government.",
            ),
            AliasSpec(
                "Military Forces of Mali (2020-2021)",
                valid_from=Date(2020, 8, 18),
                valid_until=Date(2021, 5, 24),
                note="ACLED's name under the transitional government after the August 2020 coup.",
            ),
            AliasSpec(
                "Military Forces of Mali (2021-)",
                valid_from=Date(2021, 5, 24),
                note="ACLED's name under the military government after the May 2021 coup.",
            ),
        ),
    ),
    ActorSpec(
        name=WAGNER,
        kind=ActorKind.EXTERNAL_OTHER,
        country="RUS",
        description=(
            "Russian paramilitary group, in Mali since 2022 with 1,000 to 1,500 fighters on the front lines "
            "(Al Jazeera, 2025). Moscow took direct control after its founder Yevgeny Prigozhin died in August "
            "2023; led in Mali by Ivan Aleksandrovich Maslov. About 100 fighters were recalled from Burkina Faso "
            "to Ukraine in late 2023. Its Africa operations were renamed Africa Corps in 2024."
        ),
        aliases=(AliasSpec("Wagner"), AliasSpec("PMC Wagner")),  # ACLED and UCDP call it Wagner Group too
    ),
    ActorSpec(
        name=AFRICA_CORPS,
        kind=ActorKind.EXTERNAL_OTHER,
        country="RUS",
        description=(
            "The name Russian defence officials gave Wagner's Africa operations in 2024. Analysts who follow "
            "their Telegram channels say the fighters still call themselves Wagner."
        ),
    ),
    ActorSpec(
        name=RUSSIA,
        kind=ActorKind.EXTERNAL_OTHER,
        country="RUS",
        description="Russia's armed forces and defence ministry, which oversee Africa Corps' non-combat missions.",
        aliases=(
            AliasSpec("Russian Armed Forces"),
            AliasSpec("Russian Ministry of Defence"),
            AliasSpec("Military Forces of Russia (2000-)", valid_from=Date(2000, 5, 7), note="ACLED's name."),
            AliasSpec("Government of Russia (Soviet Union)", note="UCDP's name."),
        ),
    ),
    ActorSpec(
        name=FRANCE,
        kind=ActorKind.EXTERNAL_OTHER,
        country="FRA",
        description=(
            "French forces, Mali's main support against armed groups from 2013 until they left after Bamako and "
            "Paris fell out (the article says 2021; the last troops left in August 2022)."
        ),
        aliases=(
            AliasSpec("French armed forces"),
            AliasSpec(
                "Military Forces of France (2012-2017)",
                valid_from=Date(2012, 5, 15),
                valid_until=Date(2017, 5, 14),
                note="ACLED's name under President Hollande.",
            ),
            AliasSpec(
                "Military Forces of France (2017-)",
                valid_from=Date(2017, 5, 14),
                note="ACLED's name under President Macron.",
            ),
            AliasSpec("Government of France", note="UCDP's name."),
            AliasSpec("Operation Serval", valid_from=Date(2013, 1, 11), valid_until=Date(2014, 7, 15)),
            AliasSpec("Operation Barkhane", valid_from=Date(2014, 8, 1), valid_until=Date(2022, 11, 9)),
        ),
    ),
    ActorSpec(
        name=MINUSMA,
        acronym="MINUSMA",
        kind=ActorKind.EXTERNAL_OTHER,
        active_from=Date(2013, 4, 25),
        active_until=Date(2023, 12, 31),
        description=(
            "The UN peacekeeping mission in Mali, 11,000 strong according to the article; Mali's military "
            "government had it withdrawn in 2023."
        ),
        aliases=(
            AliasSpec(
                "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)",
                valid_from=Date(2013, 4, 25),
                note="ACLED's name.",
            ),
        ),
    ),
    ActorSpec(
        name=JNIM,
        acronym="JNIM",
        kind=ActorKind.REBEL_GROUP,
        country="MLI",
        description="Al-Qaeda's affiliate in the Sahel; taxes and attacks civilians and seizes territory.",
        aliases=(
            AliasSpec("Jama’at Nusrat al-Islam wal-Muslimin", note="The article's spelling."),
            AliasSpec("JNIM: Group for Support of Islam and Muslims", note="ACLED's name."),
            AliasSpec("Group to Support Islam and Muslims"),
            AliasSpec("JNIM", note="UCDP's name."),
        ),
    ),
    ActorSpec(
        name=ISGS,
        acronym="ISGS",
        kind=ActorKind.REBEL_GROUP,
        country="MLI",
        description="The Islamic State (ISIL) affiliate in the Greater Sahara.",
        aliases=(
            AliasSpec("ISIL affiliate in the Greater Sahara", note="The article's wording."),
            AliasSpec("Islamic State (Greater Sahara)", note="ACLED's name."),
            AliasSpec(
                "Islamic State (West Africa) - Greater Sahara Faction",
                note="ACLED's name while it counted the group as a faction of the West Africa province.",
            ),
            AliasSpec("Islamic State (Sahel)", note="ACLED's name since the group became a province."),
            AliasSpec(
                "Islamic State Sahel Province",
                valid_from=Date(2022, 3, 1),
                note="Its name since the Islamic State made it a province in 2022.",
            ),
        ),
    ),
    ActorSpec(
        name=AL_QAEDA,
        kind=ActorKind.EXTERNAL_OTHER,
        description="Transnational armed Islamist organisation; JNIM is its Sahel affiliate.",
        aliases=(AliasSpec("Al Qaeda", note="ACLED's name."),),
    ),
    ActorSpec(
        name=ISLAMIC_STATE,
        kind=ActorKind.EXTERNAL_OTHER,
        description="Transnational armed Islamist organisation (ISIL, ISIS); ISGS is its Sahel affiliate.",
        aliases=(
            AliasSpec("ISIL"),
            AliasSpec("ISIS"),
            AliasSpec("IS", note="UCDP's name, which it gives the Sahel affiliate's events too."),
        ),
    ),
    ActorSpec(
        name=CMA,
        acronym="CMA",
        kind=ActorKind.REBEL_GROUP,
        country="MLI",
        active_until=Date(2024, 11, 30),
        description=(
            "Coalition of Tuareg-led separatist movements fighting for an independent Azawad in northern Mali; "
            "signed the 2015 peace deal with Bamako. Merged into the Azawad Liberation Front (FLA) in 2024."
        ),
        aliases=(
            AliasSpec("Coordination des mouvements de l'Azawad"),
            AliasSpec("Azawad rebels"),
            AliasSpec("CMA: Coordination of Movements of the Azawad", note="ACLED's name."),
            AliasSpec("CMA", note="UCDP's name."),
        ),
    ),
    ActorSpec(
        name=FLA,
        acronym="FLA",
        kind=ActorKind.REBEL_GROUP,
        country="MLI",
        active_from=Date(2024, 11, 30),
        description="Successor of the CMA, formed when its movements merged at the end of November 2024.",
        aliases=(
            AliasSpec("Front de libération de l'Azawad"),
            AliasSpec("FLA: Azawad Liberation Front", note="ACLED's name."),
        ),
    ),
    ActorSpec(
        name=PRO_GOVERNMENT_MILITIAS,
        kind=ActorKind.IDENTITY_MILITIA,
        country="MLI",
        description=(
            'The article\'s "pro-government ethnic fighter groups", accused of taking part with the army and '
            "Wagner in massacres of civilians. The article does not name them."
        ),
    ),
    ActorSpec(name=CIVILIANS, kind=ActorKind.CIVILIANS, country="MLI", description="Civilians in Mali."),
    ActorSpec(
        name=TUAREG,
        kind=ActorKind.CIVILIANS,
        country="MLI",
        description="Tuareg civilians, as ACLED names a community of civilian victims.",
        aliases=(AliasSpec("Tuareg civilians"),),
    ),
    # Beyond the article: the Sahel's other main forces. ACLED's labels of an army carry its government's years
    # ("Military Forces of Niger (2023-)"); the undated name as an alias ties every such label to the army.
    ActorSpec(
        name=BURKINA_FASO_FORCES,
        kind=ActorKind.STATE_FORCES,
        country="BFA",
        description="Burkina Faso's army, under military governments since the coups of 2022.",
        aliases=(
            AliasSpec("Military Forces of Burkina Faso", note="ACLED's name, without its labels' years."),
            AliasSpec("Government of Burkina Faso", note="UCDP's name."),
        ),
    ),
    ActorSpec(
        name=NIGER_FORCES,
        kind=ActorKind.STATE_FORCES,
        country="NER",
        description="Niger's army, under a military government since the coup of July 2023.",
        aliases=(
            AliasSpec("Military Forces of Niger", note="ACLED's name, without its labels' years."),
            AliasSpec("Government of Niger", note="UCDP's name."),
        ),
    ),
    ActorSpec(
        name=DOZO,
        kind=ActorKind.IDENTITY_MILITIA,
        country="MLI",
        description="Traditional hunters' militias of central Mali, accused of killings of Fulani civilians.",
        aliases=(AliasSpec("Dozo Communal Militia (Mali)", note="ACLED's name."),),
    ),
)

RELATIONS = (
    RelationSpec(
        WAGNER,
        RelationKind.SUCCEEDED_BY,
        AFRICA_CORPS,
        valid_from=Date(2024, 1, 1),
        note="Russian defence officials renamed Wagner's Africa operations; the fighters still call themselves Wagner.",
    ),
    RelationSpec(
        AFRICA_CORPS,
        RelationKind.PART_OF,
        RUSSIA,
        valid_from=Date(2024, 1, 1),
        note="Wagner fights; Russian military officials oversee training and equipment (Giustozzi, RUSI).",
    ),
    RelationSpec(CMA, RelationKind.SUCCEEDED_BY, FLA, valid_from=Date(2024, 11, 30)),
    RelationSpec(JNIM, RelationKind.PART_OF, AL_QAEDA, note='Affiliate ("al-Qaeda-backed").'),
    RelationSpec(ISGS, RelationKind.PART_OF, ISLAMIC_STATE, note="Affiliate."),
    RelationSpec(
        CMA,
        RelationKind.ALLIED_WITH,
        JNIM,
        note='The article says the CMA "occasionally collaborates" with the armed groups JNIM and ISGS.',
    ),
    RelationSpec(WAGNER, RelationKind.ALLIED_WITH, FAMA, valid_from=Date(2022, 1, 1)),
    RelationSpec(AFRICA_CORPS, RelationKind.ALLIED_WITH, FAMA, valid_from=Date(2024, 1, 1)),
    RelationSpec(PRO_GOVERNMENT_MILITIAS, RelationKind.ALLIED_WITH, FAMA),
    RelationSpec(FRANCE, RelationKind.ALLIED_WITH, FAMA, valid_from=Date(2013, 1, 11), valid_until=Date(2022, 8, 15)),
)

# Named sets of actors tallied together, each casualty record once: the article's figures are for the army and
# its Russian allies together ("the army and Wagner killed more than 900 people in 2024").
ACTOR_SETS = {
    "Malian Armed Forces + Wagner / Africa Corps": (FAMA, WAGNER, AFRICA_CORPS),
}

ACLED, UCDP = ImportKind.ACLED, ImportKind.UCDP

# Each dataset's names of the main actors, as their aliases give them. UCDP's ids only where the shared UCDP extracts
# give them (IS is 234 in the Iraq file); the other UCDP names are tied by name until an editor adds the id a Sahel
# file gives.
CROSSWALK = (
    *(
        CrosswalkSpec(ACLED, f"Military Forces of Mali ({years})", FAMA)
        for years in ("2002-2012", "2012-2013", "2013-", "2013-2020", "2020-2021", "2021-")
    ),
    CrosswalkSpec(UCDP, "Government of Mali", FAMA),
    CrosswalkSpec(ACLED, "Wagner Group", WAGNER),
    CrosswalkSpec(UCDP, "Wagner Group", WAGNER),
    CrosswalkSpec(ACLED, "Military Forces of Russia (2000-)", RUSSIA),
    CrosswalkSpec(UCDP, "Government of Russia (Soviet Union)", RUSSIA),
    CrosswalkSpec(ACLED, "Military Forces of France (2012-2017)", FRANCE),
    CrosswalkSpec(ACLED, "Military Forces of France (2017-)", FRANCE),
    CrosswalkSpec(UCDP, "Government of France", FRANCE),
    CrosswalkSpec(
        ACLED, "MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)", MINUSMA
    ),
    CrosswalkSpec(ACLED, "JNIM: Group for Support of Islam and Muslims", JNIM),
    CrosswalkSpec(UCDP, "JNIM", JNIM),
    CrosswalkSpec(ACLED, "Islamic State (Greater Sahara)", ISGS),
    CrosswalkSpec(ACLED, "Islamic State (West Africa) - Greater Sahara Faction", ISGS),
    CrosswalkSpec(ACLED, "Islamic State (Sahel)", ISGS),
    CrosswalkSpec(
        UCDP,
        "IS",
        ISLAMIC_STATE,
        external_id="234",
        note="UCDP codes the Sahel affiliate's events as the Islamic State's too.",
    ),
    CrosswalkSpec(ACLED, "Al Qaeda", AL_QAEDA),
    CrosswalkSpec(ACLED, "CMA: Coordination of Movements of the Azawad", CMA),
    CrosswalkSpec(UCDP, "CMA", CMA),
    CrosswalkSpec(ACLED, "FLA: Azawad Liberation Front", FLA),
    CrosswalkSpec(ACLED, "Tuareg Ethnic Group (Mali)", TUAREG),
    CrosswalkSpec(UCDP, "Government of Burkina Faso", BURKINA_FASO_FORCES),
    CrosswalkSpec(UCDP, "Government of Niger", NIGER_FORCES),
    CrosswalkSpec(ACLED, "Dozo Communal Militia (Mali)", DOZO),
)
