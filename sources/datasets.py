"""The terms of the event datasets we import: their licence, the credit it asks for and whether their event records
may be passed on. The imports give them to the dataset's source when they create it, the demo to its ACLED source, and
a migration to the sources recorded before these fields existed."""

from django.utils.translation import gettext_lazy as _

ACLED_TERMS = {
    "licence": "ACLED Terms of Use",
    "attribution": _("Armed Conflict Location & Event Data (ACLED); www.acleddata.com"),
    # ACLED's terms forbid redistributing its event data; a deployment licensed for it says so in settings
    # (REDISTRIBUTION_LICENSED).
    "redistributable": False,
}

UCDP_TERMS = {
    "licence": "CC BY 4.0",
    "attribution": _(
        "Uppsala Conflict Data Program (UCDP) Georeferenced Event Dataset; Sundberg and Melander (2013), "
        "Journal of Peace Research 50(4); CC BY 4.0"
    ),
    "redistributable": True,
}
