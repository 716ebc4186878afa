"""The services' garbage-collector thresholds come from LIVEPERKS_GC_THRESHOLDS, checked."""

import gc

import pytest

from core.gc_tuning import tune_gc
from core.settings import get_settings


@pytest.fixture
def thresholds():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_thresholds_from_the_setting(thresholds, monkeypatch):
    monkeypatch.setattr(get_settings(), "gc_thresholds", "40000, 15, 60")
    assert tune_gc() == (40000, 15, 60) == gc.get_threshold()
    monkeypatch.setattr(get_settings(), "gc_thresholds", "")
    gc.set_threshold(700, 10, 10)
    assert tune_gc() == (700, 10, 10)  # empty: CPython's own


@pytest.mark.parametrize("bad", ["50000,20", "0,10,10", "a,b,c"])
def test_a_bad_setting_is_refused(thresholds, monkeypatch, bad):
    monkeypatch.setattr(get_settings(), "gc_thresholds", bad)
    with pytest.raises(ValueError, match="three positive integers"):
        tune_gc()
    assert gc.get_threshold() != (50000, 20) and gc.get_threshold()[0] != 0


def test_a_slow_collection_is_logged_with_its_generation(thresholds, monkeypatch, caplog):
    import core.gc_tuning as tuning

    monkeypatch.setattr(get_settings(), "gc_thresholds", "")
    tune_gc()
    tune_gc()  # twice: still one callback
    assert gc.callbacks.count(tuning._time_collections) == 1
    monkeypatch.setattr(tuning, "SLOW_COLLECTION_S", 0.0)
    with caplog.at_level("WARNING", logger="core.gc_tuning"):
        gc.collect(2)
    assert any("garbage collection of generation 2 took" in r.message for r in caplog.records)
    tuning.stop_timing_collections()
    assert tuning._time_collections not in gc.callbacks
