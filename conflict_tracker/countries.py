"""The countries we record incidents in: ISO 3166-1 as pycountry gives it, and Kosovo.

ISO 3166-1 has no entry for Kosovo; XK / XKX, codes from ISO's user-assigned range, are what the EU, the IMF and
ACLED write for it. It is added to pycountry's database here (pycountry's own way, `add_entry`), so that every
lookup (validation, filters, imports, exports) knows it; ISO gives it no number, and ACLED's `iso` of 0 is written
for it. Every module that looks a country up does it through `countries` below, which guarantees the entry is there.
"""

import pycountry

KOSOVO = {"alpha_2": "XK", "alpha_3": "XKX", "name": "Kosovo", "numeric": "000"}

countries = pycountry.countries
if countries.get(alpha_3=KOSOVO["alpha_3"]) is None:  # unless a later pycountry carries it itself
    countries.add_entry(**KOSOVO)
