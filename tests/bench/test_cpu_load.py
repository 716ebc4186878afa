"""The benchmarks' held-back cores: a load that takes about the cores asked for, measured as a part of its
own, and is gone once stopped."""

import os
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


def test_holding_back_no_cores_starts_nothing():
    with HeldBack(0) as load:
        assert load.process is None


@pytest.mark.parametrize("cores", [-0.5, float(os.cpu_count() or 1)])
def test_a_share_outside_the_machine_is_refused(cores):
    with pytest.raises(ValueError, match="can hold back"):
        HeldBack(cores)
