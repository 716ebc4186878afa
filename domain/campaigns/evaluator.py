"""Play a batch of room events through a campaign's rules: candidate grants plus the new state.

Pure: the caller loads the state saved with the cursor, passes the events after
the cursor, and saves the returned state with the grants in one transaction, so a
re-run tick starts from the same state and produces the same candidates.
"""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple
from domain.campaigns import triggers as t
from domain.campaigns.spec import CampaignSpec, Rule


class Ev(NamedTuple):
    """One room event (a tuple: built straight from a database row, hundreds of thousands per second)."""
    id: int
    event_id: str
    type: str
    member_id: str | None
    device_id: str
    ip: str
    at: float  # epoch seconds
    payload: dict


_ROOM_COUNTERS = frozenset({"online_count", "like", "flash_sale_start", "flash_sale_end"})
NO_PAYLOAD = MappingProxyType({})  # shared, read-only: heartbeats, enters and leaves carry none

# The event types each trigger looks at (None: every event of a member); the evaluator calls a rule's
# trigger only for those, not for every event.
WANTS: dict[str, frozenset | None] = {
    "watch_minutes": frozenset({"heartbeat"}), "watch_without_order": frozenset({"heartbeat"}),
    "comment_keyword": frozenset({"comment"}), "viewer_likes": frozenset({"like"}), "room_likes": frozenset({"like"}),
    "share": frozenset({"share"}), "first_visit": None, "online_milestone": frozenset({"online_count"}),
    "host_command": frozenset({"host_command", "comment"}), "flash_sale": None,
    "top_fan": frozenset({"rank_update"}), "order_paid": frozenset({"order_paid"})}


def _count(payload, default: int) -> int:
    """A payload's count. Intake refuses malformed ones; an event stored before it did counts as `default`
    (a tick that raised on it would be retried for ever, holding up its room)."""
    value = payload.get("count", default)
    return value if type(value) is int else default


def _ranking(payload) -> list[str]:
    ranking = payload.get("ranking")
    return [m for m in ranking if isinstance(m, str)] if isinstance(ranking, list) else []


@dataclass(frozen=True)
class Match:
    rule_id: str
    member_id: str
    occurrence: int  # 1-based count of this rule for this member: part of the idempotency key
    event_row_id: int
    device_id: str
    ip: str
    detail: dict = field(default_factory=dict)


@dataclass
class Lottery:
    rule_id: str
    draw_key: str
    seed: str
    entrants: list[str]
    winners: list[str]
    event_row_id: int  # the online count that drew it; the winners' grants name it as their source


