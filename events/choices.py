from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")
    # A record of an event that other records describe too, counted in the incident merging them (merged_into).
    MERGED = "merged", _("Merged")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class GeoPrecision(models.IntegerChoices):
    """ACLED's geo-precision codes."""

    EXACT = 1, _("1: the exact place")
    NEAR = 2, _("2: near the place, or a part of a region")
    REGION = 3, _("3: the region only")


class EventType(models.TextChoices):
    """ACLED's six event types."""

    BATTLES = "Battles", _("Battles")
    EXPLOSIONS_REMOTE_VIOLENCE = "Explosions/Remote violence", _("Explosions/Remote violence")
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians", _("Violence against civilians")
    PROTESTS = "Protests", _("Protests")
    RIOTS = "Riots", _("Riots")
    STRATEGIC_DEVELOPMENTS = "Strategic developments", _("Strategic developments")


class SubEventType(models.TextChoices):
    """ACLED's 25 sub-event types; values are ACLED's own spellings, so exports round-trip."""

    ARMED_CLASH = "Armed clash", _("Armed clash")
    GOVERNMENT_REGAINS_TERRITORY = "Government regains territory", _("Government regains territory")
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = (
        "Non-state actor overtakes territory",
        _("Non-state actor overtakes territory"),
    )
    CHEMICAL_WEAPON = "Chemical weapon", _("Chemical weapon")
    AIR_DRONE_STRIKE = "Air/drone strike", _("Air/drone strike")
    SUICIDE_BOMB = "Suicide bomb", _("Suicide bomb")
    SHELLING_ARTILLERY_MISSILE = "Shelling/artillery/missile attack", _("Shelling/artillery/missile attack")
    REMOTE_EXPLOSIVE = "Remote explosive/landmine/IED", _("Remote explosive/landmine/IED")
    GRENADE = "Grenade", _("Grenade")
    SEXUAL_VIOLENCE = "Sexual violence", _("Sexual violence")
    ATTACK = "Attack", _("Attack")
    ABDUCTION = "Abduction/forced disappearance", _("Abduction/forced disappearance")
    PEACEFUL_PROTEST = "Peaceful protest", _("Peaceful protest")
    PROTEST_WITH_INTERVENTION = "Protest with intervention", _("Protest with intervention")
    EXCESSIVE_FORCE = "Excessive force against protesters", _("Excessive force against protesters")
    VIOLENT_DEMONSTRATION = "Violent demonstration", _("Violent demonstration")
    MOB_VIOLENCE = "Mob violence", _("Mob violence")
    AGREEMENT = "Agreement", _("Agreement")
    ARRESTS = "Arrests", _("Arrests")
    CHANGE_TO_GROUP = "Change to group/activity", _("Change to group/activity")
    DISRUPTED_WEAPONS_USE = "Disrupted weapons use", _("Disrupted weapons use")
    HEADQUARTERS_ESTABLISHED = "Headquarters or base established", _("Headquarters or base established")
    LOOTING = "Looting/property destruction", _("Looting/property destruction")
    NON_VIOLENT_TRANSFER = "Non-violent transfer of territory", _("Non-violent transfer of territory")
    OTHER = "Other", _("Other")


SUB_EVENT_TYPES_BY_EVENT_TYPE: dict[str, tuple[str, ...]] = {
    EventType.BATTLES: (
        SubEventType.ARMED_CLASH,
        SubEventType.GOVERNMENT_REGAINS_TERRITORY,
        SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
    ),
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: (
        SubEventType.CHEMICAL_WEAPON,
        SubEventType.AIR_DRONE_STRIKE,
        SubEventType.SUICIDE_BOMB,
        SubEventType.SHELLING_ARTILLERY_MISSILE,
        SubEventType.REMOTE_EXPLOSIVE,
        SubEventType.GRENADE,
    ),
    EventType.VIOLENCE_AGAINST_CIVILIANS: (
        SubEventType.SEXUAL_VIOLENCE,
        SubEventType.ATTACK,
        SubEventType.ABDUCTION,
    ),
    EventType.PROTESTS: (
        SubEventType.PEACEFUL_PROTEST,
        SubEventType.PROTEST_WITH_INTERVENTION,
        SubEventType.EXCESSIVE_FORCE,
    ),
    EventType.RIOTS: (SubEventType.VIOLENT_DEMONSTRATION, SubEventType.MOB_VIOLENCE),
    EventType.STRATEGIC_DEVELOPMENTS: (
        SubEventType.AGREEMENT,
        SubEventType.ARRESTS,
        SubEventType.CHANGE_TO_GROUP,
        SubEventType.DISRUPTED_WEAPONS_USE,
        SubEventType.HEADQUARTERS_ESTABLISHED,
        SubEventType.LOOTING,
        SubEventType.NON_VIOLENT_TRANSFER,
        SubEventType.OTHER,
    ),
}


class ViolenceType(models.IntegerChoices):
    """UCDP's type of violence."""

    STATE_BASED = 1, _("State-based")
    NON_STATE = 2, _("Non-state")
    ONE_SIDED = 3, _("One-sided")


class ParticipantRole(models.TextChoices):
    PERPETRATOR = "perpetrator", _("Perpetrator")
    TARGET = "target", _("Target")
    OTHER = "other", _("Other")


class Side(models.TextChoices):
    A = "A", _("Side A")
    B = "B", _("Side B")


class Attribution(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    ALLEGED = "alleged", _("Alleged")
    DISPUTED = "disputed", _("Disputed")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    CHILD = "child", _("Child (under 18)")
    ADULT = "adult", _("Adult (18-59)")
    ELDERLY = "elderly", _("Elderly (60 and over)")
    UNKNOWN = "unknown", _("Unknown")
