"""Member app: my points and my points history."""

from fastapi import APIRouter, Depends, Query

from api.deps import member_reader
from core.db import transaction
from models.ledger import BalancesPublic, HistoryPage
from queries import points

router = APIRouter(prefix="/v1/members", tags=["members"])


@router.get("/{member_id}/points", response_model=BalancesPublic, dependencies=[Depends(member_reader)])
def get_points(member_id: str) -> BalancesPublic:
    """Balances by bucket (pending, available, spent, expired, reversed) and the next expiry."""
    with transaction() as conn:
        return points.balances(conn, member_id)


@router.get("/{member_id}/points/history", response_model=HistoryPage, dependencies=[Depends(member_reader)])
def get_history(member_id: str, cursor: int | None = Query(None, description="next_cursor of the previous page"),
                limit: int = Query(50, ge=1, le=500)) -> HistoryPage:
    """Newest first; each item is one journal entry with the member's bucket changes."""
    with transaction() as conn:
        return points.history(conn, member_id, before=cursor, limit=limit)
