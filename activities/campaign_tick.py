"""The campaign tick: new room events since the cursor -> triggers -> grants, one transaction per batch.

The campaign row is locked first, so two ticks of one campaign never overlap; the
cursor row (locked FOR UPDATE) holds the last event id, moved with the grants. The
trigger state lives in worker memory between ticks, trusted only when it is as of that
cursor, else rebuilt from the durable snapshot (activities/campaign_state.py).
A tick that dies before commit leaves everything as it was; one that is re-run
after commit finds the cursor moved and the grant keys taken, and changes nothing.
"""

import json
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection
from temporalio import activity

from activities import campaign_snapshots as snapshots
from activities import campaign_state as room_state
from activities import lane_wake
from activities.campaign_batch import batch_size, learn_speed
from activities.campaign_budget import stops
from activities.campaign_grants import BatchOutcome, Thresholds, apply_grants
from activities.campaign_lane import LaneCursors, keep_ticking, may_linger
from activities.campaign_rewards import Grant
from activities.campaign_store import load_for_tick, load_spec, summarize
from activities.multipliers import end_rows, ensure_multipliers
from core.db import planned_each_call, transaction
from core.settings import get_settings
from core.stopwatch import Stopwatch
from domain.errors import BadInput
from domain.campaigns.evaluator import Ev, Evaluator
from domain.campaigns.spec import CampaignSpec
from models.campaign_run import CampaignSummary, FinishInput, TickInput, TickResult
from queries.room_events import SHOP_ROOMS

log = logging.getLogger(__name__)
PHASES = ["start", "read", "evaluate", "grants", "commit"]  # of a tick's time, logged (risk scoring apart)



def run_window(spec: CampaignSpec, window_start: datetime | None) -> tuple[str, CampaignSpec]:
    """(run id, spec with this run's window): a recurring campaign's runs each start afresh."""
    if window_start is None or window_start == spec.window.start:
        return spec.id, spec
    length = spec.window.end - spec.window.start
    moved = spec.model_copy(update={"window": spec.window.model_copy(
        update={"start": window_start, "end": window_start + length})})
    return f"{spec.id}@{window_start:%Y%m%dT%H%M}", moved


# room_event grows by thousands a second: planned on every call (core.db.planned_each_call)
SEEN_BEFORE = ("SELECT m.member_id FROM unnest(CAST(%(m)s AS text[]), CAST(%(f)s AS bigint[])) "
               "AS m(member_id, first_id) WHERE EXISTS (SELECT 1 FROM room_event e WHERE e.member_id = m.member_id "
               "AND e.room_id = ANY(%(rooms)s) AND e.id < m.first_id AND e.first_in_quarter)")


def _seen_before(conn: Connection, spec: CampaignSpec, room_id: str, events: list[Ev], known: dict) -> set[str]:
    """The batch's members with an earlier event in the room (or shop): no newcomer grant for them. Only
    members the trigger state does not know yet are looked up (one index probe each): the others have
    been seen by this campaign already, and the first-visit trigger looks only at a viewer's first event.
    A member's first event in a room is always marked `first_in_quarter` (domain/quarter_marks.py), so
    looking at marked rows, the ones the member index holds, finds the same."""
    scopes = spec.newcomer_scopes()
    if not scopes:
        return set()
    first: dict[str, int] = {}
    for e in events:
        if e.member_id and e.member_id not in known:
            first.setdefault(e.member_id, e.id)
    if not first:
        return set()
    rooms = [room_id]
    if "shop" in scopes:
        rooms = list(conn.execute(text(SHOP_ROOMS), {"r": room_id}).scalars())
    return {member for (member,) in planned_each_call(conn, SEEN_BEFORE, {"m": list(first), "f": list(first.values()),
                                                                          "rooms": rooms})}


