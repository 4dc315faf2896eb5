"""Victims' identities withheld from everything the public reads: the one choke point.

Named victims are visible only to staff (SPEC.md), yet the quotes and excerpts of the documents behind published
incidents are public, and a witness or a news report often names the dead. For readers who may not see identities
(`conflict_tracker.roles.is_staff_member` is false), every name of every named victim, of any incident, is withheld
from the texts below, whole and word by word, ignoring case and accents. Any incident's, not only the cited one's:
a document is cited by several incidents and claims, and a text written about one victim may end up beside another
incident, so which victims a text may name cannot be told from where it is shown.

The texts that may name a victim, and where each is withheld (every door reads them through these):

- a claim's quote: `sources.models.Claim.quote_for_reader` (claims API, incident page), and the aggregate claims
  beside our counts (`events.comparisons.external_figures`: actor API and page, claim detail);
- a document's title, author, URL and excerpt: `sources.models.Document.*_for_reader` (documents API, incident
  page), and in the exports PostgreSQL writes, by `withheld_sql`, the UCDP headlines (titles) and the source text
  of an ACLED import (its document's author) in the ACLED `source`; its snapshot text is never shown to the public;
- a retracted incident's reason in the changes feed (`events.api.changes`);
- searches: a public search that touches a victim's name does not find the texts naming a victim
  (`sources.filters.ClaimFilterSet.filter_quote`), so that the match itself does not tell where the name is.

Never shown to the public at all, so nothing to withhold: named victims, casualty records' notes, review notes,
return comments, snapshot texts, revisions and anything that rests only on an incident the reader may not see
(the `visible_to` querysets). An incident's own title, notes and place are the editors' text, read by an editor
before publishing; they are shown as written.

The querysets that load these texts for the public (`visible_to`) annotate a digest of the names (one subquery
PostgreSQL runs once per query), and the texts are withheld with the names of that digest, loaded once per change
of the names (`withholder`): no query per row. The exports written by PostgreSQL withhold them in SQL
(`withheld_sql`): the same rule, from the same patterns, with the words of the same Withholder written into the
statement; a text is cut into runs only when one of its words is one of the names' words.
"""

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable

from django.apps import apps
from django.db.models import TextField
from django.db.models.expressions import RawSQL

WITHHELD = "[name withheld]"
# Words of a name shorter than this ("Ag", "el") are withheld only with their whole name: alone they would blank
# ordinary words.
SHORTEST_WORD = 3

# The patterns below are read alike by Python's and PostgreSQL's regular expressions (withheld_sql).
_NAME_SEPARATORS_PATTERN = r"[\s,'’-]+"
# A word, with the combining accents of a text written in decomposed form.
_WORD_PATTERN = r"[\w\u0300-\u036f]+"
# What may stand between two words of one name: "Ag Ahmed", "N'Diaye", "Walet-Fictif".
_WITHIN_NAME_PATTERN = r"[\s'’-]+"
_NAME_SEPARATORS, _WORD, _WITHIN_NAME = map(re.compile, (_NAME_SEPARATORS_PATTERN, _WORD_PATTERN, _WITHIN_NAME_PATTERN))


