"""Room events through intake and campaign evaluation together.

    python -m bench.room_events                      # 20 s at 20,000 events/s (quick)
    python -m bench.room_events --duration 300       # the sustained run (several minutes)

A seeded simulated session (simulator/) for several rooms is posted as NDJSON batches
to the real API (uvicorn subprocess) at the target rate; a worker subprocess runs the
campaign's CampaignWorkflow (1 s ticks). A poller notes when each grant becomes
visible; delay = visible time - the event's received_at. events_per_s: events evaluated
from the first post until the campaign cursors caught up with the last one (or until
--catch-up-s after intake ended: then caught_up is false, lag_events_at_end says how many
were left, and p50/p99 cover only the grants made so far, a lower bound on the delay).
risk_aggregates: where the scorer's running aggregates lived (LIVEPERKS_RISK_AGGREGATES: the worker's
memory, or the database's tables); with the tables, risk_fold_backlog_at_catch_up: room events not yet
folded into them at that moment (the scheduled fold takes bursts; grants meanwhile are scored on what is folded).
copy_ceiling_per_s is a plain COPY of the same rows into room_event. The worker's log gives
ticks, seconds in ticks and seconds of those in the risk scorer and in each other phase of a tick
(tick_phase_s_total: start, read, evaluate, grants, commit), the ticks' p50/p99 length, and seconds ticks
waited between being scheduled and starting (tick_queued_s_total) and in the busy pause (tick_paused_s_total).
p50_event_committed_s, p99_event_committed_s: of the delays, the part until intake's commit made the event
readable (the rest is the ticks').
p50_committed_s, p99_committed_s: the same delays to each grant's commit (PostgreSQL's commit timestamps:
exactly when it became visible); the poller's p50_s and p99_s add its polling interval and any pause of
this process, so they are upper bounds.
cpu_cores_during_intake: CPU seconds per second of PostgreSQL, Temporal, the API, the worker and this driver
while events were posted (bench/cpu.py); machine_cores_during_intake: the cores left idle, those the hypervisor
gave to other guests (steal: a slower machine) and those busy outside the stack (elsewhere: another
program shared the machine); a run with either does not compare with a quiet run;
cpu_cores_by_10s: the same, part by part, per 10 s of posting.
python_loop_us: how fast the cores were (bench/cpu.py), before the stack started and per 10 s of posting.
p99_s_by_10s_of_arrival: the p99 delay per 10 s of event arrival.
--hold-back-cores N: a load takes N of the machine's cores while events are posted (bench/cpu_load.py), to see
how the stack fares with less CPU (a slower hour of a shared machine); cpu_cores_during_intake shows what it
took as held_back.
--statements: pg_statements_during_intake, PostgreSQL's execution time per statement over the same stretch
(bench/statements.py), also printed as a table; "posting ..." on stderr marks the stretch's start for profilers.
"""

import argparse
import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlparse

import httpx
import psutil
from sqlalchemy import text

from activities.api_keys import create_key
from activities.coupon_templates import upsert_template
from activities.risk_aggregates import BACKLOG_SQL
from activities.rooms import register_room
from bench.cpu import CpuMeter, python_loop_us
from bench.cpu_load import HeldBack
from bench.statements import start_counting, top_statements
from bench.stack import bench_stack, emit
from core.db import planned_each_call, transaction
from core.gc_tuning import tune_gc
from core.id_holes import IdHoles
from core.settings import PROJECT_ROOT, get_settings
from domain.quarter_marks import QuarterMarks
from models.coupon_api import TemplateSpec
from models.events import RoomBase
from schedules.risk import ensure_risk_schedules
from simulator import SessionConfig, simulate
from tests.stack import free_port


DRIVER_YOUNG_THRESHOLD = 5_000  # allocations between this process's collections of its youngest generation
COUPON = "bench-5-off"  # the keyword rule's coupon template with --keyword-coupon


def _sessions(rooms: list[str], rate: int, duration: float, start: datetime, seed: int) -> list[list[dict]]:
    """Per room, a session sized so that all rooms together make about rate x duration events
    (a small trial session measures events per viewer first)."""
    def config(room: str, viewers: int, i: int) -> SessionConfig:
        return SessionConfig(room_id=room, viewers=viewers, duration_s=duration, seed=seed + i, start=start,
                             heartbeat_s=5.0, online_every_s=1, online_scale=20)
    trial = simulate(config("trial", 200, 0)).events
    viewers = max(50, int(rate * duration / len(rooms) / (len(trial) / 200)))
    return [simulate(config(room, viewers, i)).events for i, room in enumerate(rooms)]


