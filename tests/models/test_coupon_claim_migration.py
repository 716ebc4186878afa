"""Migration 0028 splits coupon_claim() in two parts; a downgrade puts the whole function back, and a claim
answers the same either way."""

import psycopg
from alembic import command

from core.migrate import alembic_config, upgrade
from tests.models.test_snapshot_migration import _scratch_database

PARTS = ("coupon_claim_row", "coupon_stock_take", "coupon_claim_undo", "coupon_stock_units", "coupon_stock_use")
CLAIM = ("SELECT outcome, face_fen FROM coupon_claim('t', %s, %s, 'test', '', now(), NULL, %s)")


def _template(conn) -> None:
    conn.execute("INSERT INTO coupon_template (id, name, kind, amount_off_fen, threshold_fen, max_discount_fen, "
                 "percent_off, scope_kind, validity_kind, valid_hours, grace_minutes, stock_total, per_member_limit, "
                 "stackable, active, created_at, updated_at) VALUES ('t', 't', 'amount_off', 500, 0, 0, 0, 'shop', "
                 "'relative', 24, 0, 2, 1, false, true, now(), now()) ON CONFLICT DO NOTHING")
    conn.execute("SELECT coupon_stock_rebalance('t', 4)")


def _claims(conn, tag: str) -> list[tuple]:
    return [conn.execute(CLAIM, (member, f"{tag}-{i}", f"C{tag}{i}")).fetchone()
            for i, member in enumerate(("a", "a", "b", "c"))]


def _parts(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT proname FROM pg_proc WHERE proname = ANY(%s)", (list(PARTS),))}


def test_the_claim_in_parts_and_whole_answer_alike(database_url):
    url = _scratch_database(database_url)
    upgrade(url)
    with psycopg.connect(url) as conn:
        _template(conn)
        in_parts = _claims(conn, "p")
        assert _parts(conn) == set(PARTS)
        conn.rollback()
    command.downgrade(alembic_config(url), "0008")
    with psycopg.connect(url) as conn:
        _template(conn)
        whole = _claims(conn, "w")
        assert _parts(conn) == set()
    assert in_parts == whole == [("issued", 500), ("member_limit", 0), ("issued", 500), ("out_of_stock", 0)]
