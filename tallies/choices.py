from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    ACTOR = "actor", _("One actor")
    LINEAGE = "lineage", _("An actor with its units, predecessors and successors")
    SET = "set", _("A named set of actors")
