"""Experiments section: every experiment running in the period, arm by arm, against its holdout.

Members of an experiment = the period's viewers and buyers; each one's arm is computed in SQL with the same
sha256 bucketing as domain.experiments.assign, so no assignment table is needed and the campaign module and
the report always agree. Needs rpt_people (common.prepare) and rpt_grants (rules section)."""

from sqlalchemy import text
from sqlalchemy.engine import Connection

from domain import stats
from domain.experiments import BUCKET_SQL, HOLDOUT, arm_index_sql, arms
from domain.report_period import Period
from reports.queries.common import params

RUNNING = """
    SELECT experiment_id, rule_id, name, holdout_share, control, variants FROM experiment
    WHERE starts_at < :end AND (ends_at IS NULL OR ends_at > :start) ORDER BY experiment_id"""

# OFFSET 0 keeps `arm` a subquery output: the planner then expects a handful of arms and hashes them, instead
# of sorting two million members by an expression it believed had as many values as member_id.
PER_ARM = """
    WITH cost AS (SELECT member_id, sum(points) * :pv + sum(cost_fen) AS fen FROM rpt_grants
                  WHERE rule = :rule GROUP BY member_id),
         assigned AS (SELECT m.member_id, m.orders, m.gmv, {arm} AS arm FROM rpt_people m OFFSET 0)
    SELECT a.arm, count(*) AS n, count(*) FILTER (WHERE a.orders > 0) AS converted,
           coalesce(sum(a.gmv), 0)::float8 AS gmv, coalesce(sum(a.gmv::float8 * a.gmv), 0) AS gmv_sq,
           coalesce(sum(c.fen), 0) AS cost
    FROM assigned a LEFT JOIN cost c USING (member_id)
    GROUP BY a.arm"""


def experiments_counts(conn: Connection, p: Period, point_value_fen: int) -> list[dict]:
    """Each running experiment with, per arm, sums over members (n, converted, gmv, gmv_sq, cost): two disjoint
    slices of members add up (add_counts). Needs rpt_people and rpt_grants of the same slice."""
    out = []
    for exp in conn.execute(text(RUNNING), params(p)).mappings().all():
        slices = arms(exp["holdout_share"], [(v["name"], v["share"]) for v in exp["variants"]])
        arm = arm_index_sql(BUCKET_SQL.format(exp="CAST(:experiment AS text)", member="m.member_id"))
        bind = {"experiment": exp["experiment_id"], "rule": exp["rule_id"], "pv": point_value_fen,
                "arm_lows": [low for _, low, _ in slices]}
        rows = {slices[r["arm"] - 1][0]: {"n": int(r["n"]), "converted": int(r["converted"]), "gmv": r["gmv"],
                                          "gmv_sq": r["gmv_sq"], "cost": int(r["cost"])}
                for r in conn.execute(text(PER_ARM.format(arm=arm)), bind).mappings()}
        out.append({"experiment_id": exp["experiment_id"], "rule_id": exp["rule_id"], "name": exp["name"],
                    "slices": slices, "rows": rows})
    return out


def add_counts(a: list[dict], b: list[dict]) -> list[dict]:
    """Both lists come from the same snapshot, so they name the same experiments in the same order."""
    out = []
    for x, y in zip(a, b, strict=True):
        rows = {arm: {k: x["rows"].get(arm, {}).get(k, 0) + y["rows"].get(arm, {}).get(k, 0)
                      for k in ("n", "converted", "gmv", "gmv_sq", "cost")}
                for arm in x["rows"].keys() | y["rows"].keys()}
        out.append({**x, "rows": rows})
    return out


def experiments_section(conn: Connection, p: Period, point_value_fen: int, min_per_arm: int,
                        counts: list[dict] | None = None) -> list[dict]:
    out = []
    for exp in counts if counts is not None else experiments_counts(conn, p, point_value_fen):
        slices, rows = exp["slices"], exp["rows"]
        empty = {"n": 0, "converted": 0, "gmv": 0.0, "gmv_sq": 0.0, "cost": 0}
        hold = rows.get(HOLDOUT, empty)
        arms_out = []
        for name, _, _ in slices:
            r = rows.get(name, empty)
            n = int(r["n"])
            arm = {"arm": name, "members": n, "converted": int(r["converted"]),
                   "conversion": r["converted"] / n if n else None,
                   "gmv_per_member_fen": r["gmv"] / n if n else None,
                   "cost_per_member_fen": int(r["cost"]) / n if n else None}
            if name != HOLDOUT and HOLDOUT in rows:
                conv = stats.diff_proportions(int(r["converted"]), n, int(hold["converted"]), int(hold["n"]))
                gmv = stats.diff_means(r["gmv"], r["gmv_sq"], n, hold["gmv"], hold["gmv_sq"], int(hold["n"]))
                arm.update(conversion_diff=conv.__dict__, incremental_gmv_per_member_fen=gmv.__dict__,
                           incremental_gmv_fen=gmv.estimate * n,
                           gmv_significant=gmv.significant,
                           too_small=stats.too_small(n, int(hold["n"]), min_per_arm),
                           verdict=stats.verdict(name, conv, n, int(hold["n"]), min_per_arm))
            arms_out.append(arm)
        out.append({"experiment_id": exp["experiment_id"], "rule_id": exp["rule_id"], "name": exp["name"],
                    "arms": arms_out, "has_holdout": HOLDOUT in [s[0] for s in slices]})
    return out
