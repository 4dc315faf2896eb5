"""The withholding of victims' names in SQL (conflict_tracker.redaction.public_text_sql), which the exports PostgreSQL
writes use, gives what the Python rule (Withholder) gives: on one table of cases both must pass, and on any text,
with the names of the named victims' table."""

import unicodedata

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflict_tracker.choices import Harm, VictimStatus
from conflict_tracker.redaction import WITHHELD, Withholder, fold, fold_sql, public_text_sql
from events.models import CasualtyRecord, NamedVictim
from tests.factories import IncidentFactory

W = WITHHELD
# (names of named victims, text, the text as the public reads it)
CASES = [
    (["Aminata Walet Fictif"], "Aminata Walet Fictif was one of them.", f"{W} was one of them."),
    (["Aminata Walet Fictif"], "AMINATA's brother, and walet-FICTIF", f"{W}'s brother, and {W}"),
    (["Ousmane Diállo"], "Ousmane DIALLO, Diállo and Diallobé", f"{W}, {W} and Diallobé"),
    (["Ousmane Diállo"], "Ousmane Dia\u0301llo", W),  # decomposed accents
    (["Ag Ahmed"], "Ag Ahmed", W),  # a short word goes with its whole name
    (["Ag Ahmed"], "Ag Alhassane", "Ag Alhassane"),  # but not on its own
    (["Ag El"], "Ag El", W),
    (["Ag El"], "Ag El Ag", "Ag El Ag"),  # a run of short words that is no whole name
    (["Ag El"], "ag-el and el ag", f"{W} and el ag"),
    (["Awa Diallo Sow", "N'Diaye"], "Diallo-Sow and N’DIÁYE", f"{W} and {W}"),
    (["Awa Diallo"], "https://example.org/awa-diallo", f"https://example.org/{W}"),
    (["Awa Diallo"], "Awa, Diallo", f"{W}, {W}"),  # a comma parts a name's words in a text
    (["Straße Kéita"], "STRASSE keita", W),
    (["Awa Diallo"], "", ""),
    ([], "Awa Diallo", "Awa Diallo"),
    (["  ", "-"], "Awa - Diallo", "Awa - Diallo"),
    (["O'Brien (Jr.)"], "o’brien (jr.) came", f"{W} (jr.) came"),
    (["Awa Diallo"], "Awa_Diallo awa2 Diallo2", "Awa_Diallo awa2 Diallo2"),
]


@pytest.fixture
def victims(db):
    """Sets the named victims' names: public_text_sql reads them from the table."""
    record = CasualtyRecord.objects.create(
        incident=IncidentFactory(),
        harm=Harm.KILLED,
        victim_status=VictimStatus.CIVILIAN,
        count_low=10,
        count_best=10,
        count_high=10,
    )

    def named(names: list[str]) -> None:
        NamedVictim.objects.all().delete()
        NamedVictim.objects.bulk_create(NamedVictim(casualty_record=record, name=name) for name in names)

    return named


def _in_sql(texts: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {public_text_sql('t.text', withhold=True)} FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n)"
            " ORDER BY t.n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(("names", "text", "public"), CASES)
def test_the_python_rule_withholds_the_names(names, text, public):
    assert Withholder(names)(text) == public


@pytest.mark.parametrize(("names", "text", "public"), CASES)
def test_the_sql_rule_withholds_the_names(victims, names, text, public):
    victims(names)

    assert _in_sql([text, None]) == [public, None]


LATIN = "".join(map(chr, range(0x20, 0x7F))) + "".join(map(chr, range(0xC0, 0x250))) + "’\u00a0\t\n"
ACCENTS = "".join(map(chr, range(0x300, 0x370)))
WORDS = st.text(alphabet=st.sampled_from("aeiouAEIOUdlnsß") | st.sampled_from("éÉèàÀüÜçÇøØĀāłŁ"), min_size=1)
NAMES = st.lists(st.lists(WORDS, min_size=1, max_size=3).map(" ".join), max_size=3)


@st.composite
def texts(draw, names: list[str]):
    """Texts of name words (in any case, accented or not, composed or decomposed), separators and other text."""
    words = [word for name in names for word in name.split()]
    spelled = st.sampled_from(words or ["x"]).flatmap(
        lambda word: st.sampled_from([word, word.upper(), word.lower(), fold(word), word.swapcase()])
    )
    pieces = st.one_of(
        spelled,
        spelled.map(lambda word: unicodedata.normalize("NFD", word)),
        st.sampled_from([" ", "-", "'", "’", ", ", " - ", "  ", "_", "\n"]),
        st.text(alphabet=LATIN + ACCENTS, max_size=6),
    )
    return "".join(draw(st.lists(pieces, max_size=12)))


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150, deadline=None)
@given(st.data())
def test_the_sql_rule_agrees_with_the_python_one_on_any_text(victims, data):
    names = data.draw(NAMES)
    drawn = data.draw(st.lists(texts(names), min_size=1, max_size=4))
    victims(names)

    assert _in_sql(drawn) == [Withholder(names)(text) for text in drawn]


@pytest.mark.django_db
def test_the_sql_fold_is_pythons_on_latin_and_greek_text():
    characters = [chr(code) for code in range(0x20, 0x500)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {fold_sql('t.c')} FROM unnest(%s::text[]) WITH ORDINALITY AS t(c, n) ORDER BY n", [characters]
        )
        folded = [row[0] for row in cursor.fetchall()]

    assert {c: f for c, f in zip(characters, folded, strict=True) if f != fold(c)} == {}
