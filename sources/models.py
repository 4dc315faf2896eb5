import hashlib

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from conflict_tracker.choices import FigureQualifier, Harm, PropertyHarmKind, PropertyKind, VictimStatus
from conflict_tracker.constraints import not_greater
from conflict_tracker.redaction import names_digest, public_text
from conflict_tracker.roles import is_staff_member
from conflict_tracker.validators import validate_country_code, validate_language_code

from .choices import ClaimMeasure, Reliability, ReviewStatus, SourceKind


@pghistory.track()
class Source(models.Model):
    """An outlet or organisation whose documents report incidents."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=SourceKind.choices)
    reliability = models.CharField(_("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F)
    country = models.CharField(
        _("country"), max_length=3, blank=True, validators=[validate_country_code], help_text=_("ISO 3166-1 alpha-3")
    )
    language = models.CharField(
        _("language"), max_length=2, blank=True, validators=[validate_language_code], help_text=_("ISO 639-1")
    )
    url = models.URLField(_("website"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=200, blank=True, help_text=_("The terms its records are published under.")
    )
    attribution = models.TextField(
        _("attribution"), blank=True, help_text=_("The credit its licence asks for wherever its records are counted.")
    )
    redistributable = models.BooleanField(
        _("records may be redistributed"),
        default=True,
        help_text=_(
            "Whether incidents resting only on its records may be shown and exported to the public (ACLED's terms "
            "forbid it). Tallies count them either way."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{3}$"), name="source_country_iso3"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DocumentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DocumentQuerySet":
        """Staff see every document; others only those cited by a claim they may see, so a witness statement
        gathered for a draft, or cited only by evidence still in review, stays unpublished with it; and for them
        its texts without any victim's name (`Document.*_for_reader`, conflict_tracker/redaction.py)."""
        if is_staff_member(user):
            return self
        return self.filter(pk__in=Claim.objects.visible_to(user).values("document_id")).annotate(
            withheld_names=names_digest()
        )


@pghistory.track()
class Document(models.Model):
    """One report, article, post or statement of a source, with an archived snapshot of what it said."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=2, blank=True, validators=[validate_language_code], help_text=_("ISO 639-1")
    )
    accessed_on = models.DateField(_("access date"), null=True, blank=True)
    snapshot_file = models.FileField(_("archived snapshot (file)"), upload_to="snapshots/%Y/", blank=True)
    snapshot_text = models.TextField(_("archived snapshot (text)"), blank=True)
    snapshot_sha256 = models.CharField(
        _("snapshot SHA-256"), max_length=64, blank=True, editable=False, help_text=_("Of the file, else of the text.")
    )
    excerpt = models.TextField(_("excerpt"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "url"],
                condition=~Q(url=""),
                name="document_unique_url",
                violation_error_message=_("This source already has a document at this URL: cite that one."),
            ),
            models.CheckConstraint(
                condition=Q(snapshot_sha256="") | Q(snapshot_sha256__regex=r"^[0-9a-f]{64}$"),
                name="document_snapshot_sha256_hex",
            ),
        ]
        indexes = [models.Index(fields=["published_on"])]

    def __str__(self) -> str:
        return f"{self.source}: {self.title}"

    # The texts as the reader may see them: victims' names withheld when the queryset that loaded the document
    # said to (`DocumentQuerySet.visible_to`, for readers who may not see identities).
    @property
    def title_for_reader(self) -> str:
        return public_text(self.title, getattr(self, "withheld_names", None))

    @property
    def author_for_reader(self) -> str:
        return public_text(self.author, getattr(self, "withheld_names", None))

    @property
    def url_for_reader(self) -> str:
        """A link whose path names a victim ("/mali-moussa-diallo-tue") is shown without the name, broken."""
        return public_text(self.url, getattr(self, "withheld_names", None))

    @property
    def excerpt_for_reader(self) -> str:
        return public_text(self.excerpt, getattr(self, "withheld_names", None))

    def save(self, *args, **kwargs):
        # The digest always describes the stored snapshot, so it is derived here rather than entered.
        self.snapshot_sha256 = self.compute_snapshot_sha256()
        super().save(*args, **kwargs)

    def compute_snapshot_sha256(self) -> str:
        if self.snapshot_file:
            digest = hashlib.sha256()
            self.snapshot_file.open("rb")
            for chunk in self.snapshot_file.chunks():
                digest.update(chunk)
            self.snapshot_file.seek(0)
            return digest.hexdigest()
        if self.snapshot_text:
            return hashlib.sha256(self.snapshot_text.encode("utf-8")).hexdigest()
        return ""


class ClaimQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClaimQuerySet":
        """Staff see every claim. Others see a claim once an editor reviewed it, and, if it is about an incident,
        while they may see that incident: a draft's evidence stays unpublished with it, and evidence added to a
        published incident waits for its review, as the incident waited for its publication. Reviewed means any
        verdict: a rejected or disputed claim of a published incident (or of a record merged into one) is shown
        with its verdict, as the record of what the editors weighed. An aggregate claim (no incident) stands alone
        beside our counts, so only an accepted one is shown. For these readers the quote is read without any
        victim's name (`Claim.quote_for_reader`, conflict_tracker/redaction.py)."""
        if is_staff_member(user):
            return self
        return self._seen_with(self._incidents().evidence_visible_to(user))

    def of_visible_incident(self, user) -> "ClaimQuerySet":
        """`visible_to`, for the claims read with an incident the reader sees (the incident list, its stored
        renderings, the exports): the incident's licence was checked with the incident, so only whether the incident
        a claim is about is published is asked here (a claim cited across incidents stays hidden with its draft).
        The stored renderings are then the same whatever sources a deployment may pass on."""
        if is_staff_member(user):
            return self
        return self._seen_with(self._incidents().reported())

    def _incidents(self):
        return self.model._meta.get_field("incident").related_model.objects

    def _seen_with(self, incidents) -> "ClaimQuerySet":
        # EXISTS per claim (one index probe) rather than IN over every visible incident, which an OR keeps the
        # planner from turning into a join.
        visible = self.filter(
            Q(incident__isnull=True, review_status=ReviewStatus.ACCEPTED)
            | (~Q(review_status=ReviewStatus.PENDING) & Exists(incidents.filter(pk=OuterRef("incident_id"))))
        )
        return visible.annotate(withheld_names=names_digest())


