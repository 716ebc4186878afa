"""Settlement activities: accept a paid order, apply a refund, confirm after the return window.

Each runs in one transaction and is idempotent by its ledger keys
(order:{id}:earn, order:{id}:refund:{refund_id}, order:{id}:confirm), so a
retried or replayed activity finds its work done and changes nothing.
"""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from temporalio import activity

from activities import coupon_seam, ledger
from activities.earning_rules import from_snapshot, load_rules, snapshot
from activities.rejections import refuse
from activities.settlement_store import load_settlement, order_from_row, save_new, save_refund
from core.db import transaction
from core.settings import get_settings
from domain.earning import campaign_bonus, order_points
from domain.errors import BadInput
from domain.orders import RefundedSoFar, check_order, combine, plan_refund, points_kept
from models.orders import SettlementState
from models.risk_base import Decision, GrantRequest
from models.settlement import AcceptOrderInput, AcceptResult, ConfirmInput, ConfirmResult, RefundInput, RefundResult
from risk.scorer import get_scorer


@activity.defn(name="accept_order")
def accept_order(inp: AcceptOrderInput) -> AcceptResult:
    order, settings = inp.order, get_settings()
    try:
        checked = check_order(order, now=datetime.now(timezone.utc), max_amount_fen=settings.max_order_amount_fen)
    except BadInput as error:
        raise refuse(error, source="settlement", reference=order.order_id, payload=order.model_dump(mode="json"))
    due = checked.paid_at + timedelta(seconds=inp.return_window_seconds)
    with transaction() as conn:
        existing = load_settlement(conn, order.order_id, lock=True)
        if existing is not None:
            return AcceptResult(state=existing.state, points=existing.points_earned,
                                confirm_due_at=existing.confirm_due_at, risk_decision=existing.risk_decision,
                                already_applied=True)
        rules = load_rules(conn, room_id=checked.room_id, at=checked.paid_at)
        points = order_points(list(checked.lines), checked.goods_paid_fen, rules, room_id=checked.room_id,
                              paid_at=checked.paid_at)
        verdict = get_scorer().score(conn, [GrantRequest(
            kind="order_points", member_id=checked.member_id, device_id=order.device_id, ip=order.ip,
            room_id=checked.room_id, value=points, reference=f"order:{order.order_id}")])[0]
        state = SettlementState.DENIED if verdict.decision == Decision.DENY else (
            SettlementState.HELD if verdict.decision == Decision.HOLD else SettlementState.PENDING)
        if state == SettlementState.DENIED:
            points = 0
        if points > 0:
            ledger.earn_pending(conn, key=f"order:{order.order_id}:earn", member_id=checked.member_id, points=points,
                                reference=f"order:{order.order_id}")
        coupon_seam.redeem_for_order(conn, order_id=order.order_id, member_id=checked.member_id,
                                     codes=order.coupons_used, paid_at=checked.paid_at)
        bonus = 0 if points == 0 else campaign_bonus(points, list(checked.lines), checked.goods_paid_fen, rules,
                                                     room_id=checked.room_id, paid_at=checked.paid_at)
        snap = snapshot(rules, skus=[line.sku for line in checked.lines],
                        categories={line.sku: line.category for line in checked.lines}, room_id=checked.room_id,
                        at=checked.paid_at, campaign_bonus=bonus)
        save_new(conn, order=order, checked=checked, state=state, points=points, verdict=verdict, rules=snap,
                 confirm_due_at=due)
    return AcceptResult(state=state, points=points, confirm_due_at=due, risk_decision=verdict.decision)


@activity.defn(name="apply_refund")
def apply_refund(inp: RefundInput) -> RefundResult:
    payload = inp.model_dump(mode="json")
    try:
        with transaction() as conn:
            return _apply_refund(conn, inp)
    except BadInput as error:
        raise refuse(error, source="refund", reference=inp.order_id, payload=payload)


def _apply_refund(conn, inp: RefundInput) -> RefundResult:
    row = load_settlement(conn, inp.order_id, lock=True)
    if row is None:
        raise BadInput(f"unknown order {inp.order_id}")
    done = conn.execute(text("SELECT amount_fen, points_reversed, points_forgiven FROM order_refund "
                             "WHERE order_id = :o AND refund_id = :r"),
                        {"o": inp.order_id, "r": inp.refund.refund_id}).first()
    if done is not None:
        return RefundResult(refund_id=inp.refund.refund_id, amount_fen=done[0], points_reversed=done[1],
                            points_forgiven=done[2], state=row.state, total_points_reversed=row.points_reversed,
                            total_refunded_fen=row.refunded_fen, already_applied=True)
    checked = order_from_row(row)
    so_far = RefundedSoFar(row.refunded_fen, dict(row.refunded_units))
    this = plan_refund(checked, so_far, inp.refund)
    after = combine(so_far, this)
    fully = after.fen >= checked.amount_paid_fen
    kept = 0 if fully else points_kept(checked, after, from_snapshot(row.rules))
    credited = row.points_earned - row.points_reversed
    reverse = max(0, credited - kept)
    forgiven = 0
    key = f"order:{inp.order_id}:refund:{inp.refund.refund_id}"
    after_confirmation = row.state == SettlementState.CONFIRMED
    if reverse and after_confirmation:
        _, forgiven = ledger.reverse_available(conn, key=key, member_id=row.member_id, points=reverse,
                                               reference=f"order:{inp.order_id}", policy=get_settings().refund_policy)
    elif reverse:
        ledger.reverse_pending(conn, key=key, member_id=row.member_id, points=reverse,
                               reference=f"order:{inp.order_id}")
    state = SettlementState.REVERSED if fully else row.state
    coupon_seam.restore_for_refund(conn, order_id=inp.order_id, fully_refunded=fully)
    save_refund(conn, order_id=inp.order_id, refund_id=inp.refund.refund_id, this=this, after=after,
                points_reversed=reverse, points_forgiven=forgiven, after_confirmation=after_confirmation, state=state)
    return RefundResult(refund_id=inp.refund.refund_id, amount_fen=this.fen, points_reversed=reverse,
                        points_forgiven=forgiven, state=state, total_points_reversed=row.points_reversed + reverse,
                        total_refunded_fen=after.fen)


@activity.defn(name="confirm_order")
def confirm_order(inp: ConfirmInput) -> ConfirmResult:
    settings = get_settings()
    with transaction() as conn:
        row = load_settlement(conn, inp.order_id, lock=True)
        if row is None:
            raise refuse(BadInput(f"unknown order {inp.order_id}"), source="confirm", reference=inp.order_id,
                         payload=inp.model_dump(mode="json"))
        if row.state not in (SettlementState.PENDING, SettlementState.HELD):
            return ConfirmResult(state=row.state, points_confirmed=0)
        points = row.points_earned - row.points_reversed
        now = datetime.now(timezone.utc)
        if points > 0:
            ledger.confirm_pending(conn, key=f"order:{inp.order_id}:confirm", member_id=row.member_id, points=points,
                                   reference=f"order:{inp.order_id}", now=now,
                                   lifetime=timedelta(days=settings.points_lifetime_days))
        conn.execute(text("UPDATE settlement SET state = 'confirmed', confirmed_at = :now, updated_at = :now "
                          "WHERE order_id = :o"), {"o": inp.order_id, "now": now})
    return ConfirmResult(state=SettlementState.CONFIRMED, points_confirmed=points)
