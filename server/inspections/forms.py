"""Form versions as the database keeps them: the exact definition every inspection was filled on."""

from __future__ import annotations

import functools

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.spec import FormDefinition
from server.errors import AppError, FieldError
from server.inspections.models import FormVersion


@functools.cache
def _file_sha256(form_id: str, version: int) -> str:
    """The hash of a definition file as loaded by this process (the files are read once per process)."""
    return registry.sha256(registry.get(form_id, version))


def definition_of(row: FormVersion) -> FormDefinition:
    return msgspec.convert(row.definition, FormDefinition)


async def stored_form(session: AsyncSession, form_id: str, version: int) -> tuple[FormVersion, FormDefinition]:
    """The stored version if an inspection used it already, else the file's, stored now.

    A stored version wins over the file: if the file of a used version was edited, the edit is refused
    (409) instead of silently changing what earlier inspections mean.
    """
    row = await session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                         FormVersion.version == version))
    try:
        definition = registry.get(form_id, version)
    except registry.FormNotFound:
        definition = None
    if row is not None:
        if definition is not None and _file_sha256(form_id, version) != row.sha256:
            raise AppError(409, "form_version_changed",
                           f"form {form_id} v{version} was changed after use; publish a new version")
        # the same bytes as the stored version: the file's (already decoded) definition is that version
        return row, definition if definition is not None else definition_of(row)
    if definition is None:
        raise AppError(422, "invalid", "unknown form version",
                       [FieldError("form_version", "unknown_form", f"no form {form_id} v{version}")])
    row = FormVersion(form_id=form_id, version=version, definition=msgspec.to_builtins(definition),
                      sha256=_file_sha256(form_id, version))
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # stored meanwhile by a concurrent submission
        row = await session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                             FormVersion.version == version))
        assert row is not None
    return row, definition