def _batches(sessions: list[list[dict]], size: int) -> list[tuple[str, bytes, int]]:
    """Interleave the rooms in time order, NDJSON-encoded ahead of time (the generator must not be the bottleneck)."""
    merged = sorted((e for s in sessions for e in s), key=lambda e: e["occurred_at"])
    by_room: dict[str, list[dict]] = {}
    out = []
    for e in merged:
        batch = by_room.setdefault(e["room_id"], [])
        batch.append(e)
        if len(batch) >= size:
            out.append((e["room_id"], "\n".join(json.dumps(x, ensure_ascii=False) for x in batch).encode(), len(batch)))
            by_room[e["room_id"]] = []
    out += [(r, "\n".join(json.dumps(x, ensure_ascii=False) for x in b).encode(), len(b))
            for r, b in by_room.items() if b]
    return out


# The grants after the cursor and the holes, each down the primary key. With the campaign's filter beside
# them, a planner without statistics yet (campaign_grant grows from empty during the run) went through the
# campaign's index and re-read every grant of the run on each poll (6.8 ms at 37,000 grants, growing):
# the measuring took cores from what it measured. Materialized, the filter applies to the new rows only,
# and planned on every poll (core.db.planned_each_call): a generic plan made in the run's first seconds
# read the whole table. Bounded on both sides: without statistics yet "id > n" is guessed to match a third
# of the table (a scan of all of it, 5 ms at 65,000 grants), a range a small part; the next poll goes on
# from the last id seen. A poll notes only when each grant was seen; its event's arrival is looked up once
# after the run (Poller.delays): joining room_event on every poll cost PostgreSQL ~50 us a grant meanwhile.
_NEW_GRANTS = (
    "WITH fresh AS MATERIALIZED (SELECT id, campaign_id FROM campaign_grant WHERE id > %(after)s "
    "AND id <= %(after)s + 1000000 "
    "UNION ALL SELECT id, campaign_id FROM campaign_grant WHERE id = ANY(CAST(%(holes)s AS bigint[])) "
    "AND id <= %(after)s) "
    "SELECT id, extract(epoch FROM clock_timestamp()) FROM fresh WHERE campaign_id = %(c)s ORDER BY id")
_ARRIVALS = text(
    "SELECT g.id, extract(epoch FROM e.received_at) FROM campaign_grant g "
    "JOIN room_event e ON e.id = g.source_event_id WHERE g.campaign_id = :c")


class Poller(threading.Thread):
    """Notes when grants become visible (the database's clock). Ticks of several rooms commit concurrently,
    so grant ids become visible out of order: an id skipped over is a hole, looked for again on every poll
    until it appears (or for `hole_wait_s`: a rolled-back id never does)."""

    def __init__(self, campaign_id: str, hole_wait_s: float = 60.0):
        super().__init__(daemon=True)
        self.campaign_id, self.stop_flag, self.last = campaign_id, False, 0
        self.seen: dict[int, float] = {}  # grant id -> when a poll first saw it (epoch s)
        self.holes, self.hole_wait_s = IdHoles(), hole_wait_s

    def run(self) -> None:
        while not self.stop_flag:
            self.poll()
            time.sleep(0.05)

    def poll(self) -> None:
        with transaction() as conn:
            rows = planned_each_call(conn, _NEW_GRANTS, {"c": self.campaign_id, "after": self.last,
                                                         "holes": self.holes.ids()})
        now, ids = time.monotonic(), [r[0] for r in rows]
        self.holes.found(i for i in ids if i <= self.last)
        newer = [i for i in ids if i > self.last]
        self.holes.passed(self.last, newer, now)
        self.holes.give_up(now - self.hole_wait_s)
        self.last = newer[-1] if newer else self.last
        self.seen.update((grant_id, float(at)) for grant_id, at in rows)

    def delays(self) -> tuple[list[float], list[float]]:
        """(arrivals, delays) of the grants seen, in id order: each one's event arrival (epoch s) and the
        seconds from it until a poll saw the grant."""
        with transaction() as conn:
            arrived = {grant_id: float(at) for grant_id, at in conn.execute(_ARRIVALS, {"c": self.campaign_id})}
        pairs = [(arrived[grant_id], seen - arrived[grant_id]) for grant_id, seen in sorted(self.seen.items())
                 if grant_id in arrived]  # (a grant without a source event has no arrival)
        return [a for a, _ in pairs], [d for _, d in pairs]


