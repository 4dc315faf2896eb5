"""The article's sources and documents, and the figures it reports that are not about one incident.

The article's text (mali-article.txt beside this module) is the Al Jazeera document's snapshot, and every claim
quotes it verbatim. The text is the copy we received: a reworded repost of Al Jazeera's article (it ends
"Source: Aljazeera"), whose rewording garbled a few facts. Where it did, the incident's notes or the review note
say what is recorded instead and why; the quotes keep the text as it is.

HRW, ACLED, The Washington Post and the two think tanks are known here only through the article, so their
documents have no snapshot and their claims quote the article's report of them. No document URL is given:
none is known for certain.
"""

import datetime
from decimal import Decimal
from pathlib import Path

from conflict_tracker.choices import FigureQualifier, Harm, PropertyHarmKind, PropertyKind, VictimStatus
from sources.choices import ClaimMeasure, Reliability, SourceKind
from sources.datasets import ACLED_TERMS

from .actors import FAMA, ISGS, JNIM, MINUSMA, PRO_GOVERNMENT_MILITIAS, WAGNER
from .specs import ClaimSpec, DocumentSpec, SourceSpec

ARTICLE_TEXT = (Path(__file__).parent / "mali-article.txt").read_text(encoding="utf-8")

Date = datetime.date

AL_JAZEERA = "Al Jazeera"
HRW = "Human Rights Watch"
ACLED = "ACLED"
WASHINGTON_POST = "The Washington Post"
CLINGENDAEL = "Clingendael Institute"
RUSI = "Royal United Services Institute"

SOURCES = (
    SourceSpec(
        AL_JAZEERA,
        SourceKind.NEWS_MEDIA,
        Reliability.B,
        country="QAT",
        language="en",
        url="https://www.aljazeera.com/",
    ),
    SourceSpec(
        HRW,
        SourceKind.HUMAN_RIGHTS_NGO,
        Reliability.B,
        acronym="HRW",
        country="USA",
        language="en",
        url="https://www.hrw.org/",
    ),
    SourceSpec(
        ACLED,
        SourceKind.RESEARCH_BODY,
        Reliability.B,
        language="en",
        url="https://acleddata.com/",
        description="Armed Conflict Location & Event Data: conflict event data and analysis.",
        **ACLED_TERMS,
    ),
    SourceSpec(
        WASHINGTON_POST,
        SourceKind.NEWS_MEDIA,
        Reliability.B,
        country="USA",
        language="en",
        url="https://www.washingtonpost.com/",
    ),
    SourceSpec(
        CLINGENDAEL,
        SourceKind.RESEARCH_BODY,
        Reliability.B,
        country="NLD",
        language="en",
        url="https://www.clingendael.org/",
        description="Netherlands Institute of International Relations, an international affairs think tank.",
    ),
    SourceSpec(
        RUSI,
        SourceKind.RESEARCH_BODY,
        Reliability.B,
        acronym="RUSI",
        country="GBR",
        language="en",
        url="https://www.rusi.org/",
        description="Defence and security think tank in the United Kingdom.",
    ),
)

# Titles in square brackets are supplied (the archivists' convention): the article does not give them.
DOCUMENTS = (
    DocumentSpec(
        key="aljazeera",
        source=AL_JAZEERA,
        title="‘Callous’: Are Malian troops and Russian mercenaries attacking civilians?",
        snapshot_text=ARTICLE_TEXT,
        excerpt=(
            "At least 20 people, including children and elderly people, were killed when they were traveling "
            "in two vehicles."
        ),
    ),
    DocumentSpec(
        key="hrw",
        source=HRW,
        title="[Report on abuses by the Malian army and Russian forces in Mali, May–December 2024]",
        # The day comes from press coverage of the report; the article says only "a December report".
        published_on=Date(2024, 12, 12),
    ),
    DocumentSpec(
        key="acled", source=ACLED, title="[Analysis of Wagner Group activity and fatalities in Mali, 2023–2024]"
    ),
    DocumentSpec(
        key="washington-post", source=WASHINGTON_POST, title="[Report on civilians fleeing northern Mali to Mauritania]"
    ),
    DocumentSpec(
        key="clingendael",
        source=CLINGENDAEL,
        title="[Constantin Gouvy's statements to Al Jazeera]",
        author="Constantin Gouvy",
        excerpt="“they are a relatively low-cost involvement that brings in money, minerals, and geopolitical sway,”",
    ),
    DocumentSpec(
        key="rusi",
        source=RUSI,
        title="[Antonio Giustozzi's statements to Al Jazeera]",
        author="Antonio Giustozzi",
        excerpt=(
            "Eventually, a compromise was reached, the RUSI expert said: Wagner would stay on for the fighting, "
            "and Russian military officials would oversee noncombat deployments, such as training and "
            "maintaining equipment."
        ),
    ),
)

