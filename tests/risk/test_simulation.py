"""The simulator's labeled attackers against the real scorer and database: rules alone at cold start,
then a classifier trained on the review labels of the first run, measured on a fresh second run."""

from sqlalchemy import text

from activities.risk_models import promote, train_from_database
from risk.simulation import play, review_truthfully, summary


def test_attackers_are_stopped_and_genuine_viewers_pass(conn):
    conn.execute(text("UPDATE risk_model SET status = 'retired' WHERE status = 'serving'"))  # cold start
    # Training reads every event, decision and label of the last two days: what earlier tests left there
    # (8,186 rows of this test's own became 20,665, and the AUC fell from 0.98 to 0.89 in one CI run) goes,
    # in this test's transaction, rolled back after it.
    for table in ("room_event", "risk_decision", "risk_label"):
        conn.execute(text(f"DELETE FROM {table}"))
    first = play(conn, seed=11, genuine=200, minutes=60)
    cold = summary(first.stats)
    print("cold start by actor", first.stats)
    # rules alone: a hunter's first two rooms, a farm phone's first three accounts and a script's first
    # minutes (before 30 events without a player) look like anyone
    assert cold["attacker_value_stopped"] >= 0.7, cold  # 0.74-0.82 over five seeds
    assert cold["genuine_stopped_share"] <= 0.01, cold

    assert review_truthfully(conn, first.held) > 0
    trained = train_from_database(conn, days=2, kind="classifier")
    assert trained.kind == "classifier" and trained.metrics["roc_auc"] > 0.9, trained
    assert promote(conn, trained.version, "test").promoted

    played = play(conn, seed=12, genuine=200, minutes=60)
    second = summary(played.stats)
    print("cold start", cold, "\nwith classifier", second, "\nby actor", played.stats)
    # the issue's target: 95 % of the attackers' value held or denied, at most 1 % of genuine grants
    assert second["attacker_value_stopped"] >= 0.95, second
    assert second["genuine_stopped_share"] <= 0.01, second