def fold(text: str) -> str:
    """`text` without case and accents, as names are compared: sources spell them both ways."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _name_words(name: str) -> list[str]:
    return [fold(word) for word in _NAME_SEPARATORS.split(name) if word]


class Withholder:
    """Withholds a set of names from texts: each name whole, and each of its words of SHORTEST_WORD or more."""

    def __init__(self, names: Iterable[str]):
        names = [name for name in names if name and name.strip()]
        self.whole = {" ".join(_name_words(name)) for name in names}
        self.words = {word for name in names for word in _name_words(name) if len(word) >= SHORTEST_WORD}
        self.short = {word for name in names for word in _name_words(name) if len(word) < SHORTEST_WORD}

    def __call__(self, text: str) -> str:
        """`text` with every run of name words that holds a whole name or a long word of one replaced by WITHHELD
        (one WITHHELD per run: "Aminata Walet Fictif" reads as one name)."""
        if not text or not self.words and not self.whole:
            return text
        runs: list[list[re.Match]] = []
        for match in _WORD.finditer(text):
            if fold(match.group()) not in self.words | self.short:
                continue
            if runs and _WITHIN_NAME.fullmatch(text, runs[-1][-1].end(), match.start()):
                runs[-1].append(match)
            else:
                runs.append([match])
        pieces, position = [], 0
        for run in runs:
            words = [fold(match.group()) for match in run]
            if any(word in self.words for word in words) or " ".join(words) in self.whole:
                pieces += [text[position : run[0].start()], WITHHELD]
                position = run[-1].end()
        return "".join([*pieces, text[position:]])

    def touched_by(self, searched: str) -> list[str]:
        """The name words a search for `searched` (a substring) could match in part or whole: any occurrence of
        it that overlaps one of these words would tell where a withheld name is written."""
        searched = fold(searched).strip()
        if not searched:
            return []
        return sorted(word for word in self.words | self.short if _overlap(searched, word))


def _overlap(searched: str, word: str) -> bool:
    """Whether `searched`, found in a text, could cover part of `word` there, a whole word of that text."""
    if searched in word or re.search(rf"(?<!\w){re.escape(word)}(?!\w)", searched):
        return True
    # Its end on the word's start, or its start on the word's end, where the text has no other letter.
    return any(
        searched.endswith(word[:n])
        and not _WORD.fullmatch(searched[-n - 1])
        or searched.startswith(word[-n:])
        and not _WORD.fullmatch(searched[n])
        for n in range(1, min(len(searched), len(word)))
    )


def names_digest() -> RawSQL:
    """A digest of every named victim's name, for a queryset to annotate: an uncorrelated subquery, which
    PostgreSQL computes once per query, and `withholder` loads the names again only when it changes."""
    table = apps.get_model("events", "NamedVictim")._meta.db_table
    return RawSQL(
        f"SELECT COALESCE(md5(string_agg(DISTINCT name, E'\\n' ORDER BY name)), '') FROM {table}",
        (),
        output_field=TextField(),
    )


_cache = threading.local()


def withholder(digest: str | None = None) -> Withholder:
    """The Withholder of every named victim's name. Given the digest a query read with its rows (`names_digest`),
    the names are loaded only when they changed since this thread last loaded them."""
    cached = getattr(_cache, "withholder", None)
    if cached is not None and digest is not None and cached[0] == digest:
        return cached[1]
    names = apps.get_model("events", "NamedVictim").objects.order_by().values_list("name", flat=True).distinct()
    built = Withholder(names)
    _cache.withholder = (digest, built)
    return built


def names_regex(words: Iterable[str]) -> str:
    """A PostgreSQL regular expression (for `iregex`) finding any of the folded `words` as a whole word, whatever
    accents the text puts on it."""
    return r"\m(" + "|".join("".join(_ACCENTED.get(c, re.escape(c)) for c in word) for word in words) + r")\M"


def _accented_forms() -> dict[str, str]:
    """Each unaccented letter as a bracket expression of its accented forms (Latin-1, Latin Extended-A and B)."""
    forms: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        folded = fold(chr(code))
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            forms.setdefault(folded, {folded}).add(chr(code))
    return {letter: "[" + "".join(sorted(letters)) + "]" for letter, letters in forms.items()}


_ACCENTED = _accented_forms()


def public_text(text: str, digest: str | None) -> str:
    """`text` as a row loaded by a `visible_to` queryset shows it: with the names withheld if that queryset
    annotated their digest (readers who may not see identities), unchanged otherwise (staff)."""
    if digest is None:
        return text
    return withholder(digest)(text)


# -- the same rule in SQL, for the exports PostgreSQL writes ----------------------------------------------------------


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _code_ranges(codes: Iterable[int]) -> str:
    """The code points as the ranges of a regular expression's bracket expression (\\U escapes both read)."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(rf"\U{low:08x}" + (rf"-\U{high:08x}" if high > low else "") for low, high in ranges)


def _casefold_changes() -> dict[str, str]:
    """The characters lower() leaves that casefold() changes further ("ß" to "ss")."""
    lowered = {c for code in range(0x110000) for c in unicodedata.normalize("NFKD", chr(code)).lower()}
    return {c: c.casefold() for c in sorted(lowered) if c.casefold() != c}


