"""Order points multipliers from campaign rules (order_paid + multiplier): rows in points_multiplier that
settlement already reads, scoped to the campaign's rooms and to each rule's time in force (the window,
or its phase).

Settlement reads the row in force when the order was paid, and an order system may start a
settlement late, so the past is never rewritten: a change (a rule disabled, a new multiplier, a
pause, a resume) ends the current rows now and writes rows from now on. What was in force while a
campaign was paused stays a gap."""

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain.campaigns.spec import CampaignSpec


def wanted_rows(spec: CampaignSpec) -> set[tuple]:
    """(room, multiplier, starts_at, ends_at) of every enabled multiplier rule."""
    start, end = spec.window.start, spec.window.end
    periods = [(r, start, end) for r in spec.rules]
    periods += [(r, start + timedelta(minutes=p.start_minute),
                 min(end, start + timedelta(minutes=p.end_minute)) if p.end_minute is not None else end)
                for p in spec.phases for r in p.rules]
    return {(room, round(float(r.reward.multiplier), 2), a, b) for r, a, b in periods
            if r.enabled and r.reward.multiplier for room in spec.rooms}


def _from_now(rows: set[tuple], now: datetime) -> set[tuple]:
    return {(room, m, max(a, now), b) for room, m, a, b in rows if b > now}


def ensure_multipliers(conn: Connection, spec: CampaignSpec, *, now: datetime | None = None,
                       current: set[tuple] | None = None) -> None:
    """Make the rows from now on match the enabled multiplier rules (idempotent). `current`: the
    campaign's rows as the caller read them in this transaction (current_rows), saving a read."""
    source = f"campaign:{spec.id}"
    now = now or conn.execute(text("SELECT now()")).scalar_one()
    want = _from_now(wanted_rows(spec), now)
    if _from_now(_rows(conn, source) if current is None else current, now) == want:  # nearly always: no lock,
        return  # so room ticks do not queue here
    # a change: one transaction at a time rewrites the rows (taken for the rest of the caller's transaction)
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('campaign-multipliers:' || :c))"), {"c": spec.id})
    if _from_now(_rows(conn, source), now) == want:  # another transaction made the same change meanwhile
        return
    end_rows(conn, spec.id, now=now)
    for room, m, a, b in sorted(want):
        conn.execute(text("INSERT INTO points_multiplier (scope, key, multiplier, starts_at, ends_at, source) "
                          "VALUES ('room', :k, :m, :a, :b, :s)"), {"k": room, "m": m, "a": a, "b": b, "s": source})


def end_rows(conn: Connection, campaign_id: str, *, now: datetime | None = None) -> None:
    """The campaign's multipliers end now (pause, stop, a change); rows not yet begun go."""
    params = {"s": f"campaign:{campaign_id}", "now": now}
    at = "coalesce(CAST(:now AS timestamptz), now())"
    conn.execute(text(f"DELETE FROM points_multiplier WHERE source = :s AND starts_at >= {at}"), params)
    conn.execute(text(f"UPDATE points_multiplier SET ends_at = {at} WHERE source = :s "
                      f"AND coalesce(ends_at, 'infinity') > {at}"), params)


# The campaign's rows as JSON, for a caller reading them within a statement of its own (current_rows).
ROWS_JSON = ("(SELECT coalesce(json_agg(json_build_array(m.key, m.multiplier, m.starts_at, m.ends_at)), '[]') "
             "FROM points_multiplier m WHERE m.source = 'campaign:' || {campaign} AND m.scope = 'room')")


def current_rows(rows_json: list) -> set[tuple]:
    """ROWS_JSON's value as _rows returns the rows (timestamps come as ISO text, exactly)."""
    return {(k, float(m), datetime.fromisoformat(a), b and datetime.fromisoformat(b)) for k, m, a, b in rows_json}


def _rows(conn: Connection, source: str) -> set[tuple]:
    rows = conn.execute(text("SELECT key, multiplier, starts_at, ends_at FROM points_multiplier "
                             "WHERE source = :s AND scope = 'room'"), {"s": source}).all()
    return {(k, float(m), a, b) for k, m, a, b in rows}
