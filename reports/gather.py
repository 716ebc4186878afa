"""All the report's figures for one period, aggregated in the database, plus the previous period's
headlines for week over week. Runs inside the caller's transaction (temp tables die with it)."""

import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.db import get_engine
from core.settings import Settings
from domain.report_period import Period
from reports.members import add_member_counts, member_counts, member_sections, split_point
from reports.queries.common import rule_triggers
from reports.queries.coupons import coupons_section
from reports.queries.points import points_section
from reports.queries.risk import risk_section

SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")

# (key, label, kind): kind picks the format; the order is the order of the week-over-week table.
HEADLINES = [
    ("points_issued", "Points issued", "num"), ("points_consumed", "Points consumed", "num"),
    ("points_expired", "Points expired", "num"), ("points_outstanding", "Points outstanding", "num"),
    ("consumption_rate", "Consumption rate", "pct"),
    ("coupons_issued", "Coupons issued", "num"), ("coupons_redeemed", "Coupons redeemed", "num"),
    ("coupons_expired", "Coupons expired", "num"), ("coupon_redemption_rate", "Coupon redemption rate", "pct"),
    ("coupon_cost_fen", "Coupon cost", "yuan"), ("coupon_gmv_fen", "GMV with coupons", "yuan"),
    ("gmv_fen", "GMV (net of refunds)", "yuan"), ("orders", "Orders", "num"), ("buyers", "Buyers", "num"),
    ("viewers", "Viewers", "num"), ("aov_fen", "Average order value", "yuan"),
    ("campaign_cost_fen", "Campaign cost", "yuan"), ("orders_held", "Orders held by risk", "num"),
    ("orders_denied", "Orders denied by risk", "num"),
]


def _plain(value):
    """JSON-ready numbers: sums come back from PostgreSQL as Decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def headline(sections: dict) -> dict:
    p, c, b, r, k = (sections[s] for s in ("points", "coupons", "buyers", "rules", "risk"))
    return {key: _plain(value) for key, value in _headline(p, c, b, r, k).items()}


def _headline(p: dict, c: dict | None, b: dict, r: dict, k: dict) -> dict:
    return {
        "points_issued": p["issued"], "points_consumed": p["consumed"], "points_expired": p["expired"],
        "points_outstanding": p["outstanding"], "consumption_rate": p["consumption_rate"],
        "coupons_issued": c["issued"] if c else None, "coupons_redeemed": c["redeemed"] if c else None,
        "coupons_expired": c["expired"] if c else None,
        "coupon_redemption_rate": c["redemption_rate"] if c else None,
        "coupon_cost_fen": c["cost_fen"] if c else None, "coupon_gmv_fen": c["gmv_fen"] if c else None,
        "gmv_fen": b["gmv_fen"], "orders": b["orders"], "buyers": b["buyers"], "viewers": b["viewers"],
        "aov_fen": b["aov_fen"], "campaign_cost_fen": r["cost_fen"],
        "orders_held": k["orders_held"], "orders_denied": k["orders_denied"],
    }


def tune(conn: Connection) -> None:
    """For this transaction: hash aggregates over millions of rows stay in memory."""
    conn.execute(text("SET LOCAL work_mem = '256MB'"))


def sections(conn: Connection, p: Period, settings: Settings, *, experiments: bool = True,
             outstanding: int | None = None) -> dict:
    """Every section on this one connection."""
    tune(conn)
    counts = member_counts(conn, p, settings, with_experiments=experiments)
    return {**points_coupons_risk(conn, p, settings, outstanding=outstanding),
            **member_sections(p, settings, counts)}


def points_coupons_risk(conn: Connection, p: Period, settings: Settings, *, outstanding: int | None = None,
                        points: bool = True, rest: bool = True) -> dict:
    """The sections that need no per-member temp table: they read only base tables and rpt_rule_trigger /
    rpt_coupon_rule (common.rule_triggers, which prepare runs too)."""
    out = {"points": points_section(conn, p, outstanding=outstanding)} if points else {}
    if rest:
        out.update(coupons=coupons_section(conn, p), risk=risk_section(conn, p, settings.point_value_fen))
    return out


def _beside(snapshot: str, p: Period, settings: Settings, split: str | None) -> dict:
    """On a second connection that sees exactly the caller's snapshot: the Points section (the ledger pass),
    plus the lower slice of members when there is a split, otherwise coupons and risk as well."""
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    with get_engine().connect().execution_options(isolation_level="REPEATABLE READ") as other:
        with other.begin():
            other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            tune(other)
            rule_triggers(other)
            out = points_coupons_risk(other, p, settings, rest=split is None)
            if split is not None:
                out["counts"] = member_counts(other, p, settings, (None, split))
            return out


def parallel_sections(conn: Connection, p: Period, settings: Settings, *, split: str | None = "auto") -> dict:
    """Two connections in one exported snapshot (pg_export_snapshot): the second takes the ledger pass and the
    members below `split`, this one the members from `split` on, coupons and risk; the per-member sums add
    up. split "auto": the middle of the event log's member_id histogram; None: this connection takes every
    member and the other one points, coupons and risk."""
    tune(conn)
    split = split_point(conn) if split == "auto" else split
    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(_beside, snapshot, p, settings, split)
        counts = member_counts(conn, p, settings, None if split is None else (split, None))
        out = points_coupons_risk(conn, p, settings, points=False) if split is not None else {}
        other = beside.result()
    if split is not None:
        counts = add_member_counts(other.pop("counts"), counts)
    return {**other, **out, **member_sections(p, settings, counts)}


def gather(conn: Connection, p: Period, settings: Settings, *, parallel: bool = False,
           split: str | None = "auto") -> dict:
    """parallel: see parallel_sections; two cores share the work. Only for committed data: a second connection
    cannot see the caller's uncommitted rows (tests that build inside a rolled-back transaction use the
    default)."""
    now = parallel_sections(conn, p, settings, split=split) if parallel else sections(conn, p, settings)
    # Outstanding at the end of the previous period = now's minus what this period added to pending/available.
    then = now["points"]["outstanding"] - now["points"]["net_open"]
    before = headline(sections(conn, p.previous(), settings, experiments=False, outstanding=then))
    return {"period": p, "sections": now, "headline": headline(now), "previous": before}
