"""The benchmarks' held-back cores: a load that takes about the cores asked for, measured as a part of its
own, and is gone once stopped."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from bench.cpu import CpuMeter
from bench.cpu_load import HeldBack


def test_the_load_takes_about_the_cores_asked_for_and_ends_with_stop():
    with HeldBack(0.5) as load:
        time.sleep(0.5)  # its spinners are running
        spinners = load.process.children()
        meter = CpuMeter(processes={"held_back": load.process}, ports={}).start()
        time.sleep(2.0)
        cores = meter.cores()["held_back"]
    assert 0.3 < cores < 0.7
    assert len(spinners) == os.cpu_count()  # spread over every core, not one core's worth in bursts
    time.sleep(0.2)  # a spinner notices its parent gone within a 10 ms period
    assert not [p for p in spinners if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_the_load_ends_when_its_benchmark_is_killed_without_stopping_it():
    owner = subprocess.Popen([sys.executable, "-c", "import time\nfrom bench.cpu_load import HeldBack\n"
                              "HeldBack(0.2).start()\ntime.sleep(60)"])
    try:
        deadline = time.monotonic() + 10
        while len(load := psutil.Process(owner.pid).children(recursive=True)) < 1 + os.cpu_count():
            assert time.monotonic() < deadline, "the load did not start"
            time.sleep(0.1)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    time.sleep(1.0)  # the load's root looks for its parent every 0.2 s, its spinners every period
    left = [p for p in load if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in left:
        p.kill()
    assert not left


def test_holding_back_no_cores_starts_nothing():
    with HeldBack(0) as load:
        assert load.process is None


@pytest.mark.parametrize("cores", [-0.5, float(os.cpu_count() or 1)])
def test_a_share_outside_the_machine_is_refused(cores):
    with pytest.raises(ValueError, match="can hold back"):
        HeldBack(cores)
