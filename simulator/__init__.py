"""Seeded live-session simulator: realistic room events for the demo, tests and benchmark.

    session = simulate(SessionConfig(room_id="r1", viewers=200, duration_s=600, seed=7))
    session.events   # dicts ready for POST /v1/rooms/{room}/events, in time order
    session.labels   # member_id -> behaviour name (ground truth for risk work)

Viewers follow behaviours (simulator.behaviours): add your own (e.g. labeled attackers)
by passing `behaviours=[*DEFAULT_BEHAVIOURS, MyBehaviour(weight=0.05)]`.
"""

from simulator.behaviours import DEFAULT_BEHAVIOURS, Behaviour, Viewer
from simulator.session import SessionConfig, SimulatedSession, simulate

__all__ = ["DEFAULT_BEHAVIOURS", "Behaviour", "SessionConfig", "SimulatedSession", "Viewer", "simulate"]
