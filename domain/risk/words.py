"""Feature values in words an operator understands ("47 accounts on this device in 1 hour")."""

import numpy as np

WHO = {"device": "this device", "ip": "this IP", "network": "this IP's network", "member": "this account"}
LOW_IS_RISKY = ("_gap_s", "_regularity", "member_age_s", "member_heartbeats_1h")


def _n(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def describe(name: str, value: float) -> str:
    role, _, rest = name.partition("_")
    who = WHO.get(role, role)
    if name == "member_age_s":
        return f"account first seen {_n(value / 60)} minutes ago"
    if name == "member_ips_1h":
        return f"{_n(value)} different IPs used by this account in 1 hour"
    if name == "member_devices_24h":
        return f"{_n(value)} devices used by this account in 24 hours"
    if name == "member_rooms_1h":
        return f"{_n(value)} rooms visited by this account in 1 hour"
    if name == "member_heartbeats_1h":
        return f"{_n(value)} player heartbeats from this account in 1 hour"
    if name == "member_orders_24h":
        return f"{_n(value)} orders by this account in 24 hours"
    if name == "member_comments_1h":
        return f"{_n(value)} comments by this account in 1 hour"
    if name == "ipctx_events_1h":
        return f"{_n(value)} events with the same IP and attributes in 1 hour"
    if name == "ipctx_gap_s":
        return f"only {_n(value)} s since the same IP and attributes were last seen"
    if role == "ip" and rest.startswith("distinct_"):
        return f"{_n(value)} different {rest[9:-4]} values from this IP in 24 hours"
    if role == "ip" and rest.endswith("_gap_s") and rest != "gap_s":
        return f"only {_n(value)} s since this IP was last seen with the same {rest[:-6]}"
    if role == "ip" and rest.endswith("_events_24h") and rest != "events_24h":
        return f"{_n(value)} events from this IP with the same {rest[:-11]} in 24 hours"
    templates = {
        "events_1h": "{v} events from {who} in 1 hour", "events_24h": "{v} events from {who} in 24 hours",
        "accounts_1h": "{v} accounts on {who} in 1 hour", "accounts_24h": "{v} accounts on {who} in 24 hours",
        "rooms_24h": "{v} rooms visited from {who} in 24 hours",
        "churn_1h": "{v} room enters and leaves from {who} in 1 hour",
        "gap_s": "only {v} s between events from {who}",
        "regularity": "machine-regular timing from {who} (gap variation {v})"}
    if rest in templates:
        return templates[rest].format(v=_n(value) if rest != "regularity" else f"{value:.2f}", who=who)
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
    return [[describe(names[j], x[i, j]) for j in order[i] if excess[i, j] > 0] for i in range(len(x))]
