"""CampaignWorkflow: ticks about once a second while the campaign runs (sooner while events keep
coming, at once while a room has a backlog), then writes its summary.

Started by the campaign's Temporal Schedule at its window start. Signals:
pause, resume, stop, update (the spec itself lives in the database, so an
update takes effect at the next tick; the signal only wakes the workflow).
Continues-as-new every `ticks_per_run` ticks to keep its history small.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.campaign_run import CampaignRun, CampaignSummary, FinishInput, TickInput, TickResult
    from workflows.retry import DB_ACTIVITY, TICK_ACTIVITY


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


@workflow.defn(name="CampaignWorkflow")
class CampaignWorkflow:
    def __init__(self) -> None:
        self._paused = False
        self._stop = False
        self._wake = False
        self._wakes = 0  # resume and update signals: a lane waiting out its interval ticks at once
        self._over = False  # a tick found the campaign stopped (from the API/CLI): every lane ends
        self._roll = False  # due to continue as new: every lane ends after its current tick
        self._ticks = 0
        self._lane_results: dict[str | None, TickResult] = {}
        self._rooms: list[str] = []  # the rooms as a tick last found them, when they changed
        self._last: TickResult | None = None
        self._room_wakes: dict[str, int] = {}  # wake signals per room: intake's events for a lane on its timer

    @workflow.run
    async def run(self, run: CampaignRun) -> CampaignSummary | None:
        self._paused, self._stop = self._paused or run.paused, self._stop or run.stop_requested
        if run.recurring and run.window_start is None:
            run = run.model_copy(update={"window_start": workflow.info().start_time.replace(second=0, microsecond=0)})
        if workflow.patched("room-lanes"):
            await self._run_lanes(run)
        else:
            await self._run_rounds(run)
        return await workflow.execute_activity(
            "finish_campaign", FinishInput(campaign_id=run.campaign_id,
                                           reason="stopped" if self._stop else "window ended",
                                           final=self._stop or not run.recurring
                                           or (self._last is not None and self._last.status == "stopped")),
            result_type=CampaignSummary, **DB_ACTIVITY)

    async def _run_lanes(self, run: CampaignRun) -> None:
        """The first tick takes every room and learns them (a run continued as new knows them already:
        no tick holds up all rooms at once); then, with parallel rooms, each room ticks in its own lane
        at its own pace (a room with a burst of grants holds up no other room's ticks), else one lane
        ticks every room together. Returns when the campaign is over; continues as new after
        `ticks_per_run` ticks per lane or when the rooms change."""
        await workflow.wait_condition(lambda: not self._paused or self._stop)
        if self._stop:
            return
        # Wakes count from before the first tick: one signalled while it ran (its lane already handed back
        # to the timer) may arrive with its completion, in the same activation, ahead of it.
        wakes_before = dict(self._room_wakes) if workflow.patched("wakes-from-first-tick") else None
        if run.parallel_rooms and run.rooms:
            first = TickResult(status="running", rooms=run.rooms, more=True)  # tick every lane at once
        else:
            first = await self._tick_activity(run, None, 0)
            self._ticks = 1
        self._last = first
        if first.status in ("ended", "stopped"):
            return
        if first.status == "paused":
            self._paused = True
        lanes = first.rooms if run.parallel_rooms and len(first.rooms) > 1 else [None]
        await asyncio.gather(*(self._lane(run, room, first, per_run=run.ticks_per_run * len(lanes),
                                          wakes_before=wakes_before) for room in lanes))
        self._last = TickResult.merge(list(self._lane_results.values()) or [first])
        if self._stop or self._last.status in ("ended", "stopped"):
            return
        workflow.continue_as_new(run.model_copy(update={
            "ticks": run.ticks + self._ticks, "paused": self._paused,
            "rooms": (self._rooms or first.rooms) if len(lanes) > 1 else []}))

    async def _lane(self, run: CampaignRun, room: str | None, first: TickResult, *, per_run: int,
                    wakes_before: dict[str, int] | None = None) -> None:
        """Tick one room (None: all of them) until it ends, the campaign stops, or the run rolls over:
        at once while it has a backlog, a short pause apart while events keep coming, else every
        `tick_seconds` (or sooner on a resume or update signal)."""
        interval, last, busy_until = run.tick_seconds, first, workflow.now()
        woken = self._woken(room, wakes_before)  # taken before each tick: a wake during it cuts the next wait short
        while True:
            wait_ms, busy = 0, True
            if not last.more:
                found = last.events and not last.idle  # an activity that returned idle found its events long ago
                if found:
                    busy_until = workflow.now() + timedelta(seconds=interval)
                if found or workflow.now() < busy_until:
                    # intake commits in clumps, so a busy room's tick may find none between two; the next
                    # tick waits out the pause itself (server timers fire on whole seconds)
                    wait_ms = max(0, run.pause_ms - last.elapsed_ms)
                else:
                    busy, wakes = False, self._wakes
                    try:
                        await workflow.wait_condition(
                            lambda: self._stop or self._over or self._roll or self._wakes != wakes
                            or self._woken(room) != woken, timeout=timedelta(seconds=interval))
                    except asyncio.TimeoutError:
                        pass
            if self._paused:
                await workflow.wait_condition(lambda: not self._paused or self._stop or self._over)
            if self._stop or self._over or self._roll:
                return
            woken = self._woken(room)
            last = await self._tick_activity(run, room, wait_ms, lane_busy=busy)
            self._lane_results[room] = last
            self._last, self._ticks = TickResult.merge(list(self._lane_results.values())), self._ticks + 1
            if last.status == "ended":
                return
            self._over = self._over or last.status == "stopped"  # stopped from the API/CLI: every lane
            self._paused = self._paused or last.status == "paused"
            if last.rooms != first.rooms:  # a spec update changed the rooms: lanes anew
                self._roll, self._rooms = True, last.rooms
            self._roll = self._roll or self._ticks >= per_run

    def _woken(self, room: str | None, wakes: dict[str, int] | None = None) -> int:
        """Wake signals so far (or in `wakes`) for this lane's room (None: the lane of every room)."""
        wakes = self._room_wakes if wakes is None else wakes
        return sum(wakes.values()) if room is None else wakes.get(room, 0)

    async def _tick_activity(self, run: CampaignRun, room: str | None, wait_ms: int, *,
                             lane_busy: bool | None = None) -> TickResult:
        """One tick; in a lane (lane_busy: whether its room had events within the interval) with
        run.lane_seconds, the lane's ticks for as long as its room stays busy, in one activity."""
        run_for_ms = 0 if lane_busy is None else int(run.lane_seconds * 1000)
        return await workflow.execute_activity(
            "campaign_tick", TickInput(campaign_id=run.campaign_id, window_start=run.window_start,
                                       workflow_id=workflow.info().workflow_id, room_id=room, wait_ms=wait_ms,
                                       run_for_ms=run_for_ms, busy_pause_ms=run.pause_ms,
                                       idle_after_ms=int(run.tick_seconds * 1000), busy=bool(lane_busy)),
            result_type=TickResult, **TICK_ACTIVITY)

    async def _run_rounds(self, run: CampaignRun) -> None:
        """Histories from before patch "room-lanes": all rooms' ticks in rounds."""
        interval, per_run = run.tick_seconds, run.ticks_per_run
        ticks, wait_ms, busy_until = 0, 0, workflow.now()
        while not self._stop:
            if self._paused:
                await workflow.wait_condition(lambda: not self._paused or self._stop)
                continue
            self._last = await self._tick(run, wait_ms)
            ticks += 1
            if self._last.status in ("ended", "stopped"):
                return
            if self._last.status == "paused":  # paused from the API/CLI while no signal reached us
                self._paused = True
            if ticks >= per_run and not self._stop:
                workflow.continue_as_new(run.model_copy(update={"ticks": run.ticks + ticks, "paused": self._paused}))
            wait_ms = 0
            if self._last.more:
                continue  # a room has a backlog: at once
            if self._last.events:
                busy_until = workflow.now() + timedelta(seconds=interval)
            if (self._last.events or workflow.now() < busy_until) and workflow.patched("busy-pause-in-tick"):
                # Busy (events in the last interval; intake commits them in clumps, so a tick may find none
                # between two): ticks start a short pause apart, so grants follow events closely; a tick
                # that took longer than the pause is followed at once (the pause counts from its start).
                # The next tick waits it out itself: the server fires timers on whole seconds (a 0.2 s
                # timer fired after 1 s).
                wait_ms = max(0, run.pause_ms - self._last.elapsed_ms)
                continue
            # idle: the full interval (before patch "busy-pause-in-tick", busy ticks also waited here, 0.2 s)
            pause = interval if self._last.events == 0 else min(interval, 0.2)
            try:
                self._wake = False
                await workflow.wait_condition(lambda: self._stop or self._wake, timeout=timedelta(seconds=pause))
            except asyncio.TimeoutError:
                pass

    async def _tick(self, run: CampaignRun, wait_ms: int) -> TickResult:
        """The first tick learns the rooms; later ticks run one activity per room, in parallel, each
        waiting `wait_ms` first (the busy pause)."""
        parallel = run.parallel_rooms and self._last is not None and len(self._last.rooms) > 1
        rooms = self._last.rooms if parallel else [None]
        parts = await asyncio.gather(*(self._tick_activity(run, room, wait_ms) for room in rooms))
        return TickResult.merge(list(parts))

    @workflow.signal
    def pause(self) -> None:
        self._paused = True

    @workflow.signal
    def resume(self) -> None:
        self._paused = False
        self._wake = True
        self._wakes += 1

    @workflow.signal
    def stop(self) -> None:
        self._stop = True

    @workflow.signal
    def update(self, version: int = 0) -> None:
        self._wake = True
        self._wakes += 1

    @workflow.signal
    def wake(self, room: str = "") -> None:
        """Events came for a room whose lane waits on its timer (activities/lane_wake.py): tick it now."""
        self._room_wakes[room] = self._room_wakes.get(room, 0) + 1

    @workflow.query
    def last_tick(self) -> TickResult | None:
        return self._last
