"""The FastAPI app. Run: uvicorn api.main:app (the dev stack does this)."""

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from api.claim_lane import ClaimLane
from api.contention import BUSY_DETAIL, BUSY_STATUS, RETRY_AFTER_S, RETRYABLE_SQLSTATES
from api.routes import (campaigns, coupon_templates, coupons, exchanges, members, notifications, orders, reports, risk,
                        rooms)
from core.async_db import async_pool
from core.gc_tuning import tune_gc
from core.temporal import connect
from domain.errors import BadInput, NotFound


class LiveperksAPI(FastAPI):
    def build_middleware_stack(self):
        # Coupon claims (POST /v1/coupons/issue) take a lean lane in front of the whole stack (see
        # api/claim_lane.py); everything else, and any claim the lane passes on, goes through FastAPI.
        return ClaimLane(super().build_middleware_stack())


@asynccontextmanager
async def lifespan(_: FastAPI):
    tune_gc()
    # Open the claim lane's connections before the first claim storm, not during it. Without a
    # database now the API still starts; the lane opens its pool on the first claim instead.
    try:
        await asyncio.wait_for(asyncio.shield(async_pool()), timeout=10)
    except Exception as error:  # noqa: BLE001
        logging.getLogger(__name__).warning("claim pool not opened at startup: %s", error)
    yield


app = LiveperksAPI(title="liveperks", version="0.1.0", lifespan=lifespan,
                   description="Points and coupons for live-commerce rooms. Every endpoint needs an API key "
                               "(`Authorization: Bearer lp_...`, created with `liveperks keys create`).")
app.include_router(orders.router)
app.include_router(members.router)
app.include_router(rooms.router)
app.include_router(campaigns.router)
app.include_router(notifications.router)
app.include_router(coupon_templates.router)
app.include_router(coupons.router)
app.include_router(exchanges.router)
app.include_router(reports.router)
app.include_router(risk.router)

_client_lock = asyncio.Lock()


async def _temporal():
    async with _client_lock:
        if getattr(app.state, "client", None) is None:
            app.state.client = await connect()
    return app.state.client


app.state.temporal = _temporal


@app.exception_handler(BadInput)
async def bad_input(_: Request, error: BadInput) -> JSONResponse:
    return JSONResponse(status_code=404 if isinstance(error, NotFound) else 422, content={"detail": str(error)})


@app.exception_handler(OperationalError)
async def contention(request: Request, error: OperationalError) -> JSONResponse:
    if getattr(error.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES:
        raise error
    return JSONResponse(status_code=BUSY_STATUS, headers={"Retry-After": RETRY_AFTER_S},
                        content={"detail": BUSY_DETAIL})


@app.get("/healthz", include_in_schema=False)
def healthz() -> dict:
    return {"ok": True}