def tick_room(conn: Connection, run_id: str, spec: CampaignSpec, room_id: str, *, exhausted: dict[str, str],
              outcome: BatchOutcome, done: list, grants: list[Grant], batch: int,
              cursors: dict[str, int], watch: Stopwatch) -> tuple[int, bool]:
    """Evaluate one batch of one room and move its cursor. Returns (events evaluated, whether a full
    batch was read). Appends the candidate grants to `grants` (the caller applies every room's in one
    batch: one risk-scoring call per tick), (room, RoomState) to `done` (cached after commit), and sets
    the room's cursor in `cursors` (the lane's probe: LaneCursors); `watch` times its read and evaluation."""
    settings = get_settings()
    with watch.phase("read"):
        events, after, counted, entry = _read_room(conn, run_id, spec, room_id, batch)
    cursors[room_id] = events[-1].id if events else after
    if not events:
        if entry is not None:
            done.append((room_id, entry))
        return 0, False
    with watch.phase("evaluate"):
        if entry is None:  # not ours in memory: the durable snapshot, then the events after it
            snapshot, snapshot_id = snapshots.latest(conn, run_id, room_id)
            state = room_state.rebuild(conn, spec, room_id, snapshot=snapshot, snapshot_id=snapshot_id, cursor=after,
                                       gap_s=settings.heartbeat_gap_seconds,
                                       seen_before=lambda evs, known: _seen_before(conn, spec, room_id, evs, known))
            entry = room_state.RoomState(cursor=after, state=state, snapshot_at=0.0, events=counted)
        candidates, dropped = _evaluate(conn, run_id, spec, room_id, entry, events, exhausted)
    grants += candidates
    outcome.by_status["dropped_budget_exhausted"] += dropped
    entry.cursor, entry.events = events[-1].id, entry.events + len(events)
    conn.execute(text("UPDATE campaign_cursor SET last_event_id = :id, events = :n, updated_at = now() "
                      "WHERE campaign_id = :c AND room_id = :r"),
                 {"id": entry.cursor, "n": entry.events, "c": run_id, "r": room_id})
    done.append((room_id, entry))
    return len(events), len(events) >= batch


_CURSOR = text("SELECT last_event_id, events FROM campaign_cursor WHERE campaign_id = :c AND room_id = :r FOR UPDATE")


def _read_room(conn: Connection, run_id: str, spec: CampaignSpec, room_id: str, batch: int):
    """(events after the cursor, the cursor, events counted so far, this worker's state if as of the
    cursor), the cursor row locked."""
    cursor = conn.execute(_CURSOR, {"c": run_id, "r": room_id}).one_or_none()
    if cursor is None:  # the room's first tick in this run (one round trip less on every other)
        conn.execute(text("INSERT INTO campaign_cursor (campaign_id, room_id) VALUES (:c, :r) ON CONFLICT DO NOTHING"),
                     {"c": run_id, "r": room_id})
        cursor = conn.execute(_CURSOR, {"c": run_id, "r": room_id}).one()
    after, counted = cursor
    entry = room_state.take(run_id, room_id, after)
    events = room_state.read_events(conn, spec, room_id, after=after, limit=batch)
    return events, after, counted, entry


def _evaluate(conn: Connection, run_id: str, spec: CampaignSpec, room_id: str, entry: room_state.RoomState,
              events: list[Ev], exhausted: dict[str, str]) -> tuple[list[Grant], int]:
    """(candidate grants, matches dropped for a budget already exhausted); the state moves on, lottery
    draws are recorded."""
    evaluator = Evaluator(spec, entry.state, gap_s=get_settings().heartbeat_gap_seconds,
                          seen_before=_seen_before(conn, spec, room_id, events, entry.state.get("viewers", {})))
    matches = evaluator.run(events)
    for draw in evaluator.lotteries:
        conn.execute(text("INSERT INTO lottery_draw (draw_key, campaign_id, rule_id, room_id, source_event_id, seed, "
                          "entrants, winners) VALUES (:k, :c, :r, :room, :ev, :s, CAST(:e AS jsonb), "
                          "CAST(:w AS jsonb)) ON CONFLICT DO NOTHING"),
                     {"k": f"{run_id}:{draw.rule_id}:{draw.draw_key}", "c": spec.id, "r": draw.rule_id,
                      "room": room_id, "ev": draw.event_row_id, "s": draw.seed, "e": json.dumps(draw.entrants),
                      "w": json.dumps(draw.winners)})
    rules = {r.id: r for r in spec.all_rules()}
    kinds = {r.id: "points" if r.reward.points else "coupon" for r in rules.values()}
    candidates = [Grant(key=f"campaign:{run_id}:{m.rule_id}:{m.member_id}:{m.occurrence}", campaign_id=spec.id,
                    rule_id=m.rule_id, room_id=room_id, member_id=m.member_id, kind=kinds[m.rule_id],
                    points=rules[m.rule_id].reward.points or 0,
                    template_id=rules[m.rule_id].reward.coupon_template or "",
                    device_id=m.device_id, ip=m.ip, source_event_id=m.event_row_id, title=rules[m.rule_id].title,
                    valid_minutes=rules[m.rule_id].reward.coupon_valid_minutes, detail=m.detail)
              for m in matches if not stops(exhausted, m.rule_id, kinds[m.rule_id])]
    return candidates, len(matches) - len(candidates)


