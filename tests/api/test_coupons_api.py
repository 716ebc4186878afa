"""The coupon and exchange HTTP API with real keys, database and roles."""

from datetime import datetime, timedelta, timezone

from activities import ledger
from core.db import transaction
from tests.conftest import unique


def template_body(**kw) -> dict:
    return {"id": unique("tpl"), "name": "spend 199 get 30 off", "kind": "threshold_off", "amount_off": "30",
            "threshold": "199", "validity": "relative", "valid_hours": 24, "stock": 2, "per_member_limit": 1, **kw}


async def test_templates_issue_list_and_checkout(http, token):
    op, orders = token("operator"), token("order-system")
    body = template_body()
    created = await http.post("/v1/coupon-templates", json=body, headers=op)
    assert created.status_code == 201 and created.json()["threshold"] == "199.00"
    assert (await http.post("/v1/coupon-templates", json=body, headers=op)).status_code == 200
    bad = await http.post("/v1/coupon-templates", json={**body, "threshold": "20"}, headers=op)
    assert bad.status_code == 422 and "must be above the discount" in bad.json()["detail"]
    assert (await http.post("/v1/coupon-templates", json=body, headers=orders)).status_code == 403

    member = unique("m")
    issue = {"template_id": body["id"], "member_id": member, "idempotency_key": unique("k")}
    first = await http.post("/v1/coupons/issue", json=issue, headers=orders)
    again = await http.post("/v1/coupons/issue", json=issue, headers=orders)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["coupon_code"] == first.json()["coupon_code"] and again.json()["already"]
    limit = await http.post("/v1/coupons/issue", json={**issue, "idempotency_key": unique("k")}, headers=orders)
    assert limit.status_code == 409 and limit.json()["reason"] == "member_limit"

    mine = await http.get(f"/v1/members/{member}/coupons?status=available", headers=token("member-app", member))
    assert [c["code"] for c in mine.json()] == [first.json()["coupon_code"]]
    assert (await http.get(f"/v1/members/{member}/coupons", headers=token("member-app", "other"))).status_code == 403
    assert (await http.get(f"/v1/members/{member}/coupons?status=used", headers=op)).json() == []

    cart = {"member_id": member, "coupon_codes": [first.json()["coupon_code"], "CNOPE"],
            "lines": [{"sku": "a", "category": "x", "unit_price": "150", "quantity": 1},
                      {"sku": "b", "category": "y", "unit_price": "60", "quantity": 1}]}
    checked = (await http.post("/v1/checkout/validate", json=cart, headers=orders)).json()
    assert checked["best_codes"] == [first.json()["coupon_code"]]
    assert (checked["total_discount"], checked["payable"]) == ("30.00", "180.00")
    assert checked["coupons"][1] == {"code": "CNOPE", "applies": False, "discount": "0.00", "reason": "unknown_code",
                                     "selected": False}
    empty = await http.post("/v1/checkout/validate", json={**cart, "lines": []}, headers=orders)
    assert empty.status_code == 422


async def test_member_exchanges_points_for_a_coupon(http, token):
    op, member = token("operator"), unique("m")
    body = template_body(kind="amount_off", amount_off="5", threshold="0", stock=None, per_member_limit=None)
    await http.post("/v1/coupon-templates", json=body, headers=op)
    offer = {"id": unique("offer"), "kind": "coupon", "name": "5 off for 100 points", "price_points": 100,
             "template_id": body["id"]}
    assert (await http.post("/v1/exchange-offers", json=offer, headers=op)).status_code == 200
    with transaction() as conn:
        ledger.credit_available(conn, key=unique("g"), member_id=member, points=150, reference="t",
                                now=datetime.now(timezone.utc), lifetime=timedelta(days=30), source="test")
    app = token("member-app", member)
    req = {"request_id": "r1", "offer_id": offer["id"]}
    bought = await http.post(f"/v1/members/{member}/exchanges", json=req, headers=app)
    assert bought.status_code == 201 and bought.json()["coupon_code"]
    assert (await http.post(f"/v1/members/{member}/exchanges", json=req, headers=app)).status_code == 200
    broke = await http.post(f"/v1/members/{member}/exchanges", json={**req, "request_id": "r2"}, headers=app)
    assert broke.status_code == 409 and broke.json()["detail"]["reason"] == "insufficient_points"
    points = (await http.get(f"/v1/members/{member}/points", headers=app)).json()
    assert (points["available"], points["spent"]) == (50, 100)
    other = await http.post(f"/v1/members/{unique('m')}/exchanges", json=req, headers=app)
    assert other.status_code == 403


async def test_template_read_deactivate_and_notices(http, token):
    op, body = token("operator"), template_body()
    await http.post("/v1/coupon-templates", json=body, headers=op)
    assert (await http.get(f"/v1/coupon-templates/{body['id']}", headers=op)).json()["stock"] == 2
    assert body["id"] in [t["id"] for t in (await http.get("/v1/coupon-templates", headers=op)).json()]
    gone = await http.delete(f"/v1/coupon-templates/{body['id']}", headers=op)
    assert gone.status_code == 200 and gone.json()["active"] is False
    refused = await http.post("/v1/coupons/issue", headers=op, json={
        "template_id": body["id"], "member_id": "m", "idempotency_key": unique("k")})
    assert refused.status_code == 409 and refused.json()["reason"] == "template_inactive"
    assert (await http.get("/v1/coupon-templates/nope", headers=op)).status_code == 404
    member = unique("m")
    assert (await http.get(f"/v1/members/{member}/notices", headers=token("member-app", member))).json() == []