def _percentile(ordered: list[float], q: float) -> float:
    """The nearest-rank `q` quantile of values sorted ascending."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def delay_figures(arrivals: list[float], delays: list[float], name: str = "") -> dict:
    """p50, p99, max and the p99 per 10 s of arrival, as `p50{name}_s`, ... (NaN without delays)."""
    ordered = sorted(delays) or [float("nan")]
    return {f"p50{name}_s": round(_percentile(ordered, 0.5), 3), f"p99{name}_s": round(_percentile(ordered, 0.99), 3),
            f"max{name}_s": round(ordered[-1], 3), f"p99{name}_s_by_10s_of_arrival": p99_by_window(arrivals, delays)}


def p99_by_window(arrivals: list[float], delays: list[float], window_s: float = 10.0) -> list[float]:
    """p99 of the delay per `window_s` of event arrival time, in order: a steady delay and one that grows
    or spikes give the same overall p99, not the same series."""
    if not arrivals:
        return []
    first = min(arrivals)
    windows: dict[int, list[float]] = {}
    for a, d in zip(arrivals, delays):
        windows.setdefault(int((a - first) // window_s), []).append(d)
    return [round(_percentile(sorted(w), 0.99), 2) for _, w in sorted(windows.items())]


def _rss(procs: list[psutil.Process]) -> float:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
        except psutil.Error:
            pass
    return total / 2**20


def _lag(campaign_id: str) -> int:
    """Events of the campaign's rooms after its cursors (-1 before the first tick)."""
    with transaction() as conn:
        return conn.execute(text(
            "SELECT coalesce(sum((SELECT count(*) FROM room_event e WHERE e.room_id = c.room_id "
            "AND e.id > c.last_event_id)), -1)::bigint FROM campaign_cursor c WHERE c.campaign_id = :c"),
            {"c": campaign_id}).scalar()


def _caught_up(campaign_id: str) -> bool:
    """Every cursor at its room's newest event: one index probe per room (counting the rows after each
    cursor, as _lag does, took ~0.1 s of the database's CPU on every poll while catching up)."""
    with transaction() as conn:
        return bool(conn.execute(text(
            "SELECT coalesce(bool_and(c.last_event_id >= coalesce((SELECT max(e.id) FROM room_event e "
            "WHERE e.room_id = c.room_id), 0)), false) FROM campaign_cursor c WHERE c.campaign_id = :c"),
            {"c": campaign_id}).scalar())


def _evaluated(campaign_id: str) -> int:
    with transaction() as conn:
        return conn.execute(text("SELECT coalesce(sum(events), 0)::bigint FROM campaign_cursor WHERE campaign_id = :c"),
                            {"c": campaign_id}).scalar()


