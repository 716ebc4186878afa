from sqlalchemy import text

from core.db import transaction
from tests.workflows.orders import paid_order


async def test_order_paid_then_points_visible_to_the_member(http, token, worker):
    order = paid_order(window=60)
    r = await http.post("/v1/orders/paid", json=order.model_dump(mode="json"), headers=token("order-system"))
    assert r.status_code == 202, r.text
    member = token("member-app", order.member_id)
    for _ in range(100):
        points = (await http.get(f"/v1/members/{order.member_id}/points", headers=member)).json()
        if points["pending"]:
            break
    assert points["pending"] == 300
    status = (await http.get(f"/v1/orders/{order.order_id}/settlement", headers=token("order-system"))).json()
    assert status["state"] == "pending" and status["points_earned"] == 300
    history = (await http.get(f"/v1/members/{order.member_id}/points/history", headers=member)).json()
    assert history["items"][0]["changes"] == {"pending": 300}


async def test_bad_order_is_refused_with_the_reason_and_recorded(http, token):
    order = paid_order(amount="-1")
    r = await http.post("/v1/orders/paid", json=order.model_dump(mode="json"), headers=token("order-system"))
    assert r.status_code == 422 and "negative" in r.json()["detail"]
    with transaction() as conn:
        assert conn.execute(text("SELECT count(*) FROM rejected_input WHERE reference = :o"),
                            {"o": order.order_id}).scalar() == 1


async def test_refund_checks(http, token, worker):
    order = paid_order(window=60)
    headers = token("order-system")
    assert (await http.post("/v1/orders/nope/refunds", json={"refund_id": "r"}, headers=headers)).status_code == 404
    await http.post("/v1/orders/paid", json=order.model_dump(mode="json"), headers=headers)
    for _ in range(100):
        if (await http.get(f"/v1/orders/{order.order_id}/settlement", headers=headers)).status_code == 200:
            break
    r = await http.post(f"/v1/orders/{order.order_id}/refunds", json={"refund_id": "r", "amount": "999"},
                        headers=headers)
    assert r.status_code == 422 and "still refundable" in r.json()["detail"]
    r = await http.post(f"/v1/orders/{order.order_id}/refunds", json={"refund_id": "r", "amount": "100"},
                        headers=headers)
    assert r.status_code == 202


async def test_roles_and_member_scope(http, token):
    order = paid_order()
    body = order.model_dump(mode="json")
    assert (await http.post("/v1/orders/paid", json=body)).status_code == 401
    assert (await http.post("/v1/orders/paid", json=body,
                            headers={"Authorization": "Bearer lp_bad_key"})).status_code == 401
    assert (await http.post("/v1/orders/paid", json=body, headers=token("operator"))).status_code == 403
    mine = token("member-app", "alice")
    assert (await http.get("/v1/members/alice/points", headers=mine)).status_code == 200
    assert (await http.get("/v1/members/bob/points", headers=mine)).status_code == 403
    assert (await http.get("/v1/members/bob/points", headers=token("operator"))).status_code == 200
    assert (await http.get("/v1/members/bob/points", headers=token("order-system"))).status_code == 403


async def test_every_endpoint_is_in_the_openapi_schema(http):
    paths = (await http.get("/openapi.json")).json()["paths"]
    for path in ("/v1/orders/paid", "/v1/orders/{order_id}/refunds", "/v1/orders/{order_id}/settlement",
                 "/v1/members/{member_id}/points", "/v1/members/{member_id}/points/history"):
        assert path in paths
