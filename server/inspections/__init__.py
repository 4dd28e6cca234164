"""Form versions, the checks of a submitted record, the presence check, photo evidence, reading."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["BUSINESS", "PROPOSE_POINT", "Checked", "aware_time", "body_hash", "build_out", "check_body",
                 "get_inspection", "inspection_out", "parse_uuid", "proposal_of", "stored_fields"],
    "forms": ["current_forms", "store_form"],
    "schemas": ["FormSummary", "InspectionIn", "InspectionOut"],
    "presence": ["Flag"],
    "reading": ["form_version", "list_forms", "listing", "public_form"],
    "pages": ["PostedValues", "checklist_template"],
    "phone": ["answers_from_form", "body_from_form", "establishment_for_check", "form_for", "uploaded_photos"],
    "attachments": ["attach", "inspect_image"],
    "record": ["answer_text", "record_context"],
})
