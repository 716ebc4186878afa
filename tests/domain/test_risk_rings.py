"""Ring labels: confirmed fraud spreads one hop over shared devices and small IPs, never over a
genuine-labelled account or a carrier-NAT-sized IP."""

import numpy as np

from domain.risk.features import EventLog
from risk.training import event_labels, ring_members


def _log(rows):  # (member, device, ip)
    col = lambda i: np.array([r[i] for r in rows], dtype=object)  # noqa: E731
    return EventLog(t_ms=np.arange(len(rows), dtype=np.int64) * 1000,
                    etype=np.array(["like"] * len(rows), dtype=object),
                    keys={"member": col(0), "device": col(1), "ip": col(2)})


def test_accounts_sharing_a_device_or_a_small_ip_with_confirmed_fraud_join_the_ring():
    rows = [("bad", "rack", "1.1.1.1"), ("mate", "rack", "2.2.2.2"),  # same phone as a rejected account
            ("proxy", "emu", "1.1.1.1"),  # same address
            ("third", "emu", "3.3.3.3"),  # only via "proxy", a ring label itself: no chains
            ("approved", "fam", "4.4.4.4"), ("sister", "fam", "4.4.4.4"), ("bad2", "fam", "5.5.5.5"),
            ("alone", "own", "6.6.6.6")]
    rows += [(f"nat{i}", f"n{i}", "9.9.9.9") for i in range(25)] + [("bad3", "b3", "9.9.9.9")]
    labels = {("member", "bad"): "fraud", ("member", "bad2"): "fraud", ("device", "rack"): "fraud",
              ("member", "approved"): "genuine", ("member", "bad3"): "fraud"}
    log = _log(rows)
    ring = ring_members(log, labels)
    assert ring == {"mate": "device:rack", "proxy": "ip:1.1.1.1"}  # not "fam" (vouched for), not the NAT'd IP
    y = event_labels(log, {**labels, **{("member", m): "fraud" for m in ring}})
    assert y[[0, 1, 2]].all() and not y[3] and not y[7]
