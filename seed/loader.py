"""Loads the demo data into the configured database, idempotently: a second run changes no counts."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from maps.wards import WardIndex
from seed import people, registry
from seed.history import load_history
from seed.reviews import load_reviews
from server.audit.actions import Action
from server.audit.services import record
from server.auth.models import User
from server.auth.passwords import verify_password
from server.auth.services import UserIn, create_user, reset_password
from server.blobs import BlobStore, DirectoryBlobs
from server.calendar import local_today
from server.db import make_sessionmaker
from server.migrate import upgrade
from server.models import Base
from server.planning.models import Plan, PlanWardTarget, Team, TeamKind, TeamMember
from server.registry import REGISTRY_EPOCH, record_versions
from server.registry.models import Establishment
from server.wards.models import Ward

DATA = Path(__file__).parent / "data"
WARDS_FILE = DATA / "thanh-hoa-city-wards-2023.geojson"
#: The 2023 configuration: 30 phường + 4 xã since 1108/NQ-UBTVQH14, until the 2025 merger.
WARDS_VALID = (date(2021, 2, 1), date(2024, 12, 31))


def ward_collection() -> dict[str, Any]:
    return json.loads(WARDS_FILE.read_text(encoding="utf-8"))


async def load_wards(session: AsyncSession, collection: dict[str, Any]) -> dict[str, int]:
    existing = {w.code: w for w in await session.scalars(select(Ward).where(Ward.valid_from == WARDS_VALID[0]))}
    for feature in collection["features"]:
        p = feature["properties"]
        ward = existing.get(p["code"]) or Ward(code=p["code"], valid_from=WARDS_VALID[0])
        ward.name, ward.full_name, ward.kind = p["name"], p["full_name"], p["kind"]
        ward.geometry, ward.valid_to = feature["geometry"], WARDS_VALID[1]
        session.add(ward)
    await session.flush()
    return {w.code: w.id for w in await session.scalars(select(Ward).where(Ward.valid_from == WARDS_VALID[0]))}


async def load_users(session: AsyncSession, password: str, demos: list[people.DemoUser]) -> dict[str, int]:
    ids = {}
    for demo in demos:
        user = await session.scalar(select(User).where(User.username == demo.username))
        if user is None:
            user = await create_user(session, None, UserIn(username=demo.username, full_name=demo.full_name,
                                                           password=password, roles=list(demo.roles),
                                                           wards=list(demo.wards)))
        elif not verify_password(user.password_hash, password):
            await reset_password(session, None, user.id, password)
        ids[demo.username] = user.id
    return ids


async def load_team(session: AsyncSession, name: str, kind: TeamKind, members: dict[int, bool],
                    ward_id: int | None = None, base: tuple[float, float] | None = None) -> None:
    if await session.scalar(select(Team.id).where(Team.name == name)) is None:
        team = Team(name=name, kind=kind.value, ward_id=ward_id, base_lat=base[0] if base else None,
                    base_lon=base[1] if base else None)
        team.members = [TeamMember(user_id=u, is_lead=lead) for u, lead in members.items()]
        session.add(team)
        await session.flush()


async def load_plans(session: AsyncSession, ward_ids: dict[str, int]) -> None:
    """The 2023 plan and, like it, one for every year since, through the current one (the city sets one up
    each year; the demo must be alive today)."""
    for year in range(people.PLAN_YEAR, local_today().year + 1):
        if await session.scalar(select(Plan.id).where(Plan.year == year)) is not None:
            continue
        plan = Plan(year=year, title=people.PLAN_TITLE.replace(str(people.PLAN_YEAR), str(year)),
                    ward_target_ratio=0.8, city_team_target=35, starts_on=date(year, 1, 1),
                    ends_on=date(year, 12, 31), targets={})
        session.add(plan)
        await session.flush()
        session.add_all(PlanWardTarget(plan_id=plan.id, ward_id=w, target_ratio=0.8) for w in ward_ids.values())
        await session.flush()


async def load_registry(session: AsyncSession, index: WardIndex, ward_ids: dict[str, int]) -> int:
    known = set(await session.scalars(select(Establishment.business_reg_no)))
    added = 0
    for demo in registry.generate(index):
        if demo.business_reg_no in known:
            continue
        fields = asdict(demo)
        session.add(Establishment(ward_id=ward_ids[fields.pop("ward_code")], **fields))
        added += 1
    await session.flush()
    await record_versions(session, day=REGISTRY_EPOCH)  # the demo registry stands for years gone by
    return added


async def counts(session: AsyncSession) -> dict[str, int]:
    """Row counts of every table (the idempotency test compares two runs)."""
    out = {}
    for name, table in sorted(Base.metadata.tables.items()):
        out[name] = await session.scalar(select(func.count()).select_from(table)) or 0
    return out


async def load(engine: AsyncEngine, demo_password: str, data_dir: Path | None = None,
               blobs: BlobStore | None = None) -> dict[str, int]:
    """Migrate, then load wards, users, the teams, the 2023 plan, the registry and its history (with the
    evidence photos of its violations stored in ``blobs``, by default ``<data_dir>/blobs``; with neither,
    no violations)."""
    if blobs is None and data_dir is not None:
        blobs = DirectoryBlobs(data_dir / "blobs")
    await upgrade(engine)
    collection = ward_collection()
    index = WardIndex.from_geojson(collection)
    async with make_sessionmaker(engine)() as session, session.begin():
        ward_ids = await load_wards(session, collection)
        names = {f["properties"]["code"]: f["properties"]["full_name"] for f in collection["features"]}
        ward_teams = {code: people.ward_inspector(code, name) for code, name in names.items()}
        user_ids = await load_users(session, demo_password, [*people.USERS, *ward_teams.values()])
        await load_team(session, people.CITY_TEAM, TeamKind.CITY,
                        {user_ids[u]: lead for u, lead in people.CITY_TEAM_MEMBERS.items()},
                        base=people.CITY_TEAM_BASE)
        for code, demo in ward_teams.items():
            await load_team(session, demo.full_name, TeamKind.WARD, {user_ids[demo.username]: True},
                            ward_id=ward_ids[code])
        await load_plans(session, ward_ids)
        added = await load_registry(session, index, ward_ids)
        inspections = await load_history(session, "inspector1",
                                         {code: demo.username for code, demo in ward_teams.items()}, blobs)
        await load_reviews(session, "cityoffice", "inspector1")
        if added or inspections:
            await record(session, user_ids["admin"], Action.SEED_LOAD, "seed", "demo",
                         after={"establishments": added, "inspections": inspections})
    async with make_sessionmaker(engine)() as session:
        return await counts(session)
