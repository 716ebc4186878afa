from bench.risk_fold_edges import READ_BATCH, _read_batches, _read_us, _shift_to
from domain.risk.features import BUCKET_MS, PAIR_GRAIN_MS
from risk.memory_aggregates import AggregateMemory


def test_the_shift_puts_the_asked_edge_at_the_asked_time():
    for first in (0, 7_123, BUCKET_MS - 1, PAIR_GRAIN_MS + 5):
        rows = [(0, first)]
        for at in (0, 150_000, 299_999):
            grain = first + at + _shift_to(rows, at, bucket_edge=False)
            assert grain % PAIR_GRAIN_MS == 0 and grain % BUCKET_MS != 0, (first, at)
            bucket = first + at + _shift_to(rows, at, bucket_edge=True)
            assert bucket % BUCKET_MS == 0, (first, at)
            assert _shift_to(rows, at, bucket_edge=True) >= 0 and _shift_to(rows, at, bucket_edge=False) >= 0


def test_the_reads_ask_each_picked_viewers_four_entities_as_new_strings():
    rows = [(i, 1_000 * i, "heartbeat", f"m{i}", f"d{i}", f"10.0.{i % 250}.1", "r", "") for i in range(3_000)]
    rows.append((3_000, 3_000_000, "heartbeat", "", "d-anonymous", "10.9.9.9", "r", ""))  # no member: never picked
    batches = _read_batches(rows, 150, seed=3)
    assert [len(kinds) for kinds, _ in batches] == [4 * READ_BATCH, 4 * 50]
    picked = set()
    for kinds, entities in batches:
        assert kinds == ["device", "ip", "network", "member"] * (len(kinds) // 4)
        for device, ip, network, member in zip(*[iter(entities)] * 4):
            i = int(member[1:])
            assert (device, ip, network) == (f"d{i}", f"10.0.{i % 250}.1", f"10.0.{i % 250}.0/24") and i >= 2_700
            assert device is not rows[i][4]  # a new object, as through the pipe
            picked.add(i)
    assert len(picked) == 150
    assert sum(len(kinds) for kinds, _ in _read_batches(rows, 1_000, seed=3)) == 4 * 300  # all the last tenth has


def test_a_read_costs_cpu_and_the_reads_find_what_was_folded():
    rows = [(i, 1_000 * i, "like", f"m{i % 40}", f"d{i % 40}", f"10.0.{i % 40}.1", "r", "") for i in range(400)]
    memory = AggregateMemory()
    memory.fold_events(rows)
    batches = _read_batches(rows, 40, seed=1)
    got = memory.read(*batches[0], 400_000)
    assert list(got["events_24h"][3::4]) == [10] * len(got["events_24h"][3::4])  # each member's ten likes
    assert _read_us(memory, batches, at_ms=400_000) > 0