@functools.cache
def _fold_sql_template() -> str:
    combining = _code_ranges(code for code in range(0x110000) if unicodedata.combining(chr(code)))
    changes = _casefold_changes()
    single = {c: folded for c, folded in changes.items() if len(folded) == 1}
    sql = f"lower(regexp_replace(normalize({{}}, NFKD), '[{combining}]', '', 'g'))"
    sql = f"translate({sql}, {_sql_literal(''.join(single))}, {_sql_literal(''.join(single.values()))})"
    for c, folded in changes.items():
        if len(folded) > 1:
            sql = f"replace({sql}, {_sql_literal(c)}, {_sql_literal(folded)})"
    return sql


def fold_sql(text: str) -> str:
    """fold in SQL, over `text` (SQL, read twice): NFKD, combining characters dropped, lower() and casefold's further
    changes; lower() alone for ASCII text, which nothing else changes."""
    return f"CASE WHEN {text} ~ '^[\\x01-\\x7f]*$' THEN lower({text}) ELSE {_fold_sql_template().format(text)} END"


def _array(values: Iterable[str]) -> str:
    """A constant array, which PostgreSQL looks values up in by hashing (`= ANY`, nine values or more)."""
    return "ARRAY[" + ", ".join(map(_sql_literal, sorted(values))) + "]::text[]"


def withheld_sql(text: str, withheld: Withholder) -> str:
    """`withheld` in SQL, over `text` (the SQL of a column, read several times), with the same result as in Python
    (tests/conflict_tracker/test_redaction_sql.py): its words and whole names are constants of the statement, built
    once per export; a text none of whose words is one of them (nearly all) costs a split into words and a lookup of
    each, and only the others are cut into runs, as Withholder.__call__ does."""
    if not withheld.words and not withheld.whole:
        return text
    words, long_words, whole = (
        _array(values) for values in (withheld.words | withheld.short, withheld.words, withheld.whole)
    )
    other = _WORD_PATTERN.replace("[", "[^", 1)
    named = f"""EXISTS (SELECT FROM regexp_split_to_table({text}, {_sql_literal(other)}) t(word)
        WHERE t.word <> '' AND {fold_sql("t.word")} = ANY({words}))"""
    runs = f"""(WITH t AS (
            SELECT m.n, COALESCE(m.g[1], m.g[2]) AS piece, {fold_sql("m.g[1]")} AS folded, m.g[1] IS NULL AS gap
            FROM regexp_matches({text}, {_sql_literal(f"({_WORD_PATTERN})|({other})")}, 'g') WITH ORDINALITY m(g, n)),
        k AS (SELECT *, NOT gap AND folded = ANY({words}) AS kept,
            gap AND piece ~ {_sql_literal(f"^(?:{_WITHIN_NAME_PATTERN})$")} AS joins FROM t),
        r AS (SELECT *, kept AND NOT COALESCE(lag(joins) OVER w AND lag(kept, 2) OVER w, false) AS starts,
            joins AND COALESCE(lag(kept) OVER w AND lead(kept) OVER w, false) AS inside
            FROM k WINDOW w AS (ORDER BY n)),
        s AS (SELECT *, CASE WHEN kept OR inside THEN sum(starts::int) OVER (ORDER BY n) END AS run FROM r),
        runs AS (SELECT run, min(n) AS first,
            bool_or(folded = ANY({long_words})) OR string_agg(folded, ' ' ORDER BY n) = ANY({whole}) AS withheld
            FROM s WHERE run IS NOT NULL GROUP BY run)
        SELECT string_agg(CASE WHEN NOT COALESCE(runs.withheld, false) THEN s.piece
            WHEN s.n = runs.first THEN {_sql_literal(WITHHELD)} ELSE '' END, '' ORDER BY s.n)
        FROM s LEFT JOIN runs USING (run))"""
    return f"CASE WHEN {named} THEN COALESCE({runs}, {text}) ELSE {text} END"


def public_text_sql(text: str, withhold: bool) -> str:
    """public_text in SQL: `text` (SQL) with every named victim's name withheld for readers who may not see
    identities (`withhold`: the names are read once, here), as written for staff."""
    return withheld_sql(text, withholder()) if withhold else text
