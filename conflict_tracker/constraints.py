"""Check constraints shared by the apps' models."""

from django.db import models
from django.db.models import F, Q


def not_greater(
    name: str, smaller: str, larger: str, message: str, *, nullable: bool = False
) -> models.CheckConstraint:
    """`smaller` <= `larger`; with nullable, a missing bound satisfies it (an open period, a figure not given)."""
    condition = Q(**{f"{smaller}__lte": F(larger)})
    if nullable:
        condition = Q(**{f"{smaller}__isnull": True}) | Q(**{f"{larger}__isnull": True}) | condition
    return models.CheckConstraint(condition=condition, name=name, violation_error_message=message)
