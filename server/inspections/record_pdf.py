"""The biên bản kiểm tra as a PDF (A4, fonts embedded, text extractable): the record's fields
(legal-research §3.2), each finding with its legal basis and fine range, the signatures, the photo appendix
with sha256, time and GPS point, the version, its content hash and a QR code of its verification URL.

HTML from ``record_pdf.html`` is laid out by WeasyPrint. Images reach WeasyPrint only through our own URL
scheme (``blob:<sha256>`` from the blob store); every other URL is refused, so nothing in a record can
make the server fetch anything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread
import segno
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from server import i18n
from server.blobs import BlobStore
from server.guards import STAFF, requires
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.inspections.record import answer_text, record_context
from server.inspections.services import get_inspection
from server.settings import Settings

BLOB = "blob:"
#: Who signs a record (legal-research §3.2 row 18): internal value → Vietnamese label.
SIGNER_ROLES = {"inspector": i18n.N_("Thành viên Đoàn kiểm tra"),
                "representative": i18n.N_("Người đại diện cơ sở"),
                "witness": i18n.N_("Người chứng kiến")}


def url_fetcher(blobs: BlobStore) -> Any:
    """WeasyPrint's fetcher: stored blobs by sha256, ``data:`` URIs (the QR code) and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class BlobFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith(BLOB):
                raise ValueError(f"refused URL {url[:80]!r}")
            # the store refuses any name but 64 lowercase hex digits
            return URLFetcherResponse(url, blobs.read_sync(url[len(BLOB):]))

    return BlobFetcher(allowed_protocols=("data", "blob"), allow_redirects=False, fail_on_errors=False)


def verification_url(base_url: str, content_hash: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{content_hash}"


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (medium error correction, survives a crease)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


async def pdf_context(session: AsyncSession, inspection: Inspection, blobs: BlobStore,
                      base_url: str) -> dict[str, Any]:
    """Everything the PDF template shows."""
    context = await record_context(session, inspection)
    url = verification_url(base_url, inspection.body_sha256)
    items = []
    for section in context["sections"]:
        items += [row for row in section["rows"] if row["question"].get("legal_basis") or row["violation"]]
    photos = [dict(p, stored=p["attachment"] is not None and await blobs.has(p["sha256"]))
              for p in context["photos"]]
    signatures = [dict(s, stored=await blobs.has(s["sha256"]),
                       signed_at=datetime.fromisoformat(s["signed_at"]))
                  for s in inspection.signatures or []]
    context.update(verify_url=url, qr=qr_svg(url), content_hash=inspection.body_sha256, photos=photos,
                   signatures=signatures, signer_roles=SIGNER_ROLES, checked_items=len(items),
                   answer_text=answer_text, lang=i18n.language.get(), blob=BLOB)
    return context


def render_pdf(html: str, blobs: BlobStore) -> bytes:
    """Lay out the HTML as PDF (CPU-bound: call it in a worker thread)."""
    from weasyprint import HTML  # imported on first use: it loads Pango and the fonts

    return HTML(string=html, url_fetcher=url_fetcher(blobs), base_url="blob:").write_pdf()


@get("/inspections/{uuid:str}/record.pdf", guards=[requires(*STAFF)], include_in_schema=False)
async def record_pdf(uuid: FromPath[str], request: Request, db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> Response[bytes]:
    """The record as PDF, within the same scope as the record page (another ward's is a 404)."""
    inspection = await get_inspection(db, user, uuid)
    context = await pdf_context(db, inspection, settings.blobs, str(request.base_url))
    html = request.app.template_engine.engine.get_template("record_pdf.html").render(**context)
    pdf = await anyio.to_thread.run_sync(render_pdf, html, settings.blobs)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="bien-ban-{inspection.uuid}.pdf"',
        "Cache-Control": "private, no-store"})


routes = [record_pdf]