@activity.defn(name="campaign_tick")
def campaign_tick(inp: TickInput) -> TickResult:
    """One tick over every room in one transaction, or over one room (the workflow ticks rooms in
    parallel); with run_for_ms, further ticks while events keep coming (activities/campaign_lane.py).
    Room ticks share the campaign row (FOR SHARE, so a spec update waits for them) and each
    locks its own cursor row; budgets, caps and the ledger are safe under that concurrency."""
    lane_wake.lane_runs(inp.workflow_id, [inp.room_id] if inp.room_id else None)
    # Watched from before the first read until handed back: intake's notification in between is never lost.
    with lane_wake.notified_of([inp.room_id] if inp.room_id else []) as notified:
        result = _lane(inp, LaneCursors(notified=notified))
        if inp.workflow_id and result.status == "running" and (result.idle or not result.events):
            # the workflow waits on its timer next (or ticks at once, and a wake costs one tick)
            lane_wake.lane_waits(inp.workflow_id, [inp.room_id] if inp.room_id else result.rooms)
            if notified.is_set():  # events came after the lane's last read: tick again at once, not on the timer
                result = result.model_copy(update={"more": True, "idle": False})
    return result


def _lane(inp: TickInput, lane: LaneCursors) -> TickResult:
    first = tick_once(inp, inp.wait_ms, queued_s=_queued_s(), lane=lane)
    if inp.run_for_ms <= 0:
        return first
    with may_linger() as lingering:
        return keep_ticking(inp, first, lambda wait_ms: tick_once(inp, wait_ms, lane=lane),
                            probe=lane.wait_for_events if lingering else None,
                            linger_s=get_settings().campaign_lane_linger_seconds)


def tick_once(inp: TickInput, wait_ms: int, *, queued_s: float = 0.0, lane: LaneCursors | None = None) -> TickResult:
    """One tick (one transaction) after waiting `wait_ms`; `queued_s` only goes to the log. Once
    committed, `lane` holds the rooms' cursors."""
    if wait_ms > 0:  # the busy pause, here because server timers fire on whole seconds
        time.sleep(wait_ms / 1000)
    started, watch = time.perf_counter(), Stopwatch()
    _mark_running(inp)
    with transaction() as conn:
        with watch.phase("start"):
            (spec, status, _), now, budgets, multipliers = load_for_tick(conn, inp.campaign_id)
        if status in ("paused", "stopped"):
            return TickResult(status=status, rooms=spec.rooms)
        run_id, spec = run_window(spec, inp.window_start)
        rooms = spec.rooms if inp.room_id is None else [r for r in spec.rooms if r == inp.room_id]
        if lane is not None and lane.notified is not None:  # before the reads (the lane of every room learns
            lane.notified.clear()  # its rooms here): from now on, set means events after this tick's read
            lane_wake.watch(lane.notified, rooms)
        with watch.phase("start"):
            ensure_multipliers(conn, spec, now=now, current=multipliers)
        outcome, events, more, done, grants, ticked = BatchOutcome(), 0, False, [], [], {}
        batch = batch_size(run_id, inp.room_id or "", len(rooms), _attempt())  # per room, from past ticks
        for room_id in rooms:
            n, full = tick_room(conn, run_id, spec, room_id, exhausted=budgets.exhausted, outcome=outcome, done=done,
                                grants=grants, batch=batch, cursors=ticked, watch=watch)
            events, more = events + n, more or full
            if time.perf_counter() - started > 1.0:  # a short tick's completion is its sign of life
                _heartbeat()
        risk = spec.risk
        with watch.phase("grants"):
            result = apply_grants(conn, grants, now=now, unlimited_points=budgets.unlimited_points,
                                  thresholds=Thresholds(risk.hold_above if risk else None,
                                                        risk.deny_above if risk else None))
        watch.add("grants", -result.score_s)  # the scorer's time is logged on its own
        outcome.by_status.update(result.by_status)
        outcome.by_rule.update(result.by_rule)
        ended = now >= spec.window.end + timedelta(seconds=get_settings().heartbeat_gap_seconds) and not more
        committing = time.perf_counter()
    watch.add("commit", time.perf_counter() - committing)
    if lane is not None:  # committed
        lane.rooms.update(ticked)
        lane.start, lane.end = spec.window.start, spec.window.end
    every_s = get_settings().campaign_snapshot_seconds
    for room_id, entry in done:  # committed: the states in memory are now exactly as of the cursors
        if room_state.snapshot_due(entry, every_s):
            snapshots.save_later(run_id, room_id, event_id=entry.cursor, state=entry.state)
            room_state.snapshot_taken(entry, every_s)
        room_state.put(run_id, room_id, entry)
    elapsed = time.perf_counter() - started
    learn_speed(run_id, inp.room_id or "", events, elapsed, behind=more)
    if events:
        log.info("tick %s %s: %d events, %s in %.3f s (risk scoring %.3f s; queued %.3f s, paused %.3f s; %s)",
                 inp.campaign_id, inp.room_id or "all rooms", events, dict(outcome.by_status), elapsed, result.score_s,
                 queued_s, wait_ms / 1000, watch.summary(PHASES))
    return TickResult(status="ended" if ended else "running", events=events, grants=dict(outcome.by_status),
                      more=more, rooms=spec.rooms, elapsed_ms=int(elapsed * 1000))


