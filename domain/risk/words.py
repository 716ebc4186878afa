"""Feature values in words an operator understands ("47 accounts on this device in 1 hour")."""

from functools import lru_cache

import numpy as np

WHO = {"device": "this device", "ip": "this IP", "network": "this IP's network", "member": "this account"}
LOW_IS_RISKY = ("_gap_s", "_regularity", "member_age_s", "member_heartbeats_1h", "member_grant_order_share")

# Whole feature names first, then per-entity templates by suffix ({who}: device, IP, network, account).
NAMED = {
    "member_age_s": lambda v: f"account first seen {_n(v / 60)} minutes ago",
    "member_ips_1h": lambda v: f"{_n(v)} different IPs used by this account in 1 hour",
    "member_devices_24h": lambda v: f"{_n(v)} devices used by this account in 24 hours",
    "member_rooms_1h": lambda v: f"{_n(v)} rooms visited by this account in 1 hour",
    "member_heartbeats_1h": lambda v: f"{_n(v)} player heartbeats from this account in 1 hour",
    "member_orders_24h": lambda v: f"{_n(v)} orders by this account in 24 hours",
    "member_comments_1h": lambda v: f"{_n(v)} comments by this account in 1 hour",
    "member_comment_accounts_1h": lambda v: f"the same comment as this account's from {_n(v)} accounts in 1 hour",
    "member_grants_24h": lambda v: f"{_n(v)} grants to this account in 24 hours",
    "member_grant_order_share": lambda v: (f"only {v:.0%} of this account's grants in 24 hours led to an order"
                                           if v >= 0 else "no grants to this account in 24 hours"),
    "ipctx_events_1h": lambda v: f"{_n(v)} events with the same IP and attributes in 1 hour",
    "ipctx_action_gap_s": lambda v: f"only {_n(v)} s since the same IP and attributes last acted",
}
TEMPLATES = {
    "events_1h": "{v} events from {who} in 1 hour", "events_24h": "{v} events from {who} in 24 hours",
    "accounts_1h": "{v} accounts on {who} in 1 hour", "accounts_24h": "{v} accounts on {who} in 24 hours",
    "rooms_24h": "{v} rooms visited from {who} in 24 hours",
    "churn_1h": "{v} room enters and leaves from {who} in 1 hour",
    "action_gap_s": "only {v} s between actions from {who}",
    "regularity": "machine-regular timing from {who} (gap variation {v})",
    "events_no_player_1h": "{v} events from {who} in 1 hour without a single player heartbeat"}


def _n(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


@lru_cache(maxsize=1 << 16)  # counts repeat from grant to grant: a batch of 5,000 formats thousands
def describe(name: str, value: float) -> str:
    if name in NAMED:
        return NAMED[name](value)
    role, _, rest = name.partition("_")
    if rest in TEMPLATES:
        return TEMPLATES[rest].format(v=_n(value) if rest != "regularity" else f"{value:.2f}", who=WHO.get(role, role))
    if role == "ip" and rest.startswith("distinct_"):  # context columns of event logs (app, channel, ...)
        return f"{_n(value)} different {rest[9:-4]} values from this IP in 24 hours"
    if role == "ip" and rest.endswith("_gap_s"):
        return f"only {_n(value)} s since this IP was last seen with the same {rest[:-6]}"
    if role == "ip" and rest.endswith("_events_24h"):
        return f"{_n(value)} events from this IP with the same {rest[:-11]} in 24 hours"
    return f"{name} = {_n(value)}"


def top_features(names: list[str], x: np.ndarray, low: np.ndarray, mid: np.ndarray, high: np.ndarray,
                 top: int = 3) -> list[list[str]]:
    """Per row, the features furthest outside the genuine 1st..99th percentile band, in words."""
    if x.size == 0 or low is None:
        return [[] for _ in range(len(x))]
    low_risky = np.array([n.endswith(LOW_IS_RISKY) for n in names])
    above = (x - high) / (np.abs(high - mid) + 1.0)
    below = np.where(x >= 0, (low - x) / (np.abs(mid - low) + 1.0), 0.0)
    excess = np.where(low_risky, below, above)
    order = np.argsort(-excess, axis=1)[:, :top]
    telling = np.take_along_axis(excess, order, axis=1) > 0
    values = np.take_along_axis(x, order, axis=1)
    # plain Python values: indexing numpy element by element cost more than the words (5,000 rows)
    return [[describe(names[j], v) for j, v, t in zip(js, vs, ts) if t]
            for js, vs, ts in zip(order.tolist(), values.tolist(), telling.tolist())]
