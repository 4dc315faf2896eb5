"""Every write to an incident and its parts: creation, edits with the version check, and the workflow.

Each function runs in one transaction and one pghistory context, so all the rows it changes form one
revision that records who did it and why.

Where each part lives: `incidents` creates, edits and reverts an incident (with the version check); `parts` holds
the dataclasses an incident's parts travel in and writes them; `claims` writes and reviews the claims that are an
incident's evidence; `evidence` saves an incident with the evidence entered alongside it; `workflow` moves an
incident through submit, return, reopen, publish and retract; `merges` writes the one incident counting the records
of one event; `codes` reserves incident codes.
"""

from .claims import CLAIM_EDITABLE_FIELDS, claim_create, claim_editable_by, claim_review, claim_update
from .codes import incident_codes_reserve
from .evidence import EvidenceData, incident_save_with_evidence
from .incidents import (
    ANNOUNCED,
    EDITABLE_FIELDS,
    incident_create,
    incident_editable_by,
    incident_require_editable,
    incident_revert,
    incident_update,
)
from .merges import incident_merge_release, incident_merge_write
from .parts import (
    CASUALTY_COLUMNS,
    PARTICIPANT_COLUMNS,
    PROPERTY_HARM_COLUMNS,
    VICTIM_COLUMNS,
    CasualtyData,
    IncidentParts,
    ParticipantData,
    PropertyHarmData,
    VictimData,
)
from .workflow import (
    incident_publish,
    incident_reopen,
    incident_retract,
    incident_return,
    incident_submit,
    incident_submittable_by,
)

__all__ = [
    "ANNOUNCED",
    "CASUALTY_COLUMNS",
    "CLAIM_EDITABLE_FIELDS",
    "EDITABLE_FIELDS",
    "PARTICIPANT_COLUMNS",
    "PROPERTY_HARM_COLUMNS",
    "VICTIM_COLUMNS",
    "CasualtyData",
    "EvidenceData",
    "IncidentParts",
    "ParticipantData",
    "PropertyHarmData",
    "VictimData",
    "claim_create",
    "claim_editable_by",
    "claim_review",
    "claim_update",
    "incident_codes_reserve",
    "incident_create",
    "incident_editable_by",
    "incident_require_editable",
    "incident_merge_release",
    "incident_merge_write",
    "incident_publish",
    "incident_reopen",
    "incident_retract",
    "incident_return",
    "incident_revert",
    "incident_save_with_evidence",
    "incident_submit",
    "incident_submittable_by",
    "incident_update",
]
