"""Form definitions (data) and the pure form engine: specs, skip logic, validation, violations."""

from forms.check import check_definitions
from forms.engine import (
    ERROR_CODES,
    FieldError,
    InvalidAnswers,
    Result,
    Violation,
    flags,
    validate,
    violations,
)
from forms.kinds import KINDS
from forms.registry import (
    DefinitionError,
    FormNotFound,
    Registry,
    all_forms,
    canonical_json,
    for_type,
    get,
    sha256,
    to_public,
)
from forms.spec import ESTABLISHMENT_TYPES, Condition, FormDefinition, Label, Question, Sanction, Section

__all__ = [
    "ERROR_CODES",
    "ESTABLISHMENT_TYPES",
    "KINDS",
    "Condition",
    "DefinitionError",
    "FieldError",
    "FormDefinition",
    "FormNotFound",
    "InvalidAnswers",
    "Label",
    "Question",
    "Registry",
    "Result",
    "Sanction",
    "Section",
    "Violation",
    "all_forms",
    "canonical_json",
    "check_definitions",
    "flags",
    "for_type",
    "get",
    "sha256",
    "to_public",
    "validate",
    "violations",
]
