"""Form versions as the database keeps them: the exact definition every inspection was filled on."""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.registry import Registry
from forms.spec import FormDefinition
from server.db import engine_of
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.inspections.models import FormVersion


@functools.cache
def _file_sha256(form_id: str, version: int) -> str:
    """The hash of a definition file as loaded by this process (the files are read once per process)."""
    return registry.sha256(registry.get(form_id, version))


#: Per database: ids of stored versions found equal to this process's files (stored versions never change,
#: and the files are read once per process), so a submission on a known version needs no lookup.
_checked_ids: weakref.WeakKeyDictionary[Any, dict[tuple[str, int], int]] = weakref.WeakKeyDictionary()


def definition_of(row: FormVersion) -> FormDefinition:
    return msgspec.convert(row.definition, FormDefinition)


#: Per database: definitions of stored versions that no file has (published imports, removed files), by row id.
_stored_only: weakref.WeakKeyDictionary[Any, dict[int, FormDefinition]] = weakref.WeakKeyDictionary()


async def current_forms(session: AsyncSession) -> Registry:
    """Every version in force: the files' and those only the database keeps (an XLSForm published by the
    city office is stored as a version; the newest version of a form is what the phone gets)."""
    files = registry.default()
    cached = _stored_only.setdefault(engine_of(session), {})
    rows = (await session.execute(select(FormVersion.id, FormVersion.form_id, FormVersion.version))).all()
    stored = [row.id for row in rows if row.version not in files.versions(row.form_id)]
    missing = [row_id for row_id in stored if row_id not in cached]
    if missing:
        for row in (await session.scalars(select(FormVersion).where(FormVersion.id.in_(missing)))).all():
            cached[row.id] = definition_of(row)
    return Registry([*files, *(cached[row_id] for row_id in stored)])


@dataclass(frozen=True)
class FormRef:
    """A form version a submission names: its stored row if an inspection used it already, and its definition."""

    id: int | None
    form_id: str
    version: int
    definition: FormDefinition


async def find_form(session: AsyncSession, form_id: str, version: int) -> FormRef:
    """The stored version if an inspection used it already, else the file's (stored by ``store_form``).

    A stored version wins over the file: if the file of a used version was edited, the edit is refused
    (409) instead of silently changing what earlier inspections mean.
    """
    try:
        definition = registry.get(form_id, version)
    except registry.FormNotFound:
        definition = None
    known = _checked_ids.setdefault(engine_of(session), {})
    if definition is not None and (form_id, version) in known:
        return FormRef(known[form_id, version], form_id, version, definition)
    row = (await session.execute(select(FormVersion.id, FormVersion.sha256)
                                 .where(FormVersion.form_id == form_id, FormVersion.version == version))).first()
    if row is not None:
        if definition is None:  # the file is gone: the stored definition is the version
            stored = await session.get(FormVersion, row.id)
            assert stored is not None
            definition = definition_of(stored)
        elif _file_sha256(form_id, version) != row.sha256:
            changed = _("Mẫu {form} phiên bản {version} đã bị sửa sau khi dùng; hãy ban hành phiên bản mới.")
            raise AppError(409, "form_version_changed", changed.format(form=form_id, version=version))
        else:
            known[form_id, version] = row.id
        return FormRef(row.id, form_id, version, definition)
    if definition is None:
        raise AppError(422, "invalid", _("Phiên bản mẫu biên bản không tồn tại."),
                       [FieldError("form_version", "unknown_form", _("Không có mẫu {form} phiên bản {version}.").format(
                           form=form_id, version=version))])
    return FormRef(None, form_id, version, definition)


async def store_form(session: AsyncSession, form: FormRef) -> int:
    """The id of the stored version; on its first use it is stored now, in the caller's write transaction."""
    if form.id is not None:
        return form.id
    row = FormVersion(form_id=form.form_id, version=form.version, definition=msgspec.to_builtins(form.definition),
                      sha256=_file_sha256(form.form_id, form.version))
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # stored meanwhile by a concurrent submission
        stored = await session.scalar(select(FormVersion.id).where(FormVersion.form_id == form.form_id,
                                                                   FormVersion.version == form.version))
        assert stored is not None
        return stored
    return row.id
