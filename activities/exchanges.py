"""A member spends points on an offer: one ledger debit plus the thing bought, in one transaction.

The debit goes first, keyed exchange:{member}:{request_id}: it locks the member's balance, so
a repeated request waits for the first, finds its journal entry and returns the first result.
Stock is taken with conditional UPDATEs after the debit; any refusal (insufficient points, out of
stock, coupon limit) raises and the whole transaction rolls back: nothing half-applied.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities import ledger
from activities.coupon_issue import issue_coupon
from domain.coupons.errors import Refused
from domain.coupons.lottery import Prize, draw, new_seed
from domain.errors import BadInput
from models.exchange_api import ExchangeRequest, ExchangeResult
from models.exchanges import OfferKind


_TAKE_PRIZE = text("UPDATE lottery_prize SET stock_left = stock_left - 1 WHERE offer_id = :o AND prize_id = :p "
                   "AND (stock_left IS NULL OR stock_left > 0) RETURNING prize_id")


def exchange_key(member_id: str, request_id: str) -> str:
    return f"exchange:{member_id}:{request_id}"


def find_exchange(conn: Connection, key: str) -> ExchangeResult | None:
    row = conn.execute(text("SELECT e.*, p.name AS prize_name FROM exchange e LEFT JOIN lottery_prize p "
                            "ON p.offer_id = e.offer_id AND p.prize_id = e.prize_id WHERE e.idempotency_key = :k"),
                       {"k": key}).mappings().first()
    if row is None:
        return None
    return ExchangeResult(exchange_id=row["id"], already=True, offer_id=row["offer_id"], kind=row["kind"],
                          points=row["points"], coupon_code=row["coupon_code"], prize_id=row["prize_id"],
                          prize_name=row["prize_name"], seed=row["seed"], room_id=row["room_id"],
                          host_id=row["host_id"], created_at=row["created_at"])


def exchange(conn: Connection, *, member_id: str, req: ExchangeRequest, now: datetime) -> ExchangeResult:
    key = exchange_key(member_id, req.request_id)
    if (seen := find_exchange(conn, key)) is not None:
        return seen
    offer = conn.execute(text("SELECT * FROM exchange_offer WHERE id = :id"), {"id": req.offer_id}).mappings().first()
    if offer is None or not offer["active"]:
        raise Refused("unknown_offer", f"offer {req.offer_id!r} does not exist or is not active")
    room_id, host_id = _gift_target(conn, req) if offer["kind"] == OfferKind.GIFT else (None, None)
    posted = ledger.spend(conn, key=key, member_id=member_id, points=offer["price_points"], kind="exchange",
                          reference=f"offer:{offer['id']}", detail={"kind": offer["kind"]})
    if not posted.applied:  # the same request won a race and committed while we waited on the balance lock
        return find_exchange(conn, key)
    took = conn.execute(text("UPDATE exchange_offer SET stock_left = stock_left - 1 WHERE id = :id "
                             "AND (stock_left IS NULL OR stock_left > 0) RETURNING id"), {"id": offer["id"]}).first()
    if took is None:
        raise Refused("out_of_stock", f"offer {offer['id']} is out of stock")
    bought: dict = {"coupon_code": None, "prize_id": None, "seed": None}
    if offer["kind"] == OfferKind.COUPON:
        bought["coupon_code"] = _coupon(conn, offer["template_id"], member_id, key, now)
    elif offer["kind"] == OfferKind.LOTTERY:
        bought.update(_lottery(conn, offer["id"], member_id, key, now))
    row = conn.execute(text("""
        INSERT INTO exchange (idempotency_key, member_id, offer_id, kind, points, entry_id, coupon_code, prize_id, seed,
                              room_id, host_id, created_at)
        VALUES (:k, :m, :o, :kind, :p, :e, :code, :prize, :seed, :room, :host, :now) RETURNING id"""),
        {"k": key, "m": member_id, "o": offer["id"], "kind": offer["kind"], "p": offer["price_points"],
         "e": posted.entry_id, "code": bought["coupon_code"], "prize": bought["prize_id"], "seed": bought["seed"],
         "room": room_id, "host": host_id, "now": now}).scalar_one()
    result = find_exchange(conn, key)
    return result.model_copy(update={"already": False, "exchange_id": row})


def _gift_target(conn: Connection, req: ExchangeRequest) -> tuple[str, str]:
    if not req.room_id:
        raise BadInput("a gift needs room_id (the room it is sent in)")
    host = req.host_id or conn.execute(text("SELECT host_id FROM room WHERE room_id = :r"), {"r": req.room_id}).scalar()
    if not host:
        raise BadInput(f"room {req.room_id} has no known host: give host_id")
    return req.room_id, host


def _coupon(conn: Connection, template_id: str, member_id: str, key: str, now: datetime) -> str:
    outcome = issue_coupon(conn, template_id=template_id, member_id=member_id, idempotency_key=key,
                           source="exchange", now=now)
    if outcome.coupon_code is None:
        raise Refused(outcome.reason or "not_issued", f"coupon {template_id} cannot be issued: {outcome.reason}")
    return outcome.coupon_code


def _lottery(conn: Connection, offer_id: str, member_id: str, key: str, now: datetime) -> dict:
    """Draw with a fresh seed (recorded). A drawn prize that is out of stock becomes 'no prize'."""
    prizes = conn.execute(text("SELECT prize_id, weight_ppm, template_id FROM lottery_prize WHERE offer_id = :o"),
                          {"o": offer_id}).all()
    seed = new_seed()
    won = draw([Prize(p[0], p[1]) for p in prizes], seed)
    if won is not None and conn.execute(_TAKE_PRIZE, {"o": offer_id, "p": won}).first() is None:
        won = None
    code = None
    template_id = next((p[2] for p in prizes if p[0] == won), None)
    if template_id:
        code = issue_coupon(conn, template_id=template_id, member_id=member_id, idempotency_key=key,
                            source="lottery", now=now).coupon_code
        won = won if code else None  # the prize coupon ran out (or the member hit its limit): no prize
    return {"prize_id": won, "seed": seed, "coupon_code": code}
