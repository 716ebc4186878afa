"""Held order grants through the real settlement workflow and the review API: approve confirms the
points, reject reverses them and records fraud labels; the review is idempotent."""

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from activities.risk_sim import write_events
from clients import orders as order_client
from core.db import transaction
from models.orders import SettlementStatus
from simulator.attackers import SimEvent
from tests.workflows.orders import paid_order


def _churning_member(member: str) -> None:
    """A member entering and leaving 16 times in the last 20 minutes: the churn rule holds its grants."""
    now = datetime.now(timezone.utc)
    with transaction() as conn:
        conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))
        write_events(conn, [SimEvent("room-1", "enter" if i % 2 else "leave", member, f"{member}-phone", "10.5.5.5",
                                     now - timedelta(seconds=70 * i + i % 7), "enter_leave_farm") for i in range(16)])


async def _held_decision(client, member: str):
    _churning_member(member)
    order = paid_order(member_id=member, window=1)
    handle = await order_client.settle(client, order)
    for _ in range(200):
        status = await handle.query("status", result_type=SettlementStatus)
        if status and status.state == "held":
            break
        await asyncio.sleep(0.05)
    with transaction() as conn:
        decision_id = conn.execute(text("SELECT id FROM risk_decision WHERE reference = :r AND status = 'held'"),
                                   {"r": f"order:{order.order_id}"}).scalar()
    assert decision_id is not None
    return order, handle, decision_id


async def test_approving_a_held_order_confirms_its_points(http, token, client, worker):
    order, handle, decision_id = await _held_decision(client, "rv-approve-" + datetime.now().strftime("%H%M%S%f"))
    member = order.member_id
    queue = (await http.get("/v1/risk/review", params={"member_id": member}, headers=token("operator"))).json()
    assert [d["id"] for d in queue] == [decision_id]
    held = queue[0]
    page = (await http.get("/v1/risk/review", params={"after_id": decision_id - 1, "limit": 1},
                           headers=token("operator"))).json()
    assert [d["id"] for d in page] == [decision_id]
    assert held["reference"] == f"order:{order.order_id}" and any("enters and leaves" in r for r in held["reasons"])
    r = await http.post(f"/v1/risk/review/{decision_id}/approve", headers=token("operator"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and "review=True" in r.json()["follow_up"]
    result = await handle.result()
    assert result.state == "confirmed" and result.points_earned == 300
    again = await http.post(f"/v1/risk/review/{decision_id}/approve", headers=token("operator"))
    assert again.json()["already_applied"] is True
    conflict = await http.post(f"/v1/risk/review/{decision_id}/reject", headers=token("operator"))
    assert conflict.status_code == 422


async def test_rejecting_a_held_order_reverses_it_and_labels_fraud(http, token, client, worker):
    member = "rv-reject-" + datetime.now().strftime("%H%M%S%f")
    order, handle, decision_id = await _held_decision(client, member)
    assert (await http.post(f"/v1/risk/review/{decision_id}/reject", headers=token("order-system"))).status_code == 403
    r = await http.post(f"/v1/risk/review/{decision_id}/reject", json={"note": "farm"}, headers=token("operator"))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    result = await handle.result()
    assert result.state == "reversed" and result.points_reversed == 300
    with transaction() as conn:
        labels = conn.execute(text("SELECT entity_kind, label, source FROM risk_label WHERE reference = :r "
                                   "ORDER BY entity_kind"), {"r": f"decision:{decision_id}"}).all()
    assert [tuple(label) for label in labels] == [("device", "fraud", "review"), ("member", "fraud", "review")]
