"""Checklist versions as XLSForm: export (the conversion itself is `forms.xlsform`), and an uploaded XLSForm
read into a draft of a form's next version, which the city office then publishes."""

from __future__ import annotations

import hashlib

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from forms.registry import sha256
from forms.spec import FormDefinition
from forms.xlsform import to_xform, to_xlsx
from forms.xlsform_import import Problem, Refused, read_xlsform
from server.audit import Action, record
from server.auth.models import User
from server.db import utcnow
from server.errors import AppError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import current_forms, form_version
from server.inspections.models import FormVersion
from server.registry import check_upload
from server.xlsform.models import FormImport
from server.xlsform.report import refusal
from server.xlsform.schemas import FormImportOut


async def xlsform_of(session: AsyncSession, form_id: str, version: int | None) -> tuple[bytes, int]:
    """The XLSForm of a version (the newest unless given) and the version number."""
    definition = await form_version(session, form_id, version)
    return to_xlsx(definition), definition.version


async def xform_of(session: AsyncSession, form_id: str, version: int | None) -> tuple[str, int]:
    """The XForm of a version (the newest unless given), as ODK Collect and Enketo read it."""
    definition = await form_version(session, form_id, version)
    return to_xform(definition), definition.version


def definition_of(row: FormImport) -> FormDefinition:
    return msgspec.convert(row.definition, FormDefinition)


async def import_xlsform(session: AsyncSession, user: CurrentUser, filename: str, content: bytes) -> FormImport:
    """Read an upload into a draft of its form's next version; 422 with every problem, nothing written.

    The upload limits of every spreadsheet (``server.registry.check_upload``: zip bombs, too many rows or
    cells) are checked here, before openpyxl or pyxform inflate anything, so no caller can skip them."""
    check_upload(content)
    try:
        definition = read_xlsform(content)
    except Refused as refused:
        raise refusal(refused.problems) from None
    forms = await current_forms(session)
    versions = forms.versions(definition.id)
    if not versions:
        raise refusal([Problem("settings", 2, "form_id", "bad_form_id", {"name": definition.id})])
    definition = msgspec.structs.replace(definition, version=versions[-1] + 1)
    row = FormImport(form_id=definition.id, version=definition.version, definition=msgspec.to_builtins(definition),
                     sha256=sha256(definition), filename=filename[:255],
                     file_sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user.id)
    session.add(row)
    await session.flush()
    await record(session, user.id, Action.FORM_IMPORT, "form_import", row.id, after={
        "form_id": row.form_id, "version": row.version, "sha256": row.sha256, "file_sha256": row.file_sha256,
        "filename": row.filename})
    return row


async def get_import(session: AsyncSession, import_id: int) -> FormImport:
    row = await session.get(FormImport, import_id)
    if row is None:
        raise not_found()
    return row


_UPLOADER, _PUBLISHER = aliased(User), aliased(User)
_VIEW = (select(FormImport, _UPLOADER.username, _PUBLISHER.username)
         .join(_UPLOADER, _UPLOADER.id == FormImport.uploaded_by)
         .outerjoin(_PUBLISHER, _PUBLISHER.id == FormImport.published_by))


def _out(row: FormImport, uploader: str, publisher: str | None) -> FormImportOut:
    definition = definition_of(row)
    return FormImportOut(
        id=row.id, form_id=row.form_id, version=row.version, filename=row.filename, sha256=row.sha256,
        uploaded_by=uploader, uploaded_at=row.uploaded_at, published_by=publisher, published_at=row.published_at,
        sections=len(definition.sections), questions=len(definition.questions()), items=len(definition.items()),
        preview_url=f"/forms/xlsform/{row.id}", publish_url=f"/api/v1/forms/xlsform/{row.id}/publish")


async def view(session: AsyncSession, import_id: int) -> FormImportOut:
    """An upload with the logins of who uploaded and published it."""
    found = (await session.execute(_VIEW.where(FormImport.id == import_id))).first()
    if found is None:
        raise not_found()
    return _out(*found)


async def list_imports(session: AsyncSession) -> list[FormImportOut]:
    """Every upload, newest first."""
    return [_out(*found) for found in (await session.execute(_VIEW.order_by(FormImport.id.desc()).limit(200))).all()]


async def publish(session: AsyncSession, user: CurrentUser, import_id: int) -> FormImport:
    """Store the draft as its form's version; phones get it from now on. A version published meanwhile by
    another upload makes this draft stale (409: upload it again)."""
    row = await get_import(session, import_id)
    if row.published_at is not None:
        raise AppError(409, "already_published", _("Phiên bản này đã được ban hành."))
    forms = await current_forms(session)
    if forms.versions(row.form_id)[-1] >= row.version:
        raise AppError(409, "stale_draft", _("Đã có phiên bản mới hơn được ban hành sau khi tải tệp này lên; hãy "
                                             "tải tệp lên lại."))
    try:
        async with session.begin_nested():
            session.add(FormVersion(form_id=row.form_id, version=row.version, definition=row.definition,
                                    sha256=row.sha256))
    except IntegrityError:
        raise AppError(409, "stale_draft", _("Đã có phiên bản mới hơn được ban hành sau khi tải tệp này lên; hãy "
                                             "tải tệp lên lại.")) from None
    row.published_at, row.published_by = utcnow(), user.id
    await record(session, user.id, Action.FORM_PUBLISH, "form", f"{row.form_id}.v{row.version}", after={
        "import_id": row.id, "sha256": row.sha256})
    return row