async def _post_all(api_url: str, token: str, batches, rate: int, concurrency: int) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    sent, started = 0, time.monotonic()
    queue: asyncio.Queue = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)

    async def poster(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while not queue.empty():
            room, body, n = queue.get_nowait()
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:  # pace to the target rate
                await asyncio.sleep(ahead)
            sent += n
            r = await client.post(f"/v1/rooms/{room}/events", content=body, headers=headers)
            r.raise_for_status()

    # idle connections dropped before uvicorn's 5 s keep-alive closes them: at low rates a post could
    # otherwise go out on a connection the server was closing (httpx.ReadError)
    async with httpx.AsyncClient(base_url=api_url, timeout=120, limits=httpx.Limits(keepalive_expiry=2.0)) as client:
        await asyncio.gather(*(poster(client) for _ in range(concurrency)))
    return time.monotonic() - started, sent


def _copy_ceiling(sessions: list[list[dict]], limit: int = 200_000) -> float:
    """A plain COPY of the first rows, with the member index's marks intake would give them."""
    rows = [e for s in sessions for e in s][:limit]
    marks = QuarterMarks()
    marked = {}
    for room in {e["room_id"] for e in rows}:
        mine = [e for e in rows if e["room_id"] == room]
        flags, _ = marks.mark(room, [(e["member_id"], datetime.fromisoformat(e["occurred_at"])) for e in mine])
        marked.update(zip((e["event_id"] for e in mine), flags))
    with transaction() as conn:
        raw = conn.connection.driver_connection
        started = time.perf_counter()
        with raw.cursor() as cur:
            with cur.copy("COPY room_event (event_id, room_id, type, member_id, device_id, ip, occurred_at, payload, "
                          "first_in_quarter) FROM STDIN") as copy:
                for e in rows:
                    copy.write_row((f"ceil-{e['event_id']}", e["room_id"], e["type"], e["member_id"], e["device_id"],
                                    e["ip"], e["occurred_at"], json.dumps(e["payload"], ensure_ascii=False),
                                    marked[e["event_id"]]))
        elapsed = time.perf_counter() - started
        conn.execute(text("DELETE FROM room_event WHERE event_id LIKE 'ceil-%'"))
    return len(rows) / elapsed


def _start(argv: list[str], env: dict, log: str) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)


TICK_LINE = re.compile(r"tick bench .*: (\d+) events, .* in ([\d.]+) s \(risk scoring ([\d.]+) s; "
                       r"queued ([\d.]+) s, paused ([\d.]+) s(?:; (.*))?\)")
PHASE = re.compile(r"(\w+) ([\d.]+) s")


def _tick_times(log: str) -> dict:
    """From the worker's log: ticks, seconds in ticks, seconds of those in the risk scorer and in each other
    phase (read, evaluate, grants, commit), the ticks' p50/p99, and seconds the ticks waited: from being
    scheduled to starting (queued) and in the busy pause."""
    ticks = total = scoring = queued = paused = 0.0
    phases: dict[str, float] = {}
    lengths: list[float] = []
    with open(log, errors="replace") as f:
        for line in f:
            if (m := TICK_LINE.search(line)):
                ticks, total, scoring = ticks + 1, total + float(m.group(2)), scoring + float(m.group(3))
                queued, paused = queued + float(m.group(4)), paused + float(m.group(5))
                lengths.append(float(m.group(2)))
                for name, seconds in PHASE.findall(m.group(6) or ""):
                    phases[name] = phases.get(name, 0.0) + float(seconds)
    lengths = sorted(lengths) or [float("nan")]
    return {"ticks": int(ticks), "tick_s_total": round(total, 1), "risk_scoring_s_total": round(scoring, 1),
            "tick_phase_s_total": {name: round(seconds, 1) for name, seconds in phases.items()},
            "tick_p50_s": round(_percentile(lengths, 0.5), 3), "tick_p99_s": round(_percentile(lengths, 0.99), 3),
            "tick_queued_s_total": round(queued, 1), "tick_paused_s_total": round(paused, 1)}


