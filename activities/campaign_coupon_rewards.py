"""Deliver allowed coupon grants: the issues in one statement, the budgets in two, the refused given
back in one, where each coupon took a savepoint and six round trips. A tick's batch, and a held coupon
grant approved (campaign_rewards.deliver), both come here.

A milestone of 10,000 viewers online makes 10,000 coupon grants in one tick. One by one they took
124 s (bench.milestone_burst): a round trip costs little, but a transaction of 20,000 savepoints
slows every row check after the first 64 (PostgreSQL's subtransactions). Here:
1. every coupon is claimed in order (coupon_issue_many.issue_many: each claim sees the ones before it);
2. the issued ones take their face value and one unit of stock from the rule's and the campaign's
   budgets, in order, each both or neither (campaign_budget_takes.take_many);
3. those the budgets refuse are given back (coupon_issue.give_back), as a savepoint's rollback did.
One difference from one by one: a coupon a budget refuses holds its unit of the template's stock
until step 3, so a later claim of the same template in the batch may find that unit gone and be
refused out of stock where one by one it would have been issued. Both need the budget and the stock
running out in the same batch; neither is ever exceeded.
"""

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.campaign_budget_takes import Take, take_each
from activities.campaign_rewards import Grant, coupon_note
from activities.coupon_issue import give_back
from activities.coupon_issue_many import CouponClaim, issue_many
from activities.notify import Note
from core.pgarray import array_literal

# coupon_valid_minutes limits any template's coupon, not only a live-session one (which got it as its session
# end, plus the template's grace). An absolute template's window opening after that stays as is.
TIME_LIMIT = text("UPDATE coupon c SET valid_until = x.ends FROM coupon_template t, "
                  "unnest(CAST(:codes AS text[]), CAST(:ends AS timestamptz[])) AS x(code, ends) WHERE c.code = x.code "
                  "AND t.id = c.template_id AND t.validity_kind <> 'session' AND c.valid_until > x.ends "
                  "AND c.valid_from < x.ends")


def deliver_coupons(conn: Connection, grants: list[Grant], *, now: datetime,
                    notes: list[Note]) -> list[tuple[str, str]]:
    """(status, reason) per grant, in order, as deliver() gives them; the granted ones' notifications are
    appended to `notes` for the caller to write with the batch."""
    if not grants:
        return []
    ends = [now + timedelta(minutes=g.valid_minutes) if g.valid_minutes else None for g in grants]
    outcomes = issue_many(conn, [CouponClaim(g.template_id, g.member_id, g.key, f"campaign:{g.campaign_id}",
                                             g.room_id, end) for g, end in zip(grants, ends)], now=now)
    fits = _take_budgets(conn, grants, outcomes)
    give_back(conn, [o.coupon_code for o, fit in zip(outcomes, fits) if o.issued and not fit])
    results, limited = [], []
    for g, outcome, fit, end in zip(grants, outcomes, fits, ends):
        if not (outcome.issued or outcome.already):
            results.append(("suppressed", f"coupon not issued: {outcome.reason}"))
        elif not fit:
            results.append(("suppressed", "budget exhausted"))
        else:
            g.coupon_code, g.value_fen = outcome.coupon_code or "", outcome.face_value_fen or 0
            if end is not None and outcome.issued:
                limited.append((g.coupon_code, end))
            notes.append(coupon_note(g))
            results.append(("granted", ""))
    if limited:
        codes, until = zip(*limited)
        conn.execute(TIME_LIMIT, {"codes": array_literal(codes), "ends": array_literal(until)})
    return results


def _take_budgets(conn: Connection, grants: list[Grant], outcomes: list) -> list[bool]:
    """Per grant, did its coupon's face value fit its budgets (True where no coupon came to take them: those are
    suppressed for the claim's refusal)."""
    return take_each(conn, [(g.campaign_id, Take(g.rule_id, fen=o.face_value_fen or 0, stock=1))
                            if o.issued or o.already else None for g, o in zip(grants, outcomes)])
