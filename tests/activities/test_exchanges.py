"""Exchanging points: atomic, idempotent, stock-safe, with clear refusals that change nothing."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from activities import ledger
from activities.exchange_offers import upsert_offer
from activities.exchanges import exchange
from core.db import transaction
from domain.coupons.errors import Refused
from domain.coupons.lottery import Prize, draw
from domain.errors import BadInput, InsufficientPoints
from models.exchange_api import ExchangeRequest, OfferSpec, PrizeSpec
from tests.conftest import unique
from tests.coupons.helpers import make_template

NOW = datetime.now(timezone.utc)


def rich(conn, points=1000) -> str:
    member = unique("m")
    ledger.credit_available(conn, key=unique("grant"), member_id=member, points=points, reference="test", now=NOW,
                            lifetime=timedelta(days=30), source="test")
    return member


def available(conn, member) -> int:
    return conn.execute(text("SELECT available FROM member_balance WHERE member_id = :m"), {"m": member}).scalar()


def offer(conn, **kw) -> str:
    spec = OfferSpec(**{**dict(id=unique("offer"), kind="merchandise", name="mug", price_points=100, stock=1), **kw})
    upsert_offer(conn, spec)
    return spec.id


def buy(conn, member, offer_id, request_id=None, **kw):
    return exchange(conn, member_id=member, req=ExchangeRequest(request_id=request_id or unique("r"),
                                                                offer_id=offer_id, **kw), now=NOW)


def test_coupon_at_a_price_is_idempotent(conn):
    member = rich(conn)
    coupon_offer = offer(conn, kind="coupon", template_id=make_template(conn), stock=None)
    first = buy(conn, member, coupon_offer, request_id="req-1")
    again = buy(conn, member, coupon_offer, request_id="req-1")
    assert first.coupon_code and not first.already
    assert again.already and again.coupon_code == first.coupon_code and again.exchange_id == first.exchange_id
    assert available(conn, member) == 900


def test_refusals_change_nothing(conn):
    member = rich(conn, points=150)
    mug = offer(conn)
    with pytest.raises(InsufficientPoints):
        buy(conn, rich(conn, points=50), mug)
    buy(conn, member, mug)
    conn.execute(text("SAVEPOINT before"))
    with pytest.raises(Refused, match="out of stock"):
        buy(conn, rich(conn), mug)
    conn.execute(text("ROLLBACK TO SAVEPOINT before"))
    with pytest.raises(Refused):
        buy(conn, member, "no-such-offer")
    with pytest.raises(BadInput, match="probabilities sum to more than 1"):
        offer(conn, kind="lottery", prizes=[PrizeSpec(prize_id="a", name="a", probability=Decimal("0.7")),
                                            PrizeSpec(prize_id="b", name="b", probability=Decimal("0.4"))])
    assert available(conn, member) == 50


def test_out_of_stock_rolls_back_the_debit(database_url):
    with transaction() as conn:
        member, mug = rich(conn), offer(conn, stock=0)
    with pytest.raises(Refused):
        with transaction() as conn:
            buy(conn, member, mug)
    with transaction() as conn:
        assert available(conn, member) == 1000
        assert conn.execute(text("SELECT count(*) FROM exchange WHERE member_id = :m"), {"m": member}).scalar() == 0


def test_lottery_records_the_seed_and_respects_prize_stock(conn):
    member = rich(conn, points=10_000)
    tpl = make_template(conn, per_member_limit=None)
    lottery = offer(conn, kind="lottery", price_points=10, stock=None, prizes=[
        PrizeSpec(prize_id="coupon", name="5 off", probability=Decimal("0.5"), template_id=tpl),
        PrizeSpec(prize_id="tv", name="TV", probability=Decimal("0.5"), stock=1)])
    draws = [buy(conn, member, lottery) for _ in range(40)]
    assert sum(d.prize_id == "tv" for d in draws) == 1
    for d in draws:
        drawn = draw([Prize("coupon", 500_000), Prize("tv", 500_000)], d.seed)
        assert d.prize_id in (drawn, None) and (d.coupon_code is not None) == (d.prize_id == "coupon")
    assert available(conn, member) == 10_000 - 400


def test_gift_is_recorded_against_room_and_host(conn):
    member = rich(conn)
    rose = offer(conn, kind="gift", name="rose", stock=None, price_points=30)
    conn.execute(text("INSERT INTO room (room_id, shop_id, host_id, title) VALUES ('room-g', 's', 'host-7', 't') "
                      "ON CONFLICT DO NOTHING"))
    sent = buy(conn, member, rose, room_id="room-g")
    assert (sent.room_id, sent.host_id, sent.points) == ("room-g", "host-7", 30)
    with pytest.raises(BadInput, match="needs room_id"):
        buy(conn, member, rose)


def test_concurrent_purchases_never_oversell_merchandise(database_url):
    with transaction() as conn:
        mug, members = offer(conn, stock=5), [rich(conn) for _ in range(20)]

    def attempt(member):
        try:
            with transaction() as conn:
                return buy(conn, member, mug).exchange_id
        except Refused:
            return None

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(attempt, members))
    assert sum(r is not None for r in results) == 5
    with transaction() as conn:
        assert conn.execute(text("SELECT stock_left FROM exchange_offer WHERE id = :o"), {"o": mug}).scalar() == 0
        assert sum(available(conn, m) for m in members) == 20 * 1000 - 5 * 100
