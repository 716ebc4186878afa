"""Coupons over the HTTP API: templates, a claim burst against a small stock, a member exchanging
points for a coupon, a lottery draw and a gift, then a checkout validation with the best combination."""

import asyncio
import time
from datetime import datetime, timedelta, timezone

import httpx

from activities import ledger
from activities.api_keys import create_key
from core.db import transaction
from demo.context import DemoContext

STOCK, CLAIMS = 15, 40


def _templates(run: str) -> list[dict]:
    return [{"id": f"{run}-5off", "name": "5 yuan off", "kind": "amount_off", "amount_off": "5", "valid_hours": 48,
             "stock": STOCK, "per_member_limit": 1},
            {"id": f"{run}-199-30", "name": "spend 199, 30 off", "kind": "threshold_off", "amount_off": "30",
             "threshold": "199", "valid_hours": 48, "per_member_limit": None},
            {"id": f"{run}-beauty15", "name": "15% off beauty, max 40", "kind": "percent_off", "percent_off": 15,
             "max_discount": "40", "scope": "categories", "categories": ["beauty"], "stackable": True,
             "validity": "session", "grace_minutes": 30, "per_member_limit": None},
            {"id": f"{run}-socks3", "name": "3 off socks", "kind": "amount_off", "amount_off": "3", "scope": "skus",
             "skus": ["socks"], "stackable": True, "valid_hours": 48, "per_member_limit": None}]


async def play(ctx: DemoContext) -> None:
    run, member = f"demo{int(time.time())}", f"demo-fan-{int(time.time())}"
    op = {"Authorization": f"Bearer {ctx.tokens['operator']}"}
    orders = {"Authorization": f"Bearer {ctx.tokens['order-system']}"}
    with transaction() as conn:
        key = create_key(conn, name=f"demo-app-{member}", role="member-app", member_id=member)
        app = {"Authorization": f"Bearer {key.token}"}
        ledger.credit_available(conn, key=f"{run}:welcome", member_id=member, points=500, reference="demo:welcome",
                                now=datetime.now(timezone.utc), lifetime=timedelta(days=5), source="demo")
    async with httpx.AsyncClient(base_url=ctx.api_url, timeout=30) as api:
        for body in _templates(run):
            (await api.post("/v1/coupon-templates", json=body, headers=op)).raise_for_status()
        claims = await asyncio.gather(*[api.post("/v1/coupons/issue", headers=orders, json={
            "template_id": f"{run}-5off", "member_id": f"{run}-viewer-{i}", "idempotency_key": f"{run}:claim:{i}"})
            for i in range(CLAIMS)])
        issued = sum(r.status_code == 201 for r in claims)
        sold_out = sum(r.status_code == 409 and r.json()["reason"] == "out_of_stock" for r in claims)
        codes = []
        for tpl in ("199-30", "beauty15", "socks3"):
            r = await api.post("/v1/coupons/issue", headers=orders, json={
                "template_id": f"{run}-{tpl}", "member_id": member, "idempotency_key": f"{run}:{tpl}"})
            codes.append(r.json()["coupon_code"])
        offers = [{"id": f"{run}-buy30", "kind": "coupon", "name": "spend 199, 30 off for 100 points",
                   "price_points": 100, "template_id": f"{run}-199-30"},
                  {"id": f"{run}-lottery", "kind": "lottery", "name": "lucky draw", "price_points": 50,
                   "prizes": [{"prize_id": "lipstick", "name": "lipstick", "probability": "0.2", "stock": 3},
                              {"prize_id": "coupon", "name": "30 off", "probability": "0.5",
                               "template_id": f"{run}-199-30"}]},
                  {"id": f"{run}-rose", "kind": "gift", "name": "rose", "price_points": 20}]
        for offer in offers:
            (await api.post("/v1/exchange-offers", json=offer, headers=op)).raise_for_status()
        bought = (await api.post(f"/v1/members/{member}/exchanges", headers=app,
                                 json={"request_id": "buy-1", "offer_id": f"{run}-buy30"})).json()
        replay = await api.post(f"/v1/members/{member}/exchanges", headers=app,
                                json={"request_id": "buy-1", "offer_id": f"{run}-buy30"})
        draw = (await api.post(f"/v1/members/{member}/exchanges", headers=app,
                               json={"request_id": "draw-1", "offer_id": f"{run}-lottery"})).json()
        gift = (await api.post(f"/v1/members/{member}/exchanges", headers=app, json={
            "request_id": "gift-1", "offer_id": f"{run}-rose", "room_id": "demo-room", "host_id": "host-lin"})).json()
        cart = {"member_id": member, "coupon_codes": codes + [bought["coupon_code"]], "lines": [
            {"sku": "lipstick", "category": "beauty", "unit_price": "129", "quantity": 1},
            {"sku": "serum", "category": "beauty", "unit_price": "89", "quantity": 1},
            {"sku": "socks", "category": "apparel", "unit_price": "19.90", "quantity": 3}]}
        checked = (await api.post("/v1/checkout/validate", json=cart, headers=orders)).json()
        points = (await api.get(f"/v1/members/{member}/points", headers=app)).json()
    ctx.summary += [
        ("coupons", f"claim burst: {CLAIMS} claims on stock {STOCK}", f"{issued} issued, {sold_out} out of stock"),
        ("coupons", "exchange 100 points -> coupon", f"{bought['coupon_code']} (replay: HTTP {replay.status_code})"),
        ("coupons", "lottery draw (50 points)", f"{draw['prize_id'] or 'no prize'} (seed {draw['seed']})"),
        ("coupons", "gift to host", f"{gift['points']} points -> {gift['host_id']} in {gift['room_id']}"),
        ("coupons", "member points left", f"{points['available']} of 500"),
        ("coupons", "checkout: goods / best discount / payable",
         f"{checked['goods_total']} / {checked['total_discount']} ({len(checked['best_codes'])} coupons) / "
         f"{checked['payable']}"),
        ("coupons", "checkout: coupons not used",
         ", ".join(f"{c['code'][:6]}..:{c['reason']}" for c in checked["coupons"] if not c["selected"]) or "none")]