# "Between May and December", in the report of 12 December 2024.
HRW_PERIOD = {"period_start": Date(2024, 5, 1), "period_end": Date(2024, 12, 12)}
HRW_QUOTE = (
    "Human Rights Watch, in a December report, revealed that between May and December, the Malian army and Russian "
    "forces “deliberately killed at least 32 civilians, including 7 in a drone strike, forcibly disappeared 4 "
    "others, and burned at least 100 homes in military operations in towns and villages in central and northern "
    "Mali”."
)
ACLED_2024_QUOTE = (
    "Where armed groups killed about 400 people in total in 2024, Wagner and the Malian military killed more than "
    "900 people, according to ACLED."
)
YEAR_2024 = {"period_start": Date(2024, 1, 1), "period_end": Date(2024, 12, 31)}
# The article says "people", not "civilians": the victims' status is left unknown.
PEOPLE = VictimStatus.UNKNOWN

# Figures that are not about one incident: tolls and trends over a period, kept as what each source said.
AGGREGATE_CLAIMS = (
    ClaimSpec(
        document="hrw",
        quote=HRW_QUOTE,
        actors=(FAMA, WAGNER),
        harm=Harm.KILLED,
        victim_status=VictimStatus.CIVILIAN,
        figure_qualifier=FigureQualifier.AT_LEAST,
        figure_low=32,
        figure_best=32,
        country="MLI",
        review_note="Includes the 7 killed in the drone strike recorded as an incident.",
        **HRW_PERIOD,
    ),
    ClaimSpec(
        document="hrw",
        quote=HRW_QUOTE,
        actors=(FAMA, WAGNER),
        harm=Harm.DISAPPEARED,
        victim_status=VictimStatus.CIVILIAN,
        figure_qualifier=FigureQualifier.EXACT,
        figure_low=4,
        figure_best=4,
        figure_high=4,
        country="MLI",
        **HRW_PERIOD,
    ),
    ClaimSpec(
        document="hrw",
        quote=HRW_QUOTE,
        actors=(FAMA, WAGNER),
        measure=ClaimMeasure.PROPERTY,
        property_kind=PropertyKind.HOMES,
        property_harm=PropertyHarmKind.BURNED,
        figure_qualifier=FigureQualifier.AT_LEAST,
        figure_low=100,
        figure_best=100,
        country="MLI",
        **HRW_PERIOD,
    ),
    ClaimSpec(
        document="hrw",
        quote=(
            "Additionally, the rights groups claimed that ISGS and JNIM were responsible for numerous civilian deaths."
        ),
        actors=(ISGS, JNIM),
        harm=Harm.KILLED,
        victim_status=VictimStatus.CIVILIAN,
        country="MLI",
        review_note="No figure in the article.",
        **HRW_PERIOD,
    ),
    ClaimSpec(
        document="acled",
        quote=ACLED_2024_QUOTE,
        actors=(WAGNER, FAMA),
        harm=Harm.KILLED,
        victim_status=PEOPLE,
        # "More than 900" keeps the number the source printed, with the qualifier saying it is exceeded,
        # rather than an inferred 901 that no source gave.
        figure_qualifier=FigureQualifier.MORE_THAN,
        figure_low=900,
        country="MLI",
        **YEAR_2024,
    ),
    ClaimSpec(
        document="acled",
        quote=ACLED_2024_QUOTE,
        harm=Harm.KILLED,
        victim_status=PEOPLE,
        figure_qualifier=FigureQualifier.ABOUT,
        figure_best=400,
        country="MLI",
        review_note='The article says "armed groups" without naming them, so no actor is held responsible.',
        **YEAR_2024,
    ),
    ClaimSpec(
        document="acled",
        quote=(
            "In the last quarter of 2023, after Russia’s direct takeover of the group, Wagner’s activities in Mali "
            "doubled compared with the previous quarter, according to analysis by conflict monitor ACLED."
        ),
        actors=(WAGNER,),
        measure=ClaimMeasure.ACTIVITY_CHANGE,
        change_ratio=Decimal(2),
        period_start=Date(2023, 10, 1),
        period_end=Date(2023, 12, 31),
        country="MLI",
    ),
    ClaimSpec(
        document="washington-post",
        quote=(
            "According to a report from The Washington Post, civilians fleeing Mali’s north to Mauritania arrive "
            "with “white men in masks” and horror stories. According to experts, entire communities have been "
            "destroyed as a result of women being tortured and abused, men being killed, people being burned alive, "
            "and communities being destroyed."
        ),
        harm=Harm.TORTURED,
        victim_status=VictimStatus.CIVILIAN,
        country="MLI",
        review_note=(
            'No figure and no named perpetrator ("white men in masks"), so no actor is held responsible; '
            "killings are reported too."
        ),
    ),
    ClaimSpec(
        document="clingendael",
        quote=(
            "“The most striking difference with France’s former military presence has been Wagner’s callous "
            "strategy, characterised by wanton violence against civilians”"
        ),
        actors=(WAGNER,),
        victim_status=VictimStatus.CIVILIAN,
        country="MLI",
        review_note="An expert's assessment, without figure.",
    ),
    ClaimSpec(
        document="aljazeera",
        quote=(
            "When they were deployed in 2022, Wagner troops were almost immediately spotted deep in enemy territory, "
            "and rights organizations accused them of co-operating with state forces and pro-government ethnic "
            "fighter groups in civilian “massacres.”"
        ),
        actors=(WAGNER, FAMA, PRO_GOVERNMENT_MILITIAS),
        harm=Harm.KILLED,
        victim_status=VictimStatus.CIVILIAN,
        period_start=Date(2022, 1, 1),
        country="MLI",
        review_note="The rights organizations are not named; no figure.",
    ),
    ClaimSpec(
        document="aljazeera",
        quote="High-ranking rebel leaders have also been killed by government airstrikes.",
        actors=(FAMA,),
        harm=Harm.KILLED,
        victim_status=VictimStatus.COMBATANT,
        country="MLI",
        review_note="No figure, date or place.",
    ),
    # Force sizes: what each lineage brought to the conflict, as the article states them.
    ClaimSpec(
        document="aljazeera",
        quote=(
            "Between 1, 000 and 1, 500 Russian Wagner fighters are on the Malian front lines, which is the group’s "
            "main active battleground in the region."
        ),
        actors=(WAGNER,),
        measure=ClaimMeasure.FORCE_SIZE,
        figure_qualifier=FigureQualifier.RANGE,
        figure_low=1000,
        figure_high=1500,
        country="MLI",
    ),
    ClaimSpec(
        document="aljazeera",
        quote="Since then, Mali has also axed an 11, 000-person UN peacekeeping team",
        actors=(MINUSMA,),
        measure=ClaimMeasure.FORCE_SIZE,
        figure_qualifier=FigureQualifier.EXACT,
        figure_low=11000,
        figure_best=11000,
        figure_high=11000,
        country="MLI",
    ),
    ClaimSpec(
        document="aljazeera",
        quote=("These rumors were fueled by the recall of about 100 fighters from Burkinabe to Ukraine in late 2023."),
        actors=(WAGNER,),
        measure=ClaimMeasure.FORCE_SIZE,
        figure_qualifier=FigureQualifier.ABOUT,
        figure_best=100,
        period_start=Date(2023, 9, 1),
        period_end=Date(2023, 12, 31),
        country="BFA",
        review_note="Fighters recalled from Burkina Faso (the article's 'Burkinabe') to Ukraine.",
    ),
)
