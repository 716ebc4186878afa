"""Turn candidate grants into ledger credits, coupons and notifications, in the caller's transaction.

Order of checks per batch: already decided (idempotency key) -> frequency cap
across campaigns (coupons) -> risk score in one batch call -> budgets (the batch's
points in two statements, activities/campaign_budget_takes.py; its coupons' once
claimed, activities/campaign_coupon_rewards.py) -> the reward itself. Every outcome
is a campaign_grant row with a status: granted, held (nothing spendable until a
reviewer approves), denied, suppressed (cap, budget, stock, coupon refused) or
rejected (held, then refused).
"""

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities import campaign_budget as budget
from activities import ledger
from activities.campaign_budget_takes import Take, take_each
from activities.campaign_coupon_rewards import deliver_coupons
from activities.campaign_rewards import Grant, deliver, points_note
from activities.notify import Note, notify_many
from core.db import planned_each_call
from core.pgarray import array_literal
from core.settings import get_settings
from models.risk_base import Decision, GrantRequest, RiskVerdict
from risk.scorer import get_scorer


@dataclass
class Thresholds:
    hold_above: float | None = None
    deny_above: float | None = None


@dataclass
class BatchOutcome:
    by_status: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    score_s: float = 0.0  # time in the risk scorer (the tick logs it)


def _decide(verdict: RiskVerdict, th: Thresholds) -> Decision:
    """The stricter of the scorer's decision and the campaign's thresholds on its score."""
    decision = verdict.decision
    if th.deny_above is not None and verdict.score > th.deny_above:
        return Decision.DENY
    if th.hold_above is not None and verdict.score > th.hold_above and decision == Decision.ALLOW:
        return Decision.HOLD
    return decision


# Both over campaign_grant, which grows by thousands a second: planned on every call (core.db.planned_each_call)
RECENT_COUPONS = ("SELECT member_id, count(*) FROM campaign_grant WHERE member_id = ANY(CAST(%(m)s AS text[])) "
                  "AND reward_kind = 'coupon' AND status IN ('granted', 'held') AND created_at > %(since)s "
                  "GROUP BY member_id")
CAP_LOCKS = text("SELECT count(pg_advisory_xact_lock(hashtext('coupon-cap:' || m))) "
                 "FROM (SELECT m FROM unnest(CAST(:m AS text[])) AS m ORDER BY m) AS members")
ALREADY_DECIDED = "SELECT idempotency_key FROM campaign_grant WHERE idempotency_key = ANY(CAST(%(k)s AS text[]))"


def _recent_coupons(conn: Connection, members: list[str], now: datetime) -> Counter:
    window = timedelta(seconds=get_settings().coupon_cap_window_seconds)
    return Counter(dict(planned_each_call(conn, RECENT_COUPONS, {"m": array_literal(members),
                                                                  "since": now - window})))


# one statement per batch: arrays of the columns (executemany costs a round of parameter handling per row)
COLUMNS = [("key", "text"), ("c", "text"), ("r", "text"), ("room", "text"), ("m", "text"), ("kind", "text"),
           ("p", "bigint"), ("tpl", "text"), ("code", "text"), ("fen", "bigint"), ("st", "text"), ("why", "text"),
           ("score", "float8"), ("d", "text"), ("ip", "text"), ("ev", "bigint"), ("detail", "text")]
RECORD = text(
        "INSERT INTO campaign_grant (idempotency_key, campaign_id, rule_id, room_id, member_id, reward_kind, points, "
        " coupon_template_id, coupon_code, value_fen, status, reason, risk_score, device_id, ip, source_event_id, "
        " detail, decided_at) SELECT key, c, r, room, m, kind, p, tpl, code, fen, st, why, score, d, ip, ev, "
        " CAST(detail AS jsonb), clock_timestamp() FROM unnest("
        + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in COLUMNS)
        + ") AS x(" + ", ".join(name for name, _ in COLUMNS) + ")")


def _row(g: Grant, status: str, reason: str = "", score: float = 0.0) -> dict:
    return {"key": g.key, "c": g.campaign_id, "r": g.rule_id, "room": g.room_id, "m": g.member_id, "kind": g.kind,
         "p": g.points, "tpl": g.template_id, "code": g.coupon_code, "fen": g.value_fen, "st": status, "why": reason,
         "score": score, "d": g.device_id, "ip": g.ip, "ev": g.source_event_id, "detail": g.detail_json()}


def _record(conn: Connection, records: list[dict]) -> None:
    if records:
        conn.execute(RECORD, {name: array_literal([r[name] for r in records]) for name, _ in COLUMNS})