def _heartbeat() -> None:
    """Alive (the tick's heartbeat timeout notices a dead worker; a slow tick may go on)."""
    try:
        activity.heartbeat()
    except RuntimeError:  # called directly, not as an activity
        pass


def _queued_s() -> float:
    """From the workflow scheduling this tick to its start here (dispatch, a busy worker's thread pool)."""
    try:
        scheduled = activity.info().current_attempt_scheduled_time
    except RuntimeError:  # called directly, not as an activity
        return 0.0
    return max(0.0, (datetime.now(scheduled.tzinfo) - scheduled).total_seconds())


def _attempt() -> int:
    try:
        return activity.info().attempt
    except RuntimeError:  # called directly (tests, dry runs), not as an activity
        return 1


_marked: set[tuple[str, str]] = set()  # (campaign, workflow) this process saw running: no transaction needed


def _mark_running(inp: TickInput) -> None:
    """scheduled -> running, and remember the workflow to signal (a short transaction of its own, once per
    workflow in this process: only a create sets 'scheduled', and a later tick finds any pause or stop itself)."""
    if inp.workflow_id and (inp.campaign_id, inp.workflow_id) in _marked:
        return
    with transaction() as conn:
        status, workflow_id = conn.execute(text("SELECT status, workflow_id FROM campaign WHERE campaign_id = :c"),
                                           {"c": inp.campaign_id}).one_or_none() or (None, None)
        if status is None:
            raise BadInput(f"unknown campaign {inp.campaign_id}")
        if status == "scheduled" or (inp.workflow_id and workflow_id != inp.workflow_id and status == "running"):
            conn.execute(text("UPDATE campaign SET status = 'running', workflow_id = :w, updated_at = now() "
                              "WHERE campaign_id = :c AND status IN ('scheduled', 'running')"),
                         {"c": inp.campaign_id, "w": inp.workflow_id})
    if inp.workflow_id and status in ("scheduled", "running"):  # now running as this workflow
        _marked.add((inp.campaign_id, inp.workflow_id))


@activity.defn(name="finish_campaign")
def finish_campaign(inp: FinishInput) -> CampaignSummary:
    """Stop the campaign (window over or operator stop) and store its summary."""
    with transaction() as conn:
        load_spec(conn, inp.campaign_id, lock=True)  # BadInput for an unknown campaign
        if inp.final:
            conn.execute(text("UPDATE campaign SET status = 'stopped', updated_at = now() WHERE campaign_id = :c"),
                         {"c": inp.campaign_id})
            end_rows(conn, inp.campaign_id)
        summary = summarize(conn, inp.campaign_id)
        conn.execute(text("UPDATE campaign SET summary = CAST(:s AS jsonb) WHERE campaign_id = :c"),
                     {"s": summary.model_dump_json(), "c": inp.campaign_id})
    room_state.forget(inp.campaign_id)  # this run is over: free the memory (the snapshot stays in the database)
    return summary
