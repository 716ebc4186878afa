"""Order points multipliers from campaign rules (order_paid + multiplier): rows in points_multiplier that
settlement already reads, scoped to the campaign's rooms and window."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.spec import CampaignSpec


def ensure_multipliers(conn: Connection, spec: CampaignSpec) -> None:
    """Make the rows match the enabled multiplier rules (idempotent; a disabled rule removes them)."""
    source = f"campaign:{spec.id}"
    wanted = max((r.reward.multiplier for r in spec.all_rules() if r.enabled and r.reward.multiplier), default=None)
    want = {(room, float(wanted), spec.window.start, spec.window.end) for room in spec.rooms} if wanted else set()
    if _rows(conn, source) == want:  # nearly always: no lock, so parallel room ticks do not queue here
        return
    # a change: one transaction at a time rewrites the rows (taken for the rest of the caller's transaction)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('campaign-multipliers:' || :c))"), {"c": spec.id})
    if _rows(conn, source) == want:  # another transaction made the same change meanwhile
        return
    conn.execute(text("DELETE FROM points_multiplier WHERE source = :s AND scope = 'room'"), {"s": source})
    for room, m, a, b in sorted(want):
        conn.execute(text("INSERT INTO points_multiplier (scope, key, multiplier, starts_at, ends_at, source) "
                          "VALUES ('room', :k, :m, :a, :b, :s)"), {"k": room, "m": m, "a": a, "b": b, "s": source})


def _rows(conn: Connection, source: str) -> set[tuple]:
    rows = conn.execute(text("SELECT key, multiplier, starts_at, ends_at FROM points_multiplier "
                             "WHERE source = :s AND scope = 'room'"), {"s": source}).all()
    return {(k, float(m), a, b) for k, m, a, b in rows}