def apply_grants(conn: Connection, grants: list[Grant], *, now: datetime, thresholds: Thresholds,
                 unlimited_points: set[str]) -> BatchOutcome:
    """`unlimited_points`: the rules whose points no budget limits (budget_flags): no budget row to update."""
    out = BatchOutcome()
    if not grants:
        return out
    done = {key for (key,) in planned_each_call(conn, ALREADY_DECIDED, {"k": array_literal([g.key for g in grants])})}
    fresh = sorted((g for g in grants if g.key not in done), key=lambda g: (g.member_id, g.key))
    coupon_members = sorted({g.member_id for g in fresh if g.kind == "coupon"})
    if coupon_members:  # in member order (the subquery's sort): racing campaigns lock them in the same order
        conn.execute(CAP_LOCKS, {"m": array_literal(coupon_members)})
    recent = _recent_coupons(conn, coupon_members, now) if coupon_members else Counter()
    cap = get_settings().coupon_cap_count
    records: list[dict] = []
    notes: list[Note] = []
    scored = []
    for g in fresh:
        if g.kind == "coupon":
            if recent[g.member_id] >= cap:
                records.append(_row(g, "suppressed", f"frequency cap: {cap} coupons per "
                                    f"{get_settings().coupon_cap_window_seconds} s"))
                out.by_status["suppressed"] += 1
                continue
            recent[g.member_id] += 1
        scored.append(g)
    scoring = time.perf_counter()
    verdicts = get_scorer().score(conn, [GrantRequest(
        kind="coupon" if g.kind == "coupon" else "campaign_points", member_id=g.member_id, device_id=g.device_id,
        ip=g.ip, room_id=g.room_id, value=g.points, reference=f"campaign:{g.campaign_id}",
        hold_above=thresholds.hold_above, deny_above=thresholds.deny_above) for g in scored]) if scored else []
    out.score_s = time.perf_counter() - scoring
    decisions = [_decide(verdict, thresholds) for verdict in verdicts]
    in_budget = _take_budgets(conn, scored, decisions, unlimited_points)
    coupons = [i for i, (g, d) in enumerate(zip(scored, decisions)) if g.kind == "coupon" and d == Decision.ALLOW]
    delivered = dict(zip(coupons, deliver_coupons(conn, [scored[i] for i in coupons], now=now, notes=notes)))
    credits: list[Grant] = []
    for i, (g, verdict, decision, fits) in enumerate(zip(scored, verdicts, decisions, in_budget)):
        if decision in (Decision.DENY, Decision.HOLD):
            why = "; ".join(verdict.reasons) or f"risk score {verdict.score:.2f}"
            status = "denied" if decision == Decision.DENY else "held" if fits else "suppressed"
        elif g.kind == "points":
            status, why = ("granted", "") if fits else ("suppressed", "budget exhausted")
            if fits:
                credits.append(g)
        else:
            status, why = delivered[i]
        records.append(_row(g, status, why, verdict.score))
        out.by_status[status] += 1
        if status == "granted":
            out.by_rule[g.rule_id] += 1
    _credit_points(conn, credits, now=now, notes=notes)
    _record(conn, records)  # one round trip for the batch's outcomes, one for its notifications
    notify_many(conn, notes)
    return out


def _take_budgets(conn: Connection, grants: list[Grant], decisions: list[Decision],
                  unlimited_points: set[str]) -> list[bool]:
    """Per grant, did its points fit its budgets: taken set-wise (campaign_budget_takes). True where nothing is
    taken now: denied grants, rules no budget limits, and coupons, which take theirs once claimed
    (campaign_coupon_rewards; their rules' rows are locked here first, with the rest). Points on hold reserve
    theirs now, so an approval can never overspend; coupons on hold take theirs on approval."""
    wanted: list[tuple[str, Take] | None] = [None] * len(grants)
    coupon_rules: dict[str, set[str]] = {}
    for i, (g, decision) in enumerate(zip(grants, decisions)):
        if g.kind == "points" and (decision == Decision.HOLD or
                                   (decision == Decision.ALLOW and g.rule_id not in unlimited_points)):
            wanted[i] = (g.campaign_id, Take(g.rule_id, points=g.points, stock=1))
        elif g.kind == "coupon" and decision == Decision.ALLOW:
            coupon_rules.setdefault(g.campaign_id, set()).add(g.rule_id)
    return take_each(conn, wanted, lock_too=coupon_rules)


def _credit_points(conn: Connection, grants: list[Grant], *, now: datetime, notes: list[Note]) -> None:
    """All the batch's points in one set-wise ledger write, then their notifications."""
    if not grants:
        return
    ledger.credit_available_many(
        conn, [ledger.Credit(g.key, g.member_id, g.points, f"campaign:{g.campaign_id}", {"rule": g.rule_id})
               for g in grants],
        now=now, lifetime=timedelta(days=get_settings().points_lifetime_days), source="campaign", kind="campaign_earn")
    notes += [points_note(g) for g in grants]


def release_held_grant(conn: Connection, *, grant_id: int, approve: bool) -> str:
    """Grant (approve) or cancel (reject) a held grant. Idempotent: a decided grant returns its status."""
    row = conn.execute(text("SELECT * FROM campaign_grant WHERE id = :id FOR UPDATE"),
                       {"id": grant_id}).mappings().first()
    if row is None:
        return "unknown"
    if row["status"] != "held":
        return row["status"]
    g = Grant.from_row(row)
    notes: list[Note] = []
    if approve:
        if g.kind == "points":
            budget.give_back(conn, g.campaign_id, g.rule_id, points=g.points, stock=1)  # re-taken by deliver
        status, why = deliver(conn, g, now=conn.execute(text("SELECT now()")).scalar_one(), notes=notes)
    else:
        if g.kind == "points":
            budget.give_back(conn, g.campaign_id, g.rule_id, points=g.points, stock=1)
        status, why = "rejected", "held grant rejected by review"
    conn.execute(text("UPDATE campaign_grant SET status = :st, reason = :why, coupon_code = :code, value_fen = :fen, "
                      "decided_at = clock_timestamp() WHERE id = :id"),
                 {"st": status, "why": why, "code": g.coupon_code, "fen": g.value_fen, "id": grant_id})
    notify_many(conn, notes)  # last in the transaction (activities/notify.py)
    return status