@pghistory.track()
class Claim(models.Model):
    """What one document asserts: about one incident (who did it, how many were harmed) or, with no incident,
    an aggregate figure for actors over a period (ACLED: "more than 900 killed in 2024")."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="claims")
    incident = models.ForeignKey(
        "events.Incident", on_delete=models.PROTECT, related_name="claims", null=True, blank=True
    )
    quote = models.TextField(_("quote"), help_text=_("The document's own words."))
    attributed_actors = models.ManyToManyField(
        "actors.Actor",
        through="ClaimActor",
        related_name="attributed_claims",
        blank=True,
        verbose_name=_("actors held responsible"),
    )
    measure = models.CharField(
        _("measure"), max_length=20, choices=ClaimMeasure.choices, default=ClaimMeasure.CASUALTIES
    )
    harm = models.CharField(_("harm"), max_length=20, choices=Harm.choices, blank=True)
    victim_status = models.CharField(_("victim status"), max_length=10, choices=VictimStatus.choices, blank=True)
    property_kind = models.CharField(_("property"), max_length=20, choices=PropertyKind.choices, blank=True)
    property_harm = models.CharField(_("property harm"), max_length=10, choices=PropertyHarmKind.choices, blank=True)
    figure_qualifier = models.CharField(_("wording"), max_length=10, choices=FigureQualifier.choices, blank=True)
    figure_low = models.PositiveIntegerField(_("low"), null=True, blank=True)
    figure_best = models.PositiveIntegerField(_("best"), null=True, blank=True)
    figure_high = models.PositiveIntegerField(_("high"), null=True, blank=True)
    change_ratio = models.DecimalField(
        _("change ratio"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("For a change in activity: this period's level over the previous period's (2 = doubled)."),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    country = models.CharField(_("country"), max_length=3, blank=True, validators=[validate_country_code])
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["document__published_on", "id"]
        constraints = [
            not_greater(
                "claim_figure_low_lte_best",
                "figure_low",
                "figure_best",
                _("The low figure cannot exceed the best figure."),
                nullable=True,
            ),
            not_greater(
                "claim_figure_best_lte_high",
                "figure_best",
                "figure_high",
                _("The best figure cannot exceed the high figure."),
                nullable=True,
            ),
            not_greater(
                "claim_figure_low_lte_high",
                "figure_low",
                "figure_high",
                _("The low figure cannot exceed the high figure."),
                nullable=True,
            ),
            not_greater(
                "claim_period_ordered",
                "period_start",
                "period_end",
                _("The end of the period cannot come before its start."),
                nullable=True,
            ),
            models.CheckConstraint(
                condition=Q(change_ratio__isnull=True) | Q(change_ratio__gte=0),
                name="claim_change_ratio_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(review_status=ReviewStatus.PENDING, reviewed_by__isnull=True, reviewed_at__isnull=True)
                | (~Q(review_status=ReviewStatus.PENDING) & Q(reviewed_by__isnull=False, reviewed_at__isnull=False)),
                name="claim_review_recorded",
                violation_error_message=_("A reviewed claim records its reviewer and time; a pending one has neither."),
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{3}$"), name="claim_country_iso3"
            ),
        ]
        triggers = [
            # Evidence stays with the incident it was recorded for: moved, a draft's witness quote would be published
            # with another incident. The services never move a claim; this holds for every other path too.
            pgtrigger.Trigger(
                name="claim_incident_fixed",
                operation=pgtrigger.Update,
                when=pgtrigger.Before,
                condition=pgtrigger.Q(old__incident__df=pgtrigger.F("new__incident")),
                func="""
                RAISE EXCEPTION 'claim % cannot move from incident % to incident %', OLD.id, OLD.incident_id,
                    NEW.incident_id USING ERRCODE = 'check_violation';
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document}: {self.quote[:80]}"

    @property
    def quote_for_reader(self) -> str:
        """The quote as the reader may see it: victims' names withheld when the queryset that loaded the claim
        said to (`ClaimQuerySet.visible_to`, for readers who may not see identities)."""
        return public_text(self.quote, getattr(self, "withheld_names", None))

    @property
    def document_for_reader(self) -> Document:
        """The claim's document, its texts read as the claim's quote is: who may see a claim may see what it cites."""
        document = self.document
        if hasattr(self, "withheld_names"):
            document.withheld_names = self.withheld_names
        return document


@pghistory.track()
class ClaimActor(models.Model):
    """An actor that a claim holds responsible (or, for an aggregate claim, whose toll it gives)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="actor_links")
    actor = models.ForeignKey("actors.Actor", on_delete=models.PROTECT, related_name="claim_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "actor"], name="claim_actor_unique")]

    def __str__(self) -> str:
        return f"claim {self.claim_id} -> {self.actor_id}"
