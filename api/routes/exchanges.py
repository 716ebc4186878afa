"""Spending points: operators define offers; members (or operators for them) exchange points."""

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, HTTPException, Response

from activities.exchange_offers import list_offers, upsert_offer
from activities.exchanges import exchange
from activities.rejections import record_rejection
from api.deps import member_reader, require
from core.db import transaction
from domain.coupons.errors import Refused
from domain.errors import BadInput, InsufficientPoints
from models.api_keys import Role
from models.exchange_api import ExchangeRequest, ExchangeResult, OfferSpec

router = APIRouter(prefix="/v1", tags=["exchanges"])


@router.post("/exchange-offers", response_model=OfferSpec, dependencies=[Depends(require(Role.OPERATOR))])
def put_offer(spec: OfferSpec) -> OfferSpec:
    """Create or update an offer: a coupon at a price, a lottery with prizes, a virtual gift, merchandise."""
    try:
        with transaction() as conn:
            upsert_offer(conn, spec)
    except BadInput as error:
        record_rejection(source="api:exchange-offers", reference=spec.id, reason=str(error),
                         payload=spec.model_dump(mode="json"))
        raise
    return spec


@router.get("/exchange-offers", response_model=list[dict], dependencies=[Depends(require(Role.OPERATOR,
                                                                                         Role.MEMBER_APP))])
def offers() -> list[dict]:
    """Every offer with its stock left, and lottery prizes with their stock."""
    with transaction() as conn:
        return list_offers(conn)


@router.post("/members/{member_id}/exchanges", response_model=ExchangeResult, status_code=201,
             dependencies=[Depends(member_reader)],
             responses={200: {"description": "this request_id was already applied: the first result"},
                        409: {"description": "refused, nothing changed: insufficient_points, out_of_stock, "
                                             "member_limit, unknown_offer, ..."}})
def exchange_points(member_id: str, req: ExchangeRequest, response: Response) -> ExchangeResult:
    """Spend points on an offer: one ledger debit plus the thing bought, atomically. A repeated
    request_id returns the first result and changes nothing."""
    try:
        with transaction() as conn:
            result = exchange(conn, member_id=member_id, req=req, now=datetime.now(timezone.utc))
    except (Refused, InsufficientPoints) as error:
        reason = getattr(error, "reason", "insufficient_points")
        raise HTTPException(409, {"reason": reason, "message": str(error)})
    except BadInput as error:
        record_rejection(source="api:exchanges", reference=member_id, reason=str(error),
                         payload=req.model_dump(mode="json"))
        raise
    response.status_code = 200 if result.already else 201
    return result