async def main(args) -> None:
    # the cores' speed with nothing of the stack running yet: runs compare only at like speeds
    speed_before_stack = python_loop_us(repeat=10)
    # The throwaway cluster is sized for the load, as a server taking 20,000 events/s would be (unless set
    # otherwise): memory for the tables the fold and the ticks keep rewriting (PostgreSQL's 128 MB made
    # the scorer's backend write out the fold's dirty pages to find room), and checkpoints minutes apart
    # (at the default 1 GB of WAL they came every 17 s, each one making the next change of every page
    # write the whole page to the WAL), with WAL segments ready for reuse as a running server has them
    # (bench/wal_warmup.py). docs/campaigns.md has the figures.
    async with bench_stack(server={"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "15min",
                                   "track_commit_timestamp": "true",
                                   **({"stat_statements": "true"} if args.statements else {})},
                           wal_warmup_mb=min(7000, 512 + 25 * int(args.duration))) as stack:
        from clients import campaigns as ops
        from domain.campaigns.spec import CampaignSpec

        env = {**os.environ, "DATABASE_URL": stack.database_url, "LIVEPERKS_TASK_QUEUE": stack.task_queue,
               "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host}
        port = free_port()
        logdir = os.environ.get("TMPDIR", "/tmp")
        api = _start([sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning",
                      "--workers", str(args.api_workers)], env, f"{logdir}/bench-room-events-api.log")
        worker_log = f"{logdir}/bench-room-events-worker.log"
        worker = _start([sys.executable, "-m", "bench.room_events_worker"],
                        {**env, "BENCH_RISK_SCORER": args.risk_scorer}, worker_log)
        try:
            await _run(args, stack, ops, CampaignSpec, f"http://127.0.0.1:{port}", api, worker, worker_log,
                       speed_before_stack)
        finally:
            for p in (api, worker):
                p.terminate()
                p.wait(timeout=30)


async def _run(args, stack, ops, CampaignSpec, api_url: str, api, worker, worker_log: str,
               speed_before_stack: float) -> None:
    rooms = [f"bench-room-{i}" for i in range(args.rooms)]
    with transaction() as conn:
        for r in rooms:
            register_room(conn, RoomBase(room_id=r))
        live = create_key(conn, name="bench-live", role="live-platform").token
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=args.duration + 5)
    sessions = _sessions(rooms, args.rate, args.duration, start, args.seed)
    batches = _batches(sessions, args.batch)
    total = sum(n for _, _, n in batches)
    # The simulated session (a million event objects) stays in memory while it is posted: the
    # driver collects as the services do, and keeps the session out of every full collection
    # (with CPython's defaults the driver itself spent 8.9 s of a 60 s run in the collector,
    # CPU the services under test did not get).
    tune_gc()
    gc.freeze()
    # ...but its youngest generation often: each post leaves a few reference cycles (httpx's request,
    # URL, headers, events), and at the services' threshold a collection met ~50,000 objects one to
    # three times a run and paused this process 0.07-0.33 s, the poller with it, so the grants it saw
    # then counted the pause in their delays. At 5,000 the pauses are 0.4 ms at the median (17 ms at most
    # in a 120 s run) and the driver's CPU is the same.
    gc.set_threshold(DRIVER_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    spec = CampaignSpec.model_validate({
        "id": "bench", "rooms": rooms,
        "window": {"start": (start - timedelta(minutes=1)).isoformat(),
                   "end": (start + timedelta(hours=2)).isoformat()},
        "rules": [
            {"id": "watch", "trigger": {"type": "watch_minutes", "minutes": args.watch_minutes},
             "reward": {"points": 10}, "limits": {"per_viewer": 100}},
            {"id": "keyword", "trigger": {"type": "comment_keyword", "keywords": ["想要", "lucky"]},
             "reward": {"coupon_template": COUPON} if args.keyword_coupon else {"points": 1},
             "limits": {"per_viewer": 3}},
            {"id": "share", "trigger": {"type": "share"}, "reward": {"points": 5}}],
        "budget": {"points": args.points_budget}})
    for _ in range(100):  # wait for the API to listen
        try:
            httpx.get(f"{api_url}/healthz", timeout=1)
            break
        except httpx.HTTPError:
            await asyncio.sleep(0.2)
    await ensure_risk_schedules(stack.client)  # as `dev up` does (with the tables, a fold schedule)
    if args.keyword_coupon:
        with transaction() as conn:
            upsert_template(conn, TemplateSpec(id=COUPON, name="5 off", kind="amount_off", amount_off=Decimal("5"),
                                               validity="relative", valid_hours=24))
    await ops.create(stack.client, spec)
    poller = Poller("bench")
    poller.start()
    procs = [psutil.Process(api.pid), psutil.Process(worker.pid)]
    peak = 0.0
    sampling = True

    async def sample() -> None:
        nonlocal peak
        while sampling:
            peak = max(peak, _rss(procs))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    memory_child = next((c for c in procs[1].children() if "risk.memory_process" in " ".join(c.cmdline())), None)
    held_back = HeldBack(args.hold_back_cores).start()
    meter = CpuMeter(processes={"api": procs[0], "worker": procs[1], "risk_memory": memory_child,
                                "held_back": held_back.process},
                     ports={"postgres": urlparse(stack.database_url).port or 5432,
                            "temporal": int(stack.client.service_client.config.target_host.rsplit(":", 1)[1])}).start()
    if args.statements:
        with transaction() as conn:
            start_counting(conn)
    started = time.monotonic()
    # profilers start here; the stamps' start places the risk memory's bucket and grain edges in the run
    print(f"posting {total:,} events at {args.rate:,}/s, stamped from {start:%H:%M:%S} UTC", file=sys.stderr,
          flush=True)
    laps: list[dict] = []
    speeds: list[float] = []

    async def lap_every_10s() -> None:  # the cores per 10 s: which part took them when a run slowed down,
        while True:  # and how fast they were then (a slower machine for a while, or a busier one)
            await asyncio.sleep(10)
            laps.append(meter.lap())
            speeds.append(python_loop_us())

    lapper = asyncio.create_task(lap_every_10s())
    try:
        post_s, sent = await _post_all(api_url, live, batches, args.rate, args.concurrency)
        lapper.cancel()
        cpu_cores = meter.cores()  # while intake ran: what each part of the stack took of the cores
        machine_cores = meter.machine()  # and what none could: idle, the hypervisor's (steal), outside the stack
    finally:
        held_back.stop()  # measured above, while it still ran; stopped with a failed run too
    statements = []
    if args.statements:  # the same stretch as the cores
        with transaction() as conn:
            statements = top_statements(conn)
    while not _caught_up("bench") and time.monotonic() - started < post_s + args.catch_up_s:
        await asyncio.sleep(0.1)
    caught_up = time.monotonic() - started
    lag = _lag("bench")  # events not evaluated when the wait ended (0: caught up)
    aggregates = get_settings().risk_aggregates  # the worker's, from the same environment
    fold_backlog = None
    if aggregates == "database":
        with transaction() as conn:  # room events the risk aggregates had not folded yet at that moment
            fold_backlog = conn.execute(text(BACKLOG_SQL)).scalar()
    evaluated = _evaluated("bench")
    await asyncio.sleep(0.5)
    poller.stop_flag = True
    poller.join()
    poller.poll()
    sampling = False
    await sampler
    await ops.stop(stack.client, "bench")
    ceiling = _copy_ceiling(sessions)
    with transaction() as conn:  # where the delay goes: until the tick wrote the grant vs until it committed
        written = conn.execute(text(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g.created_at - e.received_at)) "
            "FROM campaign_grant g JOIN room_event e ON e.id = g.source_event_id "
            "WHERE g.campaign_id = 'bench'")).scalar()
    committed = _committed_delays("bench")
    budget_left = _budget_left("bench", args.points_budget)
    for row in statements:  # a table for the reader; the JSON line keeps them too
        print(f"{row['exec_s']:9.2f} s {row['calls']:8} calls {row['rows']:9} rows  {row['statement']}",
              file=sys.stderr)
    emit({"events": total, "target_rate": args.rate, "duration_s": args.duration,
          "intake_seconds": round(post_s, 2), "intake_per_s": round(sent / post_s),
          "events_per_s": round(evaluated / caught_up), "evaluation_caught_up_s": round(caught_up, 2),
          "grants": len(poller.seen), "grants_per_event": round(len(poller.seen) / max(1, total), 3),
          "watch_minutes": args.watch_minutes, "points_budget": args.points_budget, **budget_left,
          "keyword_coupon": args.keyword_coupon, **_coupons(args.keyword_coupon),
          "hold_back_cores": args.hold_back_cores, "p50_until_written_s": round(float(written or 0), 3),
          **delay_figures(*poller.delays()), **committed,
          "peak_rss_mb": round(peak), "copy_ceiling_per_s": round(ceiling), "rooms": args.rooms,
          "caught_up": lag == 0, "lag_events_at_end": lag, "risk_aggregates": aggregates,
          "risk_fold_backlog_at_catch_up": fold_backlog, "risk_scorer": args.risk_scorer,
          "batch": args.batch, "cores": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2),
          "cpu_cores_during_intake": cpu_cores, "machine_cores_during_intake": machine_cores,
          "cpu_cores_by_10s": {name: [lap.get(name) for lap in laps] for name in (laps[0] if laps else {})},
          "python_loop_us": {"before_stack": speed_before_stack, "by_10s": speeds},
          **_tick_times(worker_log), **_server_settings(),
          **({"pg_statements_during_intake": statements} if args.statements else {})})


