"""The scorer's running aggregates held in worker memory: the numbers queries/risk_aggregates.py reads
from the database tables, from the same definitions (domain/risk/features.py), without the tables.

Folding a room event here is a few dictionary updates; in PostgreSQL it was an upsert per entity,
bucket and pair (at 20,000 events/s the fold and its reads took most of a core). The database stays the
log: risk/memory_follow.py reads room events and risk decisions after its cursors and folds them here,
and a worker that starts replays the last day. Not thread-safe: the follower's lock guards it.
"""

from array import array

import numpy as np

from domain.risk.features import (BUCKET_MS, CHURN_TYPES, COMMENT_ACCOUNTS_CAP, DAY, DISTINCT_CAP, HOUR,
                                  PAIR_GRAIN_MS, RECENT_ACTS)
from queries.risk_aggregates import COUNTS
from risk.logfile import cached_network_of

EVENTS, CHURN, HEARTBEATS, COMMENTS, ORDERS, GRANTS = range(6)  # a bucket's counts, as risk_agg_bucket's columns
FIRST, ACTS, COMMENT_MS, COMMENT_TEXT = range(4)  # an entity's fields, as risk_agg_entity's columns


def _capped(last_seen: dict[str, int] | None, after_ms: int, cap: int) -> int:
    """How many sub-entities were last seen after `after_ms`, counting up to `cap`."""
    if not last_seen:
        return 0
    n = 0
    for last_ms in last_seen.values():
        if last_ms > after_ms:
            n += 1
            if n >= cap:
                break
    return n


def _capped_two(last_seen: dict[str, int] | None, near_ms: int, far_ms: int, cap: int) -> tuple[int, int]:
    """_capped after `near_ms` and after `far_ms` (<= near_ms) in one pass: an IP's or a network's accounts
    in the hour and the day are counted over the same few hundred members."""
    if not last_seen:
        return 0, 0
    near = far = 0
    for last_ms in last_seen.values():
        if last_ms > far_ms:
            far += 1
            if last_ms > near_ms:
                near += 1
                if near >= cap:  # and far >= near
                    break
    return near, min(far, cap)


KINDS = ("device", "ip", "network", "member")
assert KINDS[-1] == "member"  # fold_events takes the member's record as the last one it touched
_FIELD_OF = {"heartbeat": HEARTBEATS, "enter": CHURN, "leave": CHURN, "comment": COMMENTS, "order_paid": ORDERS}
assert set(CHURN_TYPES) == {t for t, f in _FIELD_OF.items() if f == CHURN}


def _move(slots: tuple, grain: int) -> None:
    """Each (dict, sub) in `slots` seen at `grain`, unless seen later."""
    pairs = iter(slots)
    for last, sub in zip(pairs, pairs):
        if last.get(sub, -1) < grain:
            last[sub] = grain


