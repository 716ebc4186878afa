"""Issuing coupons, a member's coupons and notices, and checkout validation."""

from datetime import datetime, timezone

from fastapi import APIRouter, Depends, Query, Response

from activities.coupon_issue import issue_coupon
from activities.rejections import record_rejection
from api.claim_lane import status_of
from api.deps import member_reader, require
from core.db import transaction
from domain.errors import BadInput
from domain.money import to_yuan
from models.api_keys import Role
from models.checkout import CheckoutRequest, CheckoutResult
from models.coupon_api import CouponPublic, IssueRequest, IssueResponse
from models.coupons import CouponStatus
from models.notices import NoticePublic
from queries.checkout import validate_checkout
from queries.coupons import member_coupons
from queries.notices import member_notices

router = APIRouter(prefix="/v1", tags=["coupons"])


@router.post("/coupons/issue", response_model=IssueResponse, status_code=201,
             dependencies=[Depends(require(Role.OPERATOR, Role.ORDER_SYSTEM))],
             responses={200: {"description": "this idempotency key was already used: the first coupon"},
                        409: {"description": "not issued: reason out_of_stock, member_limit, budget_exhausted, "
                                             "template_inactive or unknown_template"}})
def issue(req: IssueRequest, response: Response) -> IssueResponse:
    """Issue one coupon of a template to a member. Stock, budget and per-member limits hold under any
    concurrency; a repeated idempotency_key returns the first coupon and changes nothing.
    (Well-formed requests with a valid key are answered by the claim lane, api/claim_lane.py, with
    the same models and the same SQL function; this route answers the rest.)"""
    with transaction() as conn:
        out = issue_coupon(conn, template_id=req.template_id, member_id=req.member_id,
                           idempotency_key=req.idempotency_key, source=req.source, now=datetime.now(timezone.utc),
                           room_id=req.room_id, session_ends_at=req.session_ends_at)
    response.status_code = status_of(out)
    return IssueResponse(issued=out.issued, already=out.already, coupon_code=out.coupon_code,
                         face_value=to_yuan(out.face_value_fen), reason=out.reason)


@router.get("/members/{member_id}/coupons", response_model=list[CouponPublic], dependencies=[Depends(member_reader)])
def coupons_of(member_id: str, status: CouponStatus | None = Query(None, description="available, used, expired"),
               limit: int = Query(200, ge=1, le=1000)) -> list[CouponPublic]:
    """The member's coupons, newest first."""
    with transaction() as conn:
        return member_coupons(conn, member_id, status.value if status else None, limit)


@router.get("/members/{member_id}/notices", response_model=list[NoticePublic], dependencies=[Depends(member_reader)])
def notices_of(member_id: str, limit: int = Query(50, ge=1, le=500)) -> list[NoticePublic]:
    """Messages for the member, newest first (e.g. points about to expire)."""
    with transaction() as conn:
        return member_notices(conn, member_id, limit)


@router.post("/checkout/validate", response_model=CheckoutResult,
             dependencies=[Depends(require(Role.ORDER_SYSTEM, Role.OPERATOR))])
def checkout_validate(req: CheckoutRequest) -> CheckoutResult:
    """For each coupon code: the discount it gives on its own or why not (expired, not_yet_valid,
    scope_mismatch, threshold_not_met, already_used, not_this_member, not_stackable, unknown_code);
    plus the best combination. Read-only: redemption happens when the order is paid."""
    try:
        with transaction() as conn:
            return validate_checkout(conn, req)
    except BadInput as error:
        record_rejection(source="api:checkout", reference=req.member_id, reason=str(error),
                         payload=req.model_dump(mode="json"))
        raise