def _committed_delays(campaign_id: str) -> dict:
    """The delays again, to each grant's commit (pg_xact_commit_timestamp: when it became visible) rather
    than to the poll that saw it. The poller's figures are upper bounds: they add its polling interval and
    any pause of this process (its collector, a busy machine); these are exact."""
    with transaction() as conn:
        rows = conn.execute(text(
            "SELECT extract(epoch FROM e.received_at), "
            "extract(epoch FROM pg_xact_commit_timestamp(g.xmin) - e.received_at), "
            "extract(epoch FROM pg_xact_commit_timestamp(e.xmin) - e.received_at) "
            "FROM campaign_grant g JOIN room_event e ON e.id = g.source_event_id WHERE g.campaign_id = :c"),
            {"c": campaign_id}).all()
    stored = sorted(float(s) for _, _, s in rows) or [float("nan")]
    # of the delay, the part until intake's own commit made the event readable (the rest is the ticks')
    return delay_figures([float(a) for a, _, _ in rows], [float(d) for _, d, _ in rows], name="_committed") | {
        "p50_event_committed_s": round(_percentile(stored, 0.5), 3),
        "p99_event_committed_s": round(_percentile(stored, 0.99), 3)}


def _coupons(issued: bool, campaign_id: str = "bench", template_id: str = COUPON) -> dict:
    """The keyword rule's coupons: how many, and whether each granted coupon grant has its coupon."""
    if not issued:
        return {}
    with transaction() as conn:
        coupons, granted = conn.execute(text(
            "SELECT (SELECT count(*) FROM coupon WHERE template_id = :t), (SELECT count(*) FROM campaign_grant "
            "WHERE campaign_id = :c AND reward_kind = 'coupon' AND status = 'granted')"),
            {"t": template_id, "c": campaign_id}).one()
    return {"coupons_issued": coupons, "coupons_match_grants": coupons == granted}


