"""A small, hand-counted data set for one week, written through the ledger API (backdated afterwards), so
the report's every headline figure can be checked against numbers worked out by hand."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from activities import ledger
from models.ledger import Bucket
from tests.conftest import unique

TZ = "Asia/Shanghai"
YEAR = timedelta(days=365)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(TZ))


def backdate(conn, member: str, key: str, when: datetime) -> None:
    """Tests only: the ledger is append-only, so lift the trigger for this one update in this transaction."""
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    conn.execute(text("UPDATE journal_entry SET created_at = :t WHERE idempotency_key = :k AND member_id = :m"),
                 {"t": when, "k": key, "m": member})
    conn.execute(text("SET LOCAL session_replication_role = origin"))


def seed(conn, monday: date) -> dict[str, str]:
    m = {k: unique(k) for k in "ABCDEF"}
    d = [monday + timedelta(days=i) for i in range(7)]
    now = at(d[0], 12)

    def entry(key: str, member: str, when: datetime, fn, **kw) -> None:
        fn(conn, key=key, member_id=member, **kw)
        backdate(conn, member, key, when)

    A, B, C, D = m["A"], m["B"], m["C"], m["D"]
    entry(f"{A}/o1", A, at(d[0], 10), ledger.earn_pending, points=100, reference="o1")
    entry(f"{A}/o1c", A, at(d[1], 10), ledger.confirm_pending, points=100, reference="o1", now=now, lifetime=YEAR)
    entry(f"{B}/o2", B, at(d[0], 11), ledger.earn_pending, points=50, reference="o2")
    entry(f"{B}/o2r", B, at(d[2], 11), ledger.reverse_pending, points=50, reference="o2")
    grant = dict(now=now, lifetime=YEAR, source="campaign", reference="grant")
    entry(f"{A}/g1", A, at(d[1], 20), ledger.credit_available, points=30, kind="earn",
          detail={"rule_id": "r1", "trigger": "comment"}, **grant)
    entry(f"{C}/g1", C, at(d[2], 20), ledger.credit_available, points=20, kind="earn",
          detail={"rule_id": "r1", "trigger": "comment"}, **grant)
    entry(f"{C}/g2", C, at(d[2], 21), ledger.credit_available, points=10, kind="earn",
          detail={"rule_id": "r2", "trigger": "share"}, **grant)
    entry(f"{A}/x", A, at(d[3], 9), ledger.spend, points=40, kind="exchange", reference="gift")
    ledger.post_entry(conn, idempotency_key=f"{C}/exp", kind="expire", member_id=C, reference="lot",
                      movements=[ledger.Movement(C, Bucket.AVAILABLE, -5), ledger.Movement(C, Bucket.EXPIRED, 5)])
    ledger._consume_lots(conn, C, 5)  # as the expiry job does: open lots keep matching the available balance
    backdate(conn, C, f"{C}/exp", at(d[4], 3))
    # The week before: one grant, for week over week.
    entry(f"{D}/g0", D, at(d[0] - timedelta(days=3), 12), ledger.credit_available, points=7, kind="earn",
          detail={"rule_id": "r1", "trigger": "comment"}, **grant)

    orders = [  # id, member, goods, refunded, state, risk, paid
        ("o0", C, 4000, 0, "confirmed", "allow", at(d[0] - timedelta(days=30), 12)),
        ("o1", A, 10000, 0, "confirmed", "allow", at(d[0], 10)),
        ("o2", B, 5000, 5000, "reversed", "allow", at(d[0], 11)),
        ("o3", C, 3000, 0, "held", "hold", at(d[2], 12)),
        ("o4", m["E"], 2000, 0, "denied", "deny", at(d[3], 12)),
        ("o5", A, 999, 0, "rejected", "allow", at(d[3], 13)),
    ]
    for oid, member, goods, refunded, state, risk, paid in orders:
        conn.execute(text("""
            INSERT INTO settlement (order_id, member_id, room_id, state, goods_paid_fen, refunded_fen, risk_decision,
                                    risk_score, order_json, paid_at, confirm_due_at)
            VALUES (:o, :m, 'room', :s, :g, :r, :risk, 0, '{}', :t, :t)"""),
                     {"o": f"{A}-{oid}", "m": member, "s": state, "g": goods, "r": refunded, "risk": risk, "t": paid})
    for i, member in enumerate([A, B, C, m["F"]]):
        conn.execute(text("INSERT INTO room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at) "
                          "VALUES (:e, 'room', 'enter', :m, '', '', :t)"),
                     {"e": f"{A}-ev{i}", "m": member, "t": at(d[i], 9)})
    return m


def add_coupons(conn, m: dict[str, str], monday: date) -> None:
    """Four coupons in the coupon module's table; two used on orders, one given back by a full refund."""
    d = [monday + timedelta(days=i) for i in range(7)]
    A = m["A"]
    rows = [("k1", A, 500, d[0], "used", "o1", "redeemed", "exchange"),
            ("k2", m["B"], 1000, d[0], "available", "o2", "restored", "lottery"),
            ("k3", m["C"], 500, d[1], "expired", None, None, "exchange"),
            ("k4", m["E"], 1000, d[2], "used", "o4", "redeemed", "campaign:c1")]
    for code, member, value, day, status, order, state, source in rows:
        conn.execute(text("""
            INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                                issued_at, valid_from, valid_until)
            VALUES (:c, 'tpl', :m, :c, :src, 'room', :s, :v, :i, :i, :x)"""),
                     {"c": f"{A}-{code}", "m": member, "v": value, "i": at(day, 9), "x": at(d[5], 0), "s": status,
                      "src": source})
        if order:
            conn.execute(text("INSERT INTO order_coupon (order_id, code, state, member_id) VALUES (:o, :c, :s, :m)"),
                         {"o": f"{A}-{order}", "c": f"{A}-{code}", "s": state, "m": member})
