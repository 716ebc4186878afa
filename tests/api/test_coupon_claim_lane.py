"""POST /v1/coupons/issue through the claim lane (api/claim_lane.py): same answers as the FastAPI
route, errors left to FastAPI, and exact stock under a concurrent storm over HTTP."""

import asyncio

from sqlalchemy import text

import api.routes.coupons as route
from activities.coupon_templates import get_template
from core.db import transaction
from tests.conftest import unique
from tests.coupons.helpers import make_template


def _template(**kw) -> str:
    with transaction() as conn:
        return make_template(conn, **kw)


async def test_the_lane_answers_claims_without_the_route(http, token, monkeypatch):
    def route_must_not_run(*_, **__):
        raise AssertionError("the FastAPI route handled a well-formed claim")

    monkeypatch.setattr(route, "issue_coupon", route_must_not_run)
    orders, tpl, member = token("order-system"), _template(stock=2, per_member_limit=1), unique("m")
    claim = {"template_id": tpl, "member_id": member, "idempotency_key": unique("k"), "room_id": "r1"}
    first = await http.post("/v1/coupons/issue", json=claim, headers=orders)
    assert first.status_code == 201
    body = first.json()
    assert body["issued"] and body["face_value"] == "5.00" and len(body["coupon_code"]) == 17
    again = await http.post("/v1/coupons/issue", json=claim, headers=orders)
    assert again.status_code == 200 and again.json() == {**body, "issued": False, "already": True}
    limit = await http.post("/v1/coupons/issue", json={**claim, "idempotency_key": unique("k")}, headers=orders)
    assert limit.status_code == 409 and limit.json()["reason"] == "member_limit"
    other = {**claim, "member_id": unique("m"), "idempotency_key": unique("k")}
    assert (await http.post("/v1/coupons/issue", json=other, headers=orders)).status_code == 201
    sold = await http.post("/v1/coupons/issue", headers=orders,
                           json={**claim, "member_id": unique("m"), "idempotency_key": unique("k")})
    assert sold.status_code == 409
    assert sold.json() == {"issued": False, "already": False, "coupon_code": None, "face_value": "0.00",
                           "reason": "out_of_stock"}
    unknown = await http.post("/v1/coupons/issue", headers=orders,
                              json={**claim, "template_id": "nope", "idempotency_key": unique("k")})
    assert unknown.status_code == 409 and unknown.json()["reason"] == "unknown_template"
    with transaction() as conn:
        room = conn.execute(text("SELECT room_id FROM coupon WHERE code = :c"), {"c": body["coupon_code"]}).scalar()
    assert room == "r1"


async def test_errors_are_fastapis(http, token):
    claim = {"template_id": _template(), "member_id": unique("m"), "idempotency_key": unique("k")}
    assert (await http.post("/v1/coupons/issue", json=claim)).status_code == 401
    bad_key = {"Authorization": "Bearer lp_nope_nope"}
    assert (await http.post("/v1/coupons/issue", json=claim, headers=bad_key)).status_code == 401
    assert (await http.post("/v1/coupons/issue", json=claim, headers=token("member-app", "m1"))).status_code == 403
    missing = await http.post("/v1/coupons/issue", json={"template_id": "x"}, headers=token("operator"))
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "member_id"]
    garbage = await http.post("/v1/coupons/issue", content=b"{not json", headers=token("operator"))
    assert garbage.status_code == 422


async def test_a_storm_over_http_issues_exactly_the_stock(http, token):
    orders, tpl = token("order-system"), _template(stock=100, per_member_limit=1)

    async def claim(i: int):
        return await http.post("/v1/coupons/issue", headers=orders, json={
            "template_id": tpl, "member_id": f"fan-{i % 900}", "idempotency_key": f"{tpl}:{i % 950}"})

    answers = await asyncio.gather(*[claim(i) for i in range(1000)])
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 100 and set(statuses) <= {200, 201, 409}
    assert {a.json()["reason"] for a in answers if a.status_code == 409} <= {"out_of_stock", "member_limit"}
    codes = {a.json()["coupon_code"] for a in answers if a.status_code in (200, 201)}
    assert len(codes) == 100  # replays got their key's first coupon, never a new one
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM coupon WHERE template_id = :t"), {"t": tpl}).scalar() == 100
        assert get_template(conn, tpl).issued == 100


async def test_session_coupons_take_the_session_end_given(http, token):
    with transaction() as conn:
        tpl = make_template(conn, validity="session", grace_minutes=30)
    claim = {"template_id": tpl, "member_id": unique("m"), "idempotency_key": unique("k"),
             "session_ends_at": "2026-11-11T14:00:00+08:00"}
    issued = await http.post("/v1/coupons/issue", json=claim, headers=token("order-system"))
    assert issued.status_code == 201
    naive = await http.post("/v1/coupons/issue", headers=token("order-system"), json={
        **claim, "idempotency_key": unique("k"), "member_id": unique("m"), "session_ends_at": "2026-11-11T06:00:00"})
    assert naive.status_code == 201  # no time zone: taken as UTC
    with transaction() as conn:
        ends = conn.execute(text("SELECT valid_until FROM coupon WHERE code IN (:a, :b)"),
                            {"a": issued.json()["coupon_code"], "b": naive.json()["coupon_code"]}).scalars().all()
    assert {e.isoformat() for e in ends} == {"2026-11-11T06:30:00+00:00"}


async def test_shards_busy_for_seconds_answer_503_and_write_nothing(http, token):
    orders, tpl, key = token("order-system"), _template(stock=5), unique("k")
    claim = {"template_id": tpl, "member_id": unique("m"), "idempotency_key": key}
    with transaction() as holder:  # another transaction sits on every shard (as a stuck claim would)
        holder.execute(text("SELECT 1 FROM coupon_stock_shard WHERE template_id = :t FOR UPDATE"), {"t": tpl})
        busy = await http.post("/v1/coupons/issue", json=claim, headers=orders)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert "retry" in busy.json()["detail"]
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM coupon WHERE idempotency_key = :k"), {"k": key}).scalar() == 0
        assert get_template(conn, tpl).issued == 0
    retried = await http.post("/v1/coupons/issue", json=claim, headers=orders)
    assert retried.status_code == 201 and retried.json()["issued"]