def _budget_left(campaign_id: str, budget: int | None) -> dict:
    """What the budget has left, and whether that is the budget less the points granted and held."""
    if budget is None:
        return {}
    with transaction() as conn:
        left, used = conn.execute(text(
            "SELECT (SELECT points_remaining FROM campaign_budget WHERE campaign_id = :c AND rule_id = ''), "
            "(SELECT coalesce(sum(points), 0) FROM campaign_grant WHERE campaign_id = :c AND reward_kind = 'points' "
            "AND status IN ('granted', 'held'))"), {"c": campaign_id}).one()
    return {"points_budget_left": left, "points_budget_adds_up": left == budget - used}


def _server_settings() -> dict:
    """The PostgreSQL settings the figures depend on, as the server reports them."""
    with transaction() as conn:
        return {f"pg_{name}": conn.execute(text(f"SHOW {name}")).scalar_one()
                for name in ("shared_buffers", "max_wal_size", "checkpoint_timeout", "wal_init_zero",
                             "track_commit_timestamp")}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds of events (300 for the sustained run)")
    parser.add_argument("--rate", type=int, default=20_000, help="target events per second")
    parser.add_argument("--rooms", type=int, default=4)
    parser.add_argument("--batch", type=int, default=2000, help="events per POST")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent POSTs")
    parser.add_argument("--api-workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--risk-scorer", choices=["full", "blocklists"], default="full",
                        help="blocklists: a diagnostic run with campaign grants scored by the blocklists only")
    parser.add_argument("--statements", action="store_true",
                        help="load pg_stat_statements and report where PostgreSQL's time went during intake")
    parser.add_argument("--hold-back-cores", type=float, default=0.0,
                        help="cores a load takes while events are posted (bench/cpu_load.py): a slower machine")
    parser.add_argument("--catch-up-s", type=float, default=120, help="how long to wait for evaluation after intake")
    parser.add_argument("--watch-minutes", type=float, default=0.5,
                        help="the watch rule pays every this many minutes watched (0.5: a grant for ~12%% of events, "
                             "the stress mix; 5, the issue's own example, makes grants ~10x rarer)")
    parser.add_argument("--keyword-coupon", action="store_true",
                        help="the keyword rule gives a 5-yuan coupon instead of a point: coupons in the mix")
    parser.add_argument("--points-budget", type=int, default=None,
                        help="the campaign's points budget (none by default): every grant then takes from it, as an "
                             "operator's budgeted campaign does; a billion does not run out")
    asyncio.run(main(parser.parse_args()))
