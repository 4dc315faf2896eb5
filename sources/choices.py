from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    NEWS_MEDIA = "news_media", _("News media")
    HUMAN_RIGHTS_NGO = "human_rights_ngo", _("Human-rights NGO")
    UN = "un", _("United Nations")
    GOVERNMENT_MILITARY = "government_military", _("Government or military")
    BELLIGERENT_CHANNEL = "belligerent_channel", _("Belligerent channel (e.g. Telegram)")
    RESEARCH_BODY = "research_body", _("Research body (e.g. ACLED)")
    WITNESS = "witness", _("Witness")


class Reliability(models.TextChoices):
    """The Admiralty scale's source grades."""

    A = "A", _("A: completely reliable")
    B = "B", _("B: usually reliable")
    C = "C", _("C: fairly reliable")
    D = "D", _("D: not usually reliable")
    E = "E", _("E: unreliable")
    F = "F", _("F: reliability cannot be judged")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    DISPUTED = "disputed", _("Disputed")


class ClaimMeasure(models.TextChoices):
    """What a claim's figure counts."""

    CASUALTIES = "casualties", _("People harmed")
    PROPERTY = "property", _("Property harmed")
    EVENTS = "events", _("Number of events")
    FORCE_SIZE = "force_size", _("Fighters or troops deployed")
    ACTIVITY_CHANGE = "activity_change", _("Change in activity")
