"""Validators shared by the apps: codes that come from international standards."""

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .countries import countries


def validate_country_code(value: str) -> None:
    """Accept an ISO 3166-1 alpha-3 code such as MLI, the form ACLED and UCDP use, or XKX for Kosovo."""
    if countries.get(alpha_3=value) is None:
        raise ValidationError(
            _("%(value)s is not an ISO 3166-1 alpha-3 country code (e.g. MLI for Mali, XKX for Kosovo)."),
            code="invalid_country",
            params={"value": value},
        )


def validate_language_code(value: str) -> None:
    """Accept an ISO 639-1 two-letter language code such as en, fr or ar."""
    if pycountry.languages.get(alpha_2=value) is None:
        raise ValidationError(
            _("%(value)s is not an ISO 639-1 language code (e.g. fr for French)."),
            code="invalid_language",
            params={"value": value},
        )