class AggregateMemory:
    """Per kind (device, ip, network, member) and entity: buckets of counts, last-seen pairs and action
    times. Keyed by kind first, so a fold makes no key tuples: most events are a viewer's heartbeat,
    and folding them is most of the follower's work."""

    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, dict[int, list[int]]]] = {kind: {} for kind in KINDS}
        self.pairs: dict[tuple[str, str], dict[str, dict[str, int]]] = {}  # -> sub_kind -> sub -> last grain
        self.presence: dict[tuple[str, str, str, str], int] = {}  # (member, device, ip, room) -> last grain
        # (member, device, ip, room) -> (bucket, presence grain, its roles' counts, the member's entity, its
        # entities' records or None, the dicts its pairs move in or None) as of its last event: the next in the
        # same bucket and grain adds to those, the next in a new grain moves the pairs through those dicts
        self.watching: dict[tuple[str, str, str, str], tuple] = {}
        # kind -> entity -> [first_ms, last actions (newest first), comment_ms, comment text]; the actions in
        # an array of int64, inline: as a list of ints, an entity's 11 took 536 bytes, 208 now
        self.entities: dict[str, dict[str, list]] = {kind: {} for kind in KINDS}
        # One int object per bucket and grain: the millions of pair times and bucket keys share a few, where
        # each row made its own (32 bytes apiece, and a read's count of a network's accounts chased them
        # across memory: a third of a read's CPU, bench.risk_fold_edges)
        self.edges: dict[int, int] = {}

    def _count(self, kind: str, entity: str, bucket: int, field: int) -> None:
        per = self.buckets[kind].get(entity)
        if per is None:
            per = self.buckets[kind][entity] = {}
        counts = per.get(bucket)
        if counts is None:
            counts = per[self.edges.setdefault(bucket, bucket)] = [0, 0, 0, 0, 0, 0]
        counts[field] += 1

    def _pair(self, kind: str, entity: str, sub_kind: str, sub: str, grain: int) -> None:
        _move(self._slots(kind, entity, ((sub_kind, sub),)), grain)

    def _slots(self, kind: str, entity: str, subs: tuple) -> list:
        """The entity's last-seen dict of each (sub_kind, sub), flat with its sub: [dict, sub, dict, sub, ...].
        One lookup of the entity for all of them."""
        if not entity:
            return []
        by_kind = self.pairs.get((kind, entity))
        if by_kind is None:
            by_kind = self.pairs[(kind, entity)] = {}
        slots = []
        for sub_kind, sub in subs:
            if sub:
                last = by_kind.get(sub_kind)
                if last is None:
                    last = by_kind[sub_kind] = {}
                slots += (last, sub)
        return slots

    def _pair_slots(self, member: str, device: str, ip: str, room: str) -> tuple:
        """The last-seen dicts a viewer's pairs move in, with their subs: kept in the viewer's `watching`
        entry, so a new grain moves them without finding them again."""
        network = cached_network_of(ip) if ip else ""
        viewer = (("member", member), ("room", room))
        return tuple(self._slots("device", device, viewer) + self._slots("ip", ip, viewer)
                     + self._slots("network", network, viewer)
                     + self._slots("member", member, (("room", room), ("ip", ip), ("device", device))))

    @staticmethod
    def _act(known: list, t: int) -> None:
        """An action at `t` into the entity's first time and last actions (newest first, at most RECENT_ACTS)."""
        if t < known[FIRST]:
            known[FIRST] = t
        acts = known[ACTS]
        if not acts or t >= acts[0]:
            acts.insert(0, t)
        else:  # a late event: into its place, largest first
            acts.insert(next((i for i, x in enumerate(acts) if x <= t), len(acts)), t)
        if len(acts) > RECENT_ACTS:
            acts.pop()

    def fold_events(self, rows) -> None:
        """Room events as (id, t_ms, type, member, device, ip, room, comment key) rows.

        Most rows are a viewer's next event in the same bucket and grain as its last one: `watching` keeps,
        per viewer, the counts that event adds to and its entities' records, so such a row is a lookup and a
        few increments (a heartbeat), or those and its entities' last actions (a like, a comment). A viewer's
        first event in a new grain of the same bucket moves its pairs through the dicts its entry keeps. Only
        its first event in a bucket, or a late one, takes the full path: its entities' buckets, its pairs,
        and then the viewer's entry in `watching`."""
        stores = tuple(self.buckets[kind] for kind in KINDS)
        acted = tuple(self.entities[kind] for kind in KINDS)
        members, presence, watching, field_of, act = (self.entities["member"], self.presence, self.watching,
                                                      _FIELD_OF, self._act)
        shared = self.edges.setdefault
        for _, t, etype, member, device, ip, room, text in rows:
            bucket, grain, seen = t - t % BUCKET_MS, t - t % PAIR_GRAIN_MS, (member, device, ip, room)
            field = field_of.get(etype)
            hot = watching.get(seen)
            if hot is not None and hot[0] == bucket:
                if hot[1] < grain:
                    grain = shared(grain, grain)
                    # The viewer's first event in a new pair grain: every watching viewer at once at each grain
                    # edge. Its counts stay; its pairs move, in the dicts its entry keeps (the full path found
                    # them again: a burst of 2 s of CPU within 5 s, every 5 minutes, at 20,000/s).
                    # An entry's grain is always its presence's (both are written together), so it moves.
                    slots = hot[5] or self._pair_slots(member, device, ip, room)
                    presence[seen] = grain
                    _move(slots, grain)
                    hot = watching[seen] = (hot[0], grain) + hot[2:5] + (slots,)
                for counts in hot[2]:
                    counts[EVENTS] += 1
                    if field is not None:
                        counts[field] += 1
                known = hot[3]
                if field == HEARTBEATS:  # counts for when the member was first seen, not as an action
                    if known is not None and t < known[FIRST]:
                        known[FIRST] = t
                    continue
                records = hot[4]
                if records is not None:
                    for record in records:
                        act(record, t)
                    if text and member:
                        self._comment(known, text, member, t, grain)
                    continue
                network = cached_network_of(ip) if ip else ""  # for the entities' records, below
            else:
                slots = hot[5] if hot is not None else None  # the same viewer's: any bucket's entry has them
                hot = None
                bucket, grain = shared(bucket, bucket), shared(grain, grain)
                network = cached_network_of(ip) if ip else ""
                touched = []
                for store, entity in zip(stores, (device, ip, network, member)):
                    if entity:
                        per = store.get(entity)
                        if per is None:
                            per = store[entity] = {}
                        counts = per.get(bucket)
                        if counts is None:
                            counts = per[bucket] = [0, 0, 0, 0, 0, 0]
                        counts[EVENTS] += 1
                        if field is not None:
                            counts[field] += 1
                        touched.append(counts)
                if presence.get(seen, -1) < grain:  # a watching viewer's pairs move once per grain
                    presence[seen] = grain
                    slots = slots or self._pair_slots(member, device, ip, room)
                    _move(slots, grain)
            if field == HEARTBEATS:
                known = None
                if member:
                    known = members.get(member)
                    if known is None:
                        known = members[member] = [t, array("q"), None, ""]
                    elif t < known[FIRST]:
                        known[FIRST] = t
                watching[seen] = (bucket, presence[seen], tuple(touched), known, None, slots)
                continue
            records = []
            for store, entity in zip(acted, (device, ip, network, member)):
                if entity:
                    known = store.get(entity)
                    if known is None:
                        known = store[entity] = [t, array("q", (t,)), None, ""]
                    else:
                        act(known, t)
                    records.append(known)
            known = records[-1] if member else None  # the member's record: KINDS ends with "member"
            if text and member:
                self._comment(known, text, member, t, grain)
            if hot is None:
                watching[seen] = (bucket, presence[seen], tuple(touched), known, tuple(records), slots)
            else:  # a heartbeat's entry, its entities' records now known
                watching[seen] = hot[:4] + (tuple(records), hot[5])

    def _comment(self, known: list, text: str, member: str, t: int, grain: int) -> None:
        """The member's latest comment (a tie: the larger text, as the SQL) and the text's commenters."""
        self._pair("text", text, "member", member, self.edges.setdefault(grain, grain))
        if known[COMMENT_MS] is None or (t, text) > (known[COMMENT_MS], known[COMMENT_TEXT]):
            known[COMMENT_MS], known[COMMENT_TEXT] = t, text

    def fold_decisions(self, rows) -> None:
        """Risk decisions as (id, t_ms, 'order' | 'grant', member) rows: the member's order and grant counts."""
        for _, t, kind, member in rows:
            if member:
                self._count("member", member, t - t % BUCKET_MS, ORDERS if kind == "order" else GRANTS)

    def read(self, kinds: list[str], entities: list[str], at_ms: int) -> dict:
        """What queries.risk_aggregates.entity_aggregates returns for the same entities at `at_ms`. Summed in
        plain ints and lists, made arrays once at the end (an element update of a numpy array costs as
        much as the rest of an entity's read)."""
        hour_from, day_from = at_ms - at_ms % BUCKET_MS - HOUR, at_ms - at_ms % HOUR - DAY
        hour_after, day_after = at_ms - HOUR, at_ms - DAY
        no_acts = [np.nan] * RECENT_ACTS
        counts, first, recent = [], [], []
        for key in zip(kinds, entities):
            kind, name = key
            e1 = e24 = churn = beats = said = orders = grants = 0
            for bucket, c in (self.buckets[kind].get(name) or {}).items():
                if day_from <= bucket <= at_ms:
                    e24 += c[EVENTS]
                    orders += c[ORDERS]
                    grants += c[GRANTS]
                    if bucket >= hour_from:
                        e1 += c[EVENTS]
                        churn += c[CHURN]
                        beats += c[HEARTBEATS]
                        said += c[COMMENTS]
            pairs = self.pairs.get(key) or {}
            accounts_1h = accounts_24h = rooms_1h = rooms_24h = ips_1h = devices_24h = same_text = 0
            if kind == "member":
                rooms_1h = _capped(pairs.get("room"), hour_after, DISTINCT_CAP)
                ips_1h = _capped(pairs.get("ip"), hour_after, DISTINCT_CAP)
                devices_24h = _capped(pairs.get("device"), day_after, DISTINCT_CAP)
            else:
                accounts_1h, accounts_24h = _capped_two(pairs.get("member"), hour_after, day_after, DISTINCT_CAP)
                rooms_24h = _capped(pairs.get("room"), day_after, DISTINCT_CAP)
            entity = self.entities[kind].get(name)
            if entity is None:
                first.append(np.nan)
                recent.append(no_acts)
            else:
                first.append(entity[FIRST])
                acts = entity[ACTS]
                recent.append(acts.tolist() + no_acts[len(acts):])
                if entity[COMMENT_MS] is not None and entity[COMMENT_MS] > hour_after:
                    text_pairs = (self.pairs.get(("text", entity[COMMENT_TEXT])) or {}).get("member")
                    same_text = _capped(text_pairs, hour_after, COMMENT_ACCOUNTS_CAP)
            # in COUNTS' order
            counts.append((e1, e24, churn, beats, said, orders, grants, accounts_1h, accounts_24h, rooms_1h,
                           rooms_24h, ips_1h, devices_24h, same_text))
        n = len(counts)  # the reshapes give an empty read its columns' shapes
        columns = np.array(counts, dtype=np.float64).reshape(n, len(COUNTS)).T.copy()
        return dict(zip(COUNTS, columns)) | {"first_ms": np.array(first, dtype=np.float64),
                                             "recent_acts": np.array(recent, dtype=np.float64).reshape(n, RECENT_ACTS)}

    def prune(self, before_ms: int) -> int:
        """Drop buckets, pairs and presence older than `before_ms`, and the entities of devices, IPs and
        networks with nothing newer (a member's entity stays: its account age must not restart).
        Returns how many entries went."""
        dropped = 0
        self.watching.clear()  # a cache of bucket counts and pair dicts, some of which go now
        for edge in [e for e in self.edges if e < before_ms]:
            del self.edges[edge]
        for store in self.buckets.values():
            for entity in list(store):
                per = store[entity]
                old = [b for b in per if b < before_ms]
                for b in old:
                    del per[b]
                dropped += len(old)
                if not per:
                    del store[entity]
        for key in list(self.pairs):
            by_kind = self.pairs[key]
            for sub_kind in list(by_kind):
                last = by_kind[sub_kind]
                old = [s for s, ms in last.items() if ms < before_ms]
                for s in old:
                    del last[s]
                dropped += len(old)
                if not last:
                    del by_kind[sub_kind]
            if not by_kind:
                del self.pairs[key]
        old_presence = [k for k, grain in self.presence.items() if grain < before_ms]
        for k in old_presence:
            del self.presence[k]
        dropped += len(old_presence)
        for kind, store in self.entities.items():
            if kind != "member":
                old = [entity for entity, e in store.items() if not e[ACTS] or e[ACTS][0] < before_ms]
                for entity in old:
                    del store[entity]
                dropped += len(old)
        return dropped
