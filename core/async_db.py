"""An asyncio psycopg connection pool per event loop, for the API's hottest path (the coupon claim
lane): no thread-pool hop and no ORM per request. Connections are in autocommit mode, so one
statement is one transaction; everything else keeps using core.db.transaction()."""

import asyncio

from psycopg_pool import AsyncConnectionPool

from core.settings import get_settings

# event loop -> the task opening its pool (requests arriving meanwhile await the same task)
_pools: dict[asyncio.AbstractEventLoop, asyncio.Task] = {}


async def _open() -> AsyncConnectionPool:
    settings = get_settings()
    pool = AsyncConnectionPool(settings.resolved_database_url(), min_size=1, max_size=settings.claim_pool_size,
                               kwargs={"autocommit": True}, open=False, name="claims")
    await pool.open(wait=True)
    return pool


async def async_pool() -> AsyncConnectionPool:
    loop = asyncio.get_running_loop()
    task = _pools.get(loop)
    if task is None or (task.done() and task.exception() is not None):
        task = _pools[loop] = loop.create_task(_open())
    return await task
