"""A simulated week of live-commerce activity, generated in SQL (generate_series), for the report's browser
test, its benchmark and the demo: rooms, room events, settled orders (with refunds and risk holds), and a
consistent ledger (orders' pending/confirm/reverse, campaign grants by rule and trigger, exchanges, expiry)
with maintained member balances and lots, plus one experiment with a holdout. Nothing row-by-row in Python.

Every id starts with `prefix`, so several simulations can share a database."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.experiments import BUCKET_SQL
from reports.queries.common import has_columns

RULES = [("rule-watch-5min", "watch_minutes"), ("rule-comment", "comment"), ("rule-share", "share"),
         ("rule-coupon-word", "host_command"), ("rule-rank-top10", "rank_update")]
EVENT_TYPES = ["heartbeat", "heartbeat", "heartbeat", "comment", "like", "like", "enter", "leave", "share"]


@dataclass
class Simulated:
    events: int
    orders: int
    members: int
    experiment_id: str


def _member(prefix: str, expr: str) -> str:
    return f"'{prefix}m' || lpad((({expr}) % :members)::text, 7, '0')"


def simulate_week(conn: Connection, *, prefix: str, start: datetime, events: int, orders: int, members: int,
                  rooms: int = 20, grants: int | None = None, experiment: bool = True) -> Simulated:
    grants = grants if grants is not None else max(orders // 2, 10)
    bind = {"p": prefix, "start": start, "events": events, "orders": orders, "members": members, "rooms": rooms,
            "grants": grants, "types": EVENT_TYPES, "rules": [r for r, _ in RULES], "trigs": [t for _, t in RULES]}
    conn.execute(text("INSERT INTO room (room_id, shop_id, host_id, title) SELECT :p || 'r' || i, 'shop', "
                      "'host' || i, 'Live room ' || i FROM generate_series(0, :rooms - 1) i"), bind)
    # Events spread evenly over 7 days; member and type from cheap arithmetic on the series number.
    conn.execute(text(f"""
        INSERT INTO room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at, received_at)
        SELECT :p || 'e' || lpad(i::text, 10, '0'), :p || 'r' || (i % :rooms),
               (CAST(:types AS text[]))[1 + (i * 31) % 9],
               {_member(prefix, 'i * 7919')}, 'dev' || (i * 7919) % :members, '10.0.0.1', t, t
        FROM generate_series(CAST(1 AS bigint), :events) i,
             LATERAL (SELECT CAST(:start AS timestamptz) + (i::float8 / :events) * interval '7 days') x(t)
        """), bind)
    # The experiment's holdout (20%) buys a third less: a real effect for the report to find.
    holdout_bucket = BUCKET_SQL.format(exp=f"'{prefix}exp-coupon-word'",
                                       member=_member(prefix, 'i * 104729 + (i % 7) * 13'))
    conn.execute(text(f"""
        INSERT INTO settlement (order_id, member_id, room_id, state, goods_paid_fen, refunded_fen, points_earned,
               risk_decision, risk_score, order_json, paid_at, confirm_due_at, confirmed_at)
        SELECT :p || 'o' || i, {_member(prefix, 'i * 104729 + (i % 7) * 13')}, :p || 'r' || (i % :rooms),
               CASE WHEN i % 193 = 0 THEN 'denied' WHEN i % 97 = 0 THEN 'held' WHEN i % 25 = 0 THEN 'reversed'
                    ELSE 'confirmed' END,
               g, CASE WHEN i % 25 = 0 THEN g ELSE 0 END, CASE WHEN i % 193 = 0 THEN 0 ELSE g / 100 END,
               CASE WHEN i % 193 = 0 THEN 'deny' WHEN i % 97 = 0 THEN 'hold' ELSE 'allow' END, 0,
               '{{}}'::jsonb, t, t + interval '7 days', t + interval '7 days'
        FROM generate_series(CAST(1 AS bigint), (:orders * 1.08)::bigint) i,
             LATERAL (SELECT 990 + (i * 7877) % 49000,
                             CAST(:start AS timestamptz) + (i::float8 / (:orders * 1.08)) * interval '7 days') x(g, t)
        WHERE i % 3 <> 0 OR {holdout_bucket} >= 0.2
        ORDER BY i LIMIT :orders
        """), bind)
    _ledger(conn, bind, prefix)
    _coupons(conn, bind, prefix)
    experiment_id = f"{prefix}exp-coupon-word"
    if not experiment:
        return Simulated(events=events, orders=orders, members=members, experiment_id="")
    conn.execute(text("""
        INSERT INTO experiment (experiment_id, rule_id, name, holdout_share, control, variants, starts_at)
        VALUES (:id, 'rule-coupon-word', '5 vs 10 yuan host-word coupon', 0.2, 'A 5 yuan',
                CAST(:variants AS jsonb), :start)"""),
                 {"id": experiment_id, "start": start, "variants":
                  '[{"name": "A 5 yuan", "share": 0.4, "params": {"coupon_fen": 500}},'
                  ' {"name": "B 10 yuan", "share": 0.4, "params": {"coupon_fen": 1000}}]'})
    return Simulated(events=events, orders=orders, members=members, experiment_id=experiment_id)


def _coupons(conn: Connection, bind: dict, prefix: str) -> None:
    """One coupon per four orders' worth, issued ten minutes before the order it may be used on; every third
    is used (order_coupon 'redeemed'), some expire. Skipped where the coupon module is not deployed."""
    if not has_columns(conn, "coupon", ["code", "face_value_fen", "source", "valid_until"]):
        return
    conn.execute(text(f"""
        INSERT INTO coupon (code, template_id, member_id, idempotency_key, source, room_id, status, face_value_fen,
                            issued_at, valid_from, valid_until, used_at, used_order_id)
        SELECT :p || 'k' || j, 'tpl-' || v, {_member(prefix, 'i * 104729 + (i % 7) * 13')}, :p || 'k' || j,
               (CAST(:sources AS text[]))[1 + j % 4], :p || 'r' || (i % :rooms),
               CASE WHEN j % 3 = 0 THEN 'used' WHEN j % 7 = 0 THEN 'expired' ELSE 'available' END, v,
               t - interval '10 minutes', t - interval '10 minutes', t + interval '2 days',
               CASE WHEN j % 3 = 0 THEN t END, CASE WHEN j % 3 = 0 THEN :p || 'o' || i END
        FROM generate_series(CAST(1 AS bigint), :orders / 4) j,
             LATERAL (SELECT j * 2, (ARRAY[500, 1000, 1000, 2000])[1 + j % 4]) x(i, v),
             LATERAL (SELECT CAST(:start AS timestamptz) + (i::float8 / :orders) * interval '7 days') y(t)
        """), {**bind, "sources": ["campaign:sim", "exchange", "campaign:sim", "lottery"]})
    conn.execute(text("""
        INSERT INTO order_coupon (order_id, code, state, member_id)
        SELECT c.used_order_id, c.code, 'redeemed', c.member_id FROM coupon c
        JOIN settlement s ON s.order_id = c.used_order_id
        WHERE c.code LIKE :p || 'k%' AND c.status = 'used'"""), bind)


def _ledger(conn: Connection, bind: dict, prefix: str) -> None:
    """Stage every movement, then write entries, postings, balances and lots set-wise."""
    conn.execute(text("DROP TABLE IF EXISTS sim_stage"))
    conn.execute(text("""
        CREATE TEMP TABLE sim_stage (key text, kind text, member_id text, reference text, detail jsonb,
                                     created_at timestamptz, points bigint, src text, dst text,
                                     id bigint DEFAULT nextval('journal_entry_id_seq')) ON COMMIT DROP"""))
    stage = "INSERT INTO sim_stage "
    orders = "FROM settlement WHERE order_id LIKE :p || 'o%' AND state <> 'denied'"
    conn.execute(text(stage + f"""
        SELECT order_id || '/earn', 'earn_pending', member_id, 'order:' || order_id, '{{}}', paid_at,
               points_earned, 'system:issued', 'pending' {orders} AND points_earned > 0"""), bind)
    conn.execute(text(stage + f"""
        SELECT order_id || '/confirm', 'confirm', member_id, 'order:' || order_id, '{{}}', paid_at + interval '1 hour',
               points_earned, 'pending', 'available' {orders} AND state = 'confirmed' AND points_earned > 0"""), bind)
    conn.execute(text(stage + f"""
        SELECT order_id || '/reverse', 'reverse_pending', member_id, 'order:' || order_id, '{{}}',
               paid_at + interval '2 hours', points_earned, 'pending', 'reversed'
        {orders} AND state = 'reversed' AND points_earned > 0"""), bind)
    # Campaign grants: the coupon-word rule skips the experiment's holdout (20%), like the campaign would.
    bucket = BUCKET_SQL.format(exp=f"'{prefix}exp-coupon-word'", member="m")
    conn.execute(text(stage + f"""
        SELECT :p || 'g' || i, 'earn', m, 'grant:' || i,
               jsonb_build_object('rule_id', (CAST(:rules AS text[]))[1 + i % 5],
                                  'trigger', (CAST(:trigs AS text[]))[1 + i % 5]),
               CAST(:start AS timestamptz) + (i::float8 / :grants) * interval '7 days', 5 + (i * 13) % 96,
               'system:issued', 'available'
        FROM generate_series(CAST(1 AS bigint), :grants) i, LATERAL (SELECT {_member(prefix, 'i * 6151')}) x(m)
        WHERE i % 5 <> 3 OR {bucket} >= 0.2"""), bind)
    # Exchanges and expiry take from members' own earlier grants, so balances stay sensible.
    conn.execute(text(stage + """
        SELECT key || '/exchange', 'exchange', member_id, 'exchange', '{}', created_at + interval '3 hours',
               points / 2 + 1, 'available', 'spent' FROM sim_stage WHERE kind = 'earn' AND reference LIKE 'grant:%'
               AND right(key, 1) IN ('1', '4', '7')"""))
    conn.execute(text(stage + """
        SELECT key || '/expire', 'expire', member_id, 'lot', '{}', created_at + interval '5 hours',
               1, 'available', 'expired' FROM sim_stage WHERE kind = 'earn' AND right(key, 2) = '09'"""))
    conn.execute(text("""
        INSERT INTO journal_entry (id, idempotency_key, kind, member_id, reference, detail, created_at)
        SELECT id, key, kind, member_id, reference, detail, created_at FROM sim_stage ORDER BY id"""))
    conn.execute(text("""
        INSERT INTO posting (entry_id, member_id, bucket, amount)
        SELECT s.id, CASE WHEN x.bucket LIKE 'system:%' THEN NULL ELSE s.member_id END, x.bucket, x.amount
        FROM sim_stage s,
             LATERAL (VALUES (s.src, -s.points), (s.dst, s.points)) x(bucket, amount)"""))
    conn.execute(text("""
        INSERT INTO member_balance AS b (member_id, pending, available, spent, expired, reversed)
        SELECT member_id,
               sum(CASE WHEN dst = 'pending' THEN points WHEN src = 'pending' THEN -points ELSE 0 END),
               sum(CASE WHEN dst = 'available' THEN points WHEN src = 'available' THEN -points ELSE 0 END),
               coalesce(sum(points) FILTER (WHERE dst = 'spent'), 0),
               coalesce(sum(points) FILTER (WHERE dst = 'expired'), 0),
               coalesce(sum(points) FILTER (WHERE dst = 'reversed'), 0)
        FROM sim_stage GROUP BY member_id
        ON CONFLICT (member_id) DO UPDATE SET pending = b.pending + EXCLUDED.pending,
            available = b.available + EXCLUDED.available, spent = b.spent + EXCLUDED.spent,
            expired = b.expired + EXCLUDED.expired, reversed = b.reversed + EXCLUDED.reversed"""))
    conn.execute(text("""
        INSERT INTO points_lot (member_id, entry_id, source, amount, remaining, earned_at, expires_at)
        SELECT b.member_id, e.id, 'simulated', b.available, b.available, :start, :start + interval '365 days'
        FROM member_balance b JOIN (SELECT member_id, min(id) AS id FROM sim_stage GROUP BY member_id) e
             ON e.member_id = b.member_id
        WHERE b.available > 0"""), bind)
