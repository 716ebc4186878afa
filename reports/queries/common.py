"""Shared pieces of report queries: the period's bind parameters, optional tables, per-period temp tables."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.quarter_marks import on_quarter
from domain.report_period import Period

# Ledger kinds that belong to orders; any other kind that issues or spends points is a member activity
# (campaign grant, exchange, lottery), which is what makes a viewer a "participant".
ORDER_KINDS = ("earn_pending", "confirm", "reverse_pending", "reverse_available", "expire")


def params(p: Period, members: "Members" = None) -> dict:
    lo, hi = members or (None, None)
    return {"start": p.start, "end": p.end, "tz": p.timezone, "m_lo": lo, "m_hi": hi}


# A slice of the member space, [lo, hi) by member_id, None = unbounded; rows without a member go with the slice
# that has no lower bound. The per-member sections can run on two connections, one slice each, and add up.
Members = tuple[str | None, str | None] | None


def in_slice(column: str, members: Members) -> str:
    """SQL condition: `column` lies in the slice (binds :m_lo / :m_hi from params)."""
    lo, hi = members or (None, None)
    parts = ([f"{column} >= :m_lo"] if lo is not None else []) + \
            ([f"({column} < :m_hi OR {column} IS NULL)"] if hi is not None else [])
    return " AND ".join(parts) or "TRUE"


def has_columns(conn: Connection, table: str, columns: list[str]) -> bool:
    """True when `table` exists (in the search path) with every one of `columns`: sections built on
    tables of other modules say "no data yet" instead of failing before those modules are deployed."""
    found = conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
        "AND table_schema = ANY (current_schemas(true))"), {"t": table}).scalars().all()
    return bool(found) and set(columns) <= set(found)


# Ledger entries name their campaign rule in detail: "rule" (campaign module) or "rule_id".
RULE_OF_ENTRY = "coalesce(e.detail->>'rule_id', e.detail->>'rule')"


def rule_triggers(conn: Connection) -> None:
    """rpt_rule_trigger(rule_id, trigger): each campaign rule's trigger type from the campaign specs, and
    rpt_coupon_rule(code, rule_id, trigger): which rule granted which coupon. Empty before campaigns exist."""
    conn.execute(text("DROP TABLE IF EXISTS rpt_rule_trigger, rpt_coupon_rule"))
    if has_columns(conn, "campaign", ["spec"]):
        conn.execute(text("""
            CREATE TEMP TABLE rpt_rule_trigger AS
            SELECT DISTINCT ON (r->>'id') r->>'id' AS rule_id, r->'trigger'->>'type' AS trigger
            FROM campaign c, jsonb_array_elements(c.spec->'rules') r ORDER BY r->>'id', c.updated_at DESC"""))
    else:
        conn.execute(text("CREATE TEMP TABLE rpt_rule_trigger (rule_id text, trigger text)"))
    if has_columns(conn, "campaign_grant", ["rule_id", "coupon_code", "reward_kind", "status"]):
        conn.execute(text("""
            CREATE TEMP TABLE rpt_coupon_rule AS
            SELECT DISTINCT ON (g.coupon_code) g.coupon_code AS code, g.rule_id,
                   coalesce(t.trigger, 'unknown') AS trigger
            FROM campaign_grant g LEFT JOIN rpt_rule_trigger t USING (rule_id)
            WHERE g.reward_kind = 'coupon' AND g.coupon_code <> '' AND g.status = 'granted'
            ORDER BY g.coupon_code, g.id"""))
    else:
        conn.execute(text("CREATE TEMP TABLE rpt_coupon_rule (code text, rule_id text, trigger text)"))


def prepare(conn: Connection, p: Period, members: Members = None) -> None:
    """Temp tables the sections share for one period, from one scan of the event log and one of the orders:
    rpt_people (every member the period saw in rooms or at checkout: seen, orders, net GMV in fen) and
    rpt_buyers (those of them who paid for orders).
    Distinct viewers first, then joined to the orders per member: a union of raw event rows grouped in one go
    was estimated at 200 groups, so its hash table (2 million members) spilled to disk."""
    rule_triggers(conn)
    conn.execute(text("DROP TABLE IF EXISTS rpt_buyers, rpt_people, rpt_viewers"))
    # Distinct viewers by walking the (member_id, occurred_at) index in member order (no 10 M-row hash table;
    # the planner underrates this on cached data, so hashing is off for this one statement). The index holds
    # each member's first event per room and quarter-hour (domain/quarter_marks.py): between two quarter-hours,
    # as local midnights are in every time zone in use, those rows name every viewer.
    marked = "first_in_quarter" if on_quarter(p.start) and on_quarter(p.end) else "TRUE"
    conn.execute(text("SET LOCAL enable_hashagg = off"))
    conn.execute(text(f"""
        CREATE TEMP TABLE rpt_viewers AS SELECT DISTINCT member_id FROM room_event
        WHERE occurred_at >= :start AND occurred_at < :end AND member_id IS NOT NULL AND {marked}
          AND {in_slice("member_id", members)}"""), params(p, members))
    conn.execute(text("SET LOCAL enable_hashagg = on"))
    conn.execute(text(f"""
        CREATE TEMP TABLE rpt_people AS
        SELECT coalesce(v.member_id, o.member_id) AS member_id, v.member_id IS NOT NULL AS seen,
               coalesce(o.orders, 0)::bigint AS orders, coalesce(o.gmv, 0)::bigint AS gmv
        FROM rpt_viewers v
        FULL JOIN (SELECT member_id, count(*) AS orders, sum(goods_paid_fen - refunded_fen) AS gmv FROM settlement
                   WHERE paid_at >= :start AND paid_at < :end AND state <> 'rejected'
                     AND {in_slice("member_id", members)}
                   GROUP BY member_id) o
          ON o.member_id = v.member_id"""), params(p, members))
    conn.execute(text("CREATE TEMP TABLE rpt_buyers AS SELECT member_id, orders, gmv FROM rpt_people WHERE orders > 0"))
    for table in ("rpt_people", "rpt_buyers"):
        conn.execute(text(f"ANALYZE {table}"))
