"""The benchmarks' CPU meter: a busy process tree counts about a core, an idle one about nothing, a
part found by its listening port counts its process, one not found is left out."""

import socket
import subprocess
import sys
import time

import psutil

from bench.cpu import CpuMeter, _part_cores, python_loop_us

BUSY = "import time\nend = time.time() + 30\nwhile time.time() < end: pass"
IDLE = "import time; time.sleep(30)"


def _spawn(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


def test_a_busy_child_counts_about_a_core_and_an_idle_one_nothing():
    busy_parent = _spawn(f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY!r}])")
    idle = _spawn(IDLE)
    try:
        time.sleep(0.5)  # the busy grandchild is running
        meter = CpuMeter(processes={"busy": psutil.Process(busy_parent.pid), "idle": psutil.Process(idle.pid)},
                         ports={}).start()
        time.sleep(1.5)
        cores = meter.cores()
    finally:
        for p in (busy_parent, idle):
            for child in psutil.Process(p.pid).children(recursive=True):
                child.kill()
            p.kill()
    assert cores["busy"] > 0.5  # the grandchild's spinning counts for its parent's tree
    assert cores["idle"] < 0.1
    assert set(cores) == {"busy", "idle", "bench"}


def test_a_part_is_found_by_its_listening_port_or_left_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            nobody = unused.getsockname()[1]  # bound, not listening
            meter = CpuMeter(processes={}, ports={"me": port, "nobody": nobody})
    assert meter.roots["me"].pid == psutil.Process().pid
    assert "nobody" not in meter.roots


def test_a_part_inside_another_parts_tree_counts_apart():
    parent = _spawn(f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY!r}])")
    try:
        time.sleep(0.5)
        busy_child = psutil.Process(parent.pid).children()[0]
        meter = CpuMeter(processes={"parent": psutil.Process(parent.pid), "child": busy_child}, ports={}).start()
        time.sleep(1.5)
        cores = meter.cores()
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.kill()
        parent.kill()
    assert cores["child"] > 0.5  # the spinning child is its own part...
    assert cores["parent"] < 0.1  # ...and not its parent's as well


def test_the_machine_says_what_no_part_used():
    busy = _spawn(BUSY)
    try:
        meter = CpuMeter(processes={}, ports={}).start()
        time.sleep(1.5)
        machine = meter.machine()
    finally:
        busy.kill()
    assert set(machine) == {"idle", "steal", "elsewhere"}
    assert 0.0 <= machine["steal"] <= psutil.cpu_count()
    assert machine["elsewhere"] > 0.5  # the spinning process is no part of the meter
    # one core spun the whole time: at most the others were idle
    assert machine["idle"] <= psutil.cpu_count() - 0.5


def test_laps_count_only_their_own_stretch():
    busy = _spawn(BUSY)
    try:
        meter = CpuMeter(processes={"busy": psutil.Process(busy.pid)}, ports={}).start()
        time.sleep(1.0)
        first = meter.lap()
        busy.kill()
        busy.wait()
        time.sleep(1.0)
        second = meter.lap()  # the busy process is gone: nothing of the first lap carries over
    finally:
        busy.kill()
    assert first["busy"] > 0.5 and set(first) == {"busy", "bench", "idle", "steal", "elsewhere"}
    assert second.get("busy", 0.0) < 0.1


def test_a_busy_process_outside_the_parts_counts_as_elsewhere():
    """A program beside the stack shows up: as `elsewhere` when it is no part, not once it is one."""
    busy = _spawn(BUSY)
    try:
        time.sleep(0.5)
        outside = CpuMeter(processes={}, ports={}).start()
        time.sleep(1.5)
        beside = outside.lap()["elsewhere"]
        inside = CpuMeter(processes={"busy": psutil.Process(busy.pid)}, ports={}).start()
        time.sleep(1.5)
        lap = inside.lap()
    finally:
        busy.kill()
    assert beside > 0.5  # its core, busy outside the parts
    assert lap["busy"] > 0.5 and lap["elsewhere"] < beside - 0.5


def test_the_speed_probe_times_its_loop():
    short, long = python_loop_us(n=2_000), python_loop_us(n=200_000)
    assert 0 < short < long  # a hundred times the loop takes longer: the probe times the loop, not a constant


SPIN_1S = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 1.0: pass"


def test_a_child_that_exits_counts_once_for_its_parent():
    """The parent waits for its child (as PostgreSQL does for an autovacuum worker): the child's second of
    CPU moves into the parent's reaped-children times, and what the first sample saw is not counted twice."""
    parent = _spawn(f"import subprocess, sys, time; subprocess.run([sys.executable, '-c', {SPIN_1S!r}]); "
                    "time.sleep(30)")
    try:
        time.sleep(0.6)
        child = psutil.Process(parent.pid).children()[0].pid
        meter = CpuMeter(processes={"parent": psutil.Process(parent.pid)}, ports={})
        before = meter._sample()
        while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.1)
        time.sleep(0.3)  # reaped
        after = meter._sample()
    finally:
        parent.kill()
    seen_before = before["parent"].seconds[child]
    assert 0.1 < seen_before < 0.9
    cpu = _part_cores(before, after, 1.0)["parent"]  # CPU seconds over the stretch
    assert abs(cpu - (1.0 - seen_before)) < 0.1
