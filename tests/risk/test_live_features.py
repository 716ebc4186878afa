"""Entity indexing of a batch: each request points at its own entity's row, or at the empty one."""

import numpy as np

from risk.live_features import distinct_entities


def test_each_request_points_at_its_entity_and_missing_ones_at_the_empty_row():
    per_role = {"member": ["m2", "m1", "m2"], "device": ["d9", "", "d1"], "ip": ["", "", ""]}
    kinds, entities, idx = distinct_entities(per_role)
    assert list(zip(kinds, entities)) == [("device", "d1"), ("device", "d9"), ("member", "m1"), ("member", "m2")]
    n = len(entities)
    for role, values in per_role.items():
        looked_up = [(kinds[i], entities[i]) if i < n else None for i in idx[role]]
        assert looked_up == [(role, v) if v else None for v in values]
        assert idx[role].dtype == np.intp


def test_an_empty_batch_has_no_entities():
    kinds, entities, idx = distinct_entities({"member": [], "device": []})
    assert (kinds, entities) == ([], [])
    assert [len(i) for i in idx.values()] == [0, 0]
