"""The admin's view of webhook deliveries (failures first) and re-queueing."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.guards import requires
from server.identity import CurrentUser
from server.settings import Settings
from server.webhooks import services

admin_only = [requires(Role.ADMIN)]


@get("/api/v1/webhooks/deliveries", guards=admin_only, operation_id="webhookDeliveries", tags=["admin"])
async def api_deliveries(db: NamedDependency[AsyncSession], all: FromQuery[bool] = False) -> services.DeliveryPage:
    return await services.deliveries(db, problems_only=not all)


@post("/api/v1/webhooks/deliveries/{delivery_id:int}/requeue", guards=admin_only, operation_id="requeueWebhook",
      tags=["admin"], status_code=204)
async def api_requeue(delivery_id: FromPath[int], db: NamedDependency[AsyncSession],
                      user: NamedDependency[CurrentUser]) -> None:
    await services.requeue(db, user.id, delivery_id)


@get("/admin/webhooks", guards=admin_only, include_in_schema=False)
async def page(db: NamedDependency[AsyncSession], settings: NamedDependency[Settings],
               all: FromQuery[bool] = False) -> Template:
    return Template("admin_webhooks.html", context={
        "page": await services.deliveries(db, problems_only=not all), "all": all, "urls": settings.webhooks})


@post("/admin/webhooks/{delivery_id:int}/requeue", guards=admin_only, include_in_schema=False, status_code=303)
async def requeue_submit(delivery_id: FromPath[int], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> Redirect:
    await services.requeue(db, user.id, delivery_id)
    return Redirect("/admin/webhooks", status_code=303)


routes = [api_deliveries, api_requeue, page, requeue_submit]