class Evaluator:
    def __init__(self, spec: CampaignSpec, state: dict, *, gap_s: float, seen_before: set[str] | None = None):
        self.spec, self.gap_s = spec, gap_s
        self.viewers: dict[str, dict] = state.setdefault("viewers", {})
        self.counts: dict[str, dict[str, int]] = state.setdefault("counts", {})
        self.room: dict = state.setdefault("room", {"likes": 0, "online": 0, "commands": [], "sale": None})
        self.state = state
        self.seen_before = seen_before or set()
        self.matches: list[Match] = []
        self.lotteries: list[Lottery] = []
        start, end = spec.window.start.timestamp(), spec.window.end.timestamp()
        # (from, to, rules) in epoch seconds: checking floats per event, not datetimes
        self.spans = [(start, end, [r for r in spec.rules if r.enabled])] + [
            (start + p.start_minute * 60, end if p.end_minute is None else start + p.end_minute * 60,
             [r for r in p.rules if r.enabled]) for p in spec.phases]
        self._segment: tuple[float, float, list[Rule]] = (0.0, -1.0, [])
        # event type -> [(rule, trigger function)] for the current segment. The class's functions, not bound
        # methods: a bound method held here would make every evaluator a reference cycle (with its matches
        # and spec), left for the collector to find instead of freed when the tick is done with it.
        self._dispatch: dict[str, list] = {}

    def active_rules(self, at: float) -> list[Rule]:
        lo, hi, rules = self._segment
        if lo <= at < hi:  # events come in time order: the segment of the previous event usually holds
            return rules
        rules = [r for lo, hi, rs in self.spans if lo <= at < hi for r in rs]
        self._dispatch = {}
        # the largest [lo, hi) around `at` in which no span starts or ends: the same rules hold throughout
        edges = sorted({x for lo, hi, _ in self.spans for x in (lo, hi)})
        lo = max((x for x in edges if x <= at), default=float("-inf"))
        hi = min((x for x in edges if x > at), default=float("inf"))
        self._segment = (lo, hi, rules)
        return rules

    # -- bookkeeping ------------------------------------------------------------------------------
    def _grant(self, rule: Rule, member: str, e: Ev, **detail) -> bool:
        done = self.counts.setdefault(rule.id, {}).get(member, 0)
        if done >= rule.limits.per_viewer:
            return False
        self.counts[rule.id][member] = done + 1
        v = self.viewers.get(member, {})
        self.matches.append(Match(rule.id, member, done + 1, e.id, v.get("d", ""), v.get("i", ""), detail))
        return True

    def present(self, at: float) -> list[str]:
        return sorted(m for m, v in self.viewers.items() if v["p"] and at - v["s"] <= self.gap_s)

    # -- the walk ---------------------------------------------------------------------------------
    def run(self, events: list[Ev]) -> list[Match]:
        # the hottest loop of a campaign tick (every room event): the segment's bounds and the bound
        # methods held in locals, the segment's rules looked up again only when an event leaves it
        update, lo, hi, dispatch = self._update, 0.0, -1.0, self._dispatch
        for e in events:
            if not lo <= e.at < hi:
                self.active_rules(e.at)
                lo, hi, _ = self._segment
                dispatch = self._dispatch
            v = update(e)
            calls = dispatch.get(e.type)
            if calls is None:
                calls = dispatch[e.type] = self._calls_for(e.type)
            for rule, handler in calls:
                handler(self, rule, e)
            if v is not None and "new" in v:  # a first-visit trigger looks at the viewer's first event only
                del v["new"]
        self._expire_commands(events[-1].at if events else 0)
        return self.matches

    def _calls_for(self, event_type: str) -> list:
        """The active rules whose trigger looks at this event type, in rule order."""
        return [(r, getattr(type(self), f"_on_{r.trigger.type}")) for r in self._segment[2]
                if WANTS.get(r.trigger.type, None) is None or event_type in WANTS[r.trigger.type]]

    def _update(self, e: Ev) -> dict | None:
        """The room's and the viewer's state after the event; returns the viewer's (None: a room-wide event)."""
        kind, member = e.type, e.member_id
        if kind in _ROOM_COUNTERS:
            self._update_room(e)
        if not member:
            return None
        v = self.viewers.get(member)
        if v is None:
            v = self.viewers[member] = {"w": 0.0, "h": None, "l": 0, "p": 0, "o": 0, "s": e.at, "d": "", "i": "",
                                        "new": 1}
        if e.device_id:
            v["d"] = e.device_id
        if e.ip:
            v["i"] = e.ip
        if kind == "leave":
            v["p"], v["h"] = 0, None
            return v
        v["p"], v["s"] = 1, e.at
        if kind == "heartbeat":
            v["w"], v["h"] = t.add_heartbeat(v["w"], v["h"], e.at, self.gap_s)
        elif kind == "like":
            v["l"] += max(0, _count(e.payload, 1))
        elif kind == "order_paid":
            v["o"] = 1
        return v

    def _update_room(self, e: Ev) -> None:
        if e.type == "online_count":
            online = self.room["online"]  # a malformed count leaves it as it was
            self.room["online_before"], self.room["online"] = online, _count(e.payload, online)
        elif e.type == "like" and e.member_id:
            self.room["likes_before"] = self.room["likes"]
            self.room["likes"] += max(0, _count(e.payload, 1))
        elif e.type == "flash_sale_start":
            self.room["sale"] = e.event_id
        elif e.type == "flash_sale_end":
            self.room["sale"] = None

    def _expire_commands(self, now: float) -> None:
        self.room["commands"] = [c for c in self.room["commands"] if c["until"] >= now]

    # -- one method per trigger type --------------------------------------------------------------
    def _on_watch_minutes(self, rule: Rule, e: Ev) -> None:
        if e.type == "heartbeat":
            v = self.viewers[e.member_id]
            if t.watched_enough(v["w"], rule.trigger.minutes, self.counts.get(rule.id, {}).get(e.member_id, 0)):
                self._grant(rule, e.member_id, e, watched_s=round(v["w"]))

    def _on_watch_without_order(self, rule: Rule, e: Ev) -> None:
        if e.type == "heartbeat":
            v = self.viewers[e.member_id]
            if t.watched_without_order(v["w"], bool(v["o"]), rule.trigger.minutes,
                                       self.counts.get(rule.id, {}).get(e.member_id, 0)):
                self._grant(rule, e.member_id, e, watched_s=round(v["w"]))

    def _on_comment_keyword(self, rule: Rule, e: Ev) -> None:
        if e.type == "comment" and t.comment_matches(str(e.payload.get("text", "")), rule.trigger.keywords):
            self._grant(rule, e.member_id, e)

    def _on_viewer_likes(self, rule: Rule, e: Ev) -> None:
        if e.type == "like":
            done = self.counts.get(rule.id, {}).get(e.member_id, 0)
            if t.likes_reached(self.viewers[e.member_id]["l"], rule.trigger.count, done):
                self._grant(rule, e.member_id, e)

    def _on_room_likes(self, rule: Rule, e: Ev) -> None:
        if e.type == "like":
            for threshold in t.thresholds_crossed(self.room.get("likes_before", 0), self.room["likes"],
                                                  rule.trigger.thresholds):
                for m in self.present(e.at):
                    self._grant(rule, m, e, room_likes=threshold)

    def _on_share(self, rule: Rule, e: Ev) -> None:
        if e.type == "share":
            self._grant(rule, e.member_id, e)

    def _on_first_visit(self, rule: Rule, e: Ev) -> None:
        if e.member_id and self.viewers[e.member_id].get("new") and t.is_first_visit(e.member_id, self.seen_before):
            self._grant(rule, e.member_id, e)

    def _on_online_milestone(self, rule: Rule, e: Ev) -> None:
        if e.type != "online_count" or not t.milestone_crossed(self.room.get("online_before", 0),
                                                              self.room["online"], rule.trigger.count):
            return
        if not self._once(rule):  # a count that dips and recovers reaches no milestone again
            return
        present = self.present(e.at)
        if rule.trigger.mode == "lottery":
            seed = t.lottery_seed(self.spec.id, rule.id, e.event_id)
            winners = t.lottery_winners(present, rule.trigger.winners, seed)
            key = f"{self.spec.id}:{rule.id}:{e.event_id}"
            self.lotteries.append(Lottery(rule.id, key, seed, present, winners, e.id))
            present = winners
        for m in present:
            self._grant(rule, m, e, online=self.room["online"])

    def _on_host_command(self, rule: Rule, e: Ev) -> None:
        trig = rule.trigger
        if e.type == "host_command":
            word = str(e.payload.get("word", ""))
            if not word or not t.command_word_allowed(word, trig.word):
                return
            if trig.mode == "present":
                for m in self.present(e.at):
                    self._grant(rule, m, e, word=word)
            else:
                self.room["commands"].append({"rule": rule.id, "event_id": e.event_id, "word": word,
                                              "opened_at": e.at, "until": e.at + trig.seconds, "taken": 0})
        elif e.type == "comment":
            for c in self.room["commands"]:
                if c["rule"] != rule.id:
                    continue
                cmd = t.OpenCommand(c["event_id"], c["word"], c["opened_at"], c["until"], c["taken"])
                if t.answers_command(str(e.payload.get("text", "")), e.at, cmd, mode=trig.mode, n=trig.n) \
                        and self._grant(rule, e.member_id, e, word=c["word"]):
                    c["taken"] += 1

    def _on_flash_sale(self, rule: Rule, e: Ev) -> None:
        if e.member_id and t.in_flash_sale(e.type, rule.trigger.interactions, self.room["sale"] is not None):
            self._grant(rule, e.member_id, e, sale=self.room["sale"])

    def _on_top_fan(self, rule: Rule, e: Ev) -> None:
        if e.type != "rank_update":
            return
        if rule.trigger.at_minute is not None:  # the ranking at one moment: the first update from then on
            if e.at < self.spec.window.start.timestamp() + rule.trigger.at_minute * 60 or not self._once(rule):
                return
        for rank, m in enumerate(t.top_fans(_ranking(e.payload), rule.trigger.top_n), 1):
            self._grant(rule, m, e, rank=rank)

    def _once(self, rule: Rule) -> bool:
        """True the first time in this run (an online milestone reached, a ranking's moment come)."""
        fired = self.room.setdefault("fired_once", [])
        if rule.id in fired:
            return False
        fired.append(rule.id)
        return True

    def _on_order_paid(self, rule: Rule, e: Ev) -> None:
        if e.type == "order_paid" and rule.reward.points is not None:
            self._grant(rule, e.member_id, e, order_id=e.payload.get("order_id"))
