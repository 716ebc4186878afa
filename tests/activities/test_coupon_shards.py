"""Stock and budget spread over shard rows (migration 0008): exact under concurrency on the asyncio
path, recomputed when an operator changes a template, gathered when pieces are too small, and the
SQL validity window equal to the domain's."""

import asyncio
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import asyncpg
from sqlalchemy import text

from activities.coupon_issue import claim_async, issue_coupon
from activities.coupon_templates import get_template, upsert_template
from core.db import transaction
from domain.coupons.validity import validity_window
from tests.conftest import unique
from tests.coupons.helpers import make_template, spec

NOW = datetime(2026, 11, 11, 12, tzinfo=timezone.utc)


def issue(conn, tpl, member=None, **kw):
    return issue_coupon(conn, template_id=tpl, member_id=member or unique("m"), idempotency_key=unique("k"),
                        source="test", now=NOW, **kw)


def shards(conn, tpl) -> list[tuple]:
    return conn.execute(text("SELECT shard, issued, stock_left, budget_left_fen FROM coupon_stock_shard "
                             "WHERE template_id = :t ORDER BY shard"), {"t": tpl}).all()


def test_stock_and_budget_are_spread_in_whole_coupons(conn):
    tpl = make_template(conn, stock=37, budget=Decimal("100"))  # 5 off: the budget pays for 20
    rows = shards(conn, tpl)
    assert len(rows) == 16 and sum(r[2] for r in rows) == 37 and sum(r[3] for r in rows) == 10_000
    assert all(r[3] % 500 == 0 for r in rows)
    assert [issue(conn, tpl).issued for _ in range(21)] == [True] * 20 + [False]
    assert issue(conn, tpl).reason == "budget_exhausted"
    public = get_template(conn, tpl)
    assert (public.issued, public.budget_used) == (20, Decimal("100.00"))


def test_operator_changes_recompute_what_is_left(conn):
    template = spec(stock=3)
    upsert_template(conn, template)
    assert [issue(conn, template.id).issued for _ in range(4)] == [True, True, True, False]
    upsert_template(conn, template.model_copy(update={"stock": 5}))  # raised: two more
    assert [issue(conn, template.id).issued for _ in range(3)] == [True, True, False]
    upsert_template(conn, template.model_copy(update={"stock": 2}))  # lowered below issued: none
    assert issue(conn, template.id).reason == "out_of_stock" and get_template(conn, template.id).issued == 5
    upsert_template(conn, template.model_copy(update={"stock": None}))  # unlimited
    assert all(issue(conn, template.id).issued for _ in range(40))
    assert get_template(conn, template.id).issued == 45


def test_pieces_too_small_for_one_coupon_are_gathered(conn):
    tpl = make_template(conn, budget=Decimal("40"))  # 5 off: 8 coupons
    # The face value grows to 10 without a rebalance (as if a claim read the template just before an
    # operator's change): every shard holds 5, none can pay 10 alone, together they pay 4 coupons.
    conn.execute(text("UPDATE coupon_template SET amount_off_fen = 1000 WHERE id = :t"), {"t": tpl})
    assert [issue(conn, tpl).issued for _ in range(5)] == [True] * 4 + [False]
    assert get_template(conn, tpl).budget_used == Decimal("40.00")


def test_a_template_without_shards_still_issues(conn):
    tpl = make_template(conn, stock=2)
    conn.execute(text("DELETE FROM coupon_stock_shard WHERE template_id = :t"), {"t": tpl})
    assert [issue(conn, tpl).issued for _ in range(3)] == [True, True, False]


def test_sql_validity_windows_match_the_domain(conn):
    ends = NOW + timedelta(hours=2)
    cases = [dict(validity="relative", valid_hours=30),
             dict(validity="session", grace_minutes=45), dict(validity="session", grace_minutes=0),
             dict(validity="absolute", valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=3))]
    for case in cases:
        for session_ends_at in (ends, None):
            template = spec(**case)
            upsert_template(conn, template)
            code = issue(conn, template.id, session_ends_at=session_ends_at).coupon_code
            stored = conn.execute(text("SELECT valid_from, valid_until FROM coupon WHERE code = :c"), {"c": code}).one()
            expected = validity_window(kind=template.validity, now=NOW, valid_from=template.valid_from,
                                       valid_until=template.valid_until, valid_hours=template.valid_hours,
                                       grace_minutes=template.grace_minutes, session_ends_at=session_ends_at)
            assert tuple(stored) == expected, case


async def test_concurrent_async_claims_issue_exactly_the_stock(database_url):
    with transaction() as conn:
        tpl = make_template(conn, stock=100, per_member_limit=1)
    pool = await asyncpg.create_pool(database_url, min_size=24, max_size=24)

    async def claim(i: int):
        async with pool.acquire() as conn:
            return await claim_async(conn, template_id=tpl, member_id=f"storm-{i % 900}",
                                     idempotency_key=f"{tpl}:{i % 950}", source="test", now=NOW)

    try:
        outcomes = await asyncio.gather(*[claim(i) for i in range(1000)])
    finally:
        await pool.close()
    assert sum(o.issued for o in outcomes) == 100
    assert {o.reason for o in outcomes if not o.issued and not o.already} <= {"out_of_stock", "member_limit"}
    by_key: dict[str, set] = {}
    for i, o in enumerate(outcomes):
        if o.coupon_code:
            by_key.setdefault(f"{tpl}:{i % 950}", set()).add(o.coupon_code)
    assert all(len(codes) == 1 for codes in by_key.values())
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM coupon WHERE template_id = :t"), {"t": tpl}).scalar() == 100
        assert get_template(conn, tpl).issued == 100
        counts = conn.execute(text("SELECT sum(issued) FROM coupon_member_count WHERE template_id = :t"),
                              {"t": tpl}).scalar()
        assert counts == 100
