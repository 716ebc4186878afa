"""The review queue: approve or reject a held decision.

The database part runs in the caller's transaction (status change, label, campaign grant release);
the order part signals the settlement workflow after commit. Re-running the same review is
"already applied" and only repeats the (harmless) signal; the opposite review of a decided row is
refused.
"""

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Connection
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import BadInput


class ReviewOutcome(BaseModel):
    decision_id: int
    reference: str
    kind: str
    status: str  # approved / rejected
    already_applied: bool = False
    follow_up: str = ""  # what was done with the grant


def record_label(conn: Connection, *, entity_kind: str, entity: str, label: str, source: str, reference: str,
                 note: str = "") -> bool:
    """Idempotent by (source, reference, entity_kind, entity). True when newly recorded."""
    if not entity:
        return False
    if label not in ("fraud", "genuine") or entity_kind not in ("member", "device", "ip"):
        raise BadInput("label must be fraud|genuine and entity_kind member|device|ip")
    return conn.execute(text(
        "INSERT INTO risk_label (entity_kind, entity, label, source, reference, note) VALUES (:k, :e, :l, :s, :r, :n) "
        "ON CONFLICT ON CONSTRAINT uq_risk_label_key DO NOTHING"),
        {"k": entity_kind, "e": entity, "l": label, "s": source, "r": reference, "n": note}).rowcount == 1


def decide(conn: Connection, decision_id: int, *, approve: bool, reviewer: str, note: str = "") -> ReviewOutcome:
    row = conn.execute(text("SELECT id, reference, kind, status, member_id, device_id FROM risk_decision "
                            "WHERE id = :id FOR UPDATE"), {"id": decision_id}).first()
    if row is None:
        raise BadInput(f"no risk decision {decision_id}")
    wanted = "approved" if approve else "rejected"
    outcome = ReviewOutcome(decision_id=row.id, reference=row.reference, kind=row.kind, status=wanted)
    if row.status == wanted:
        outcome.already_applied = True
        return outcome
    if row.status != "held":
        raise BadInput(f"decision {decision_id} is {row.status}, not held: nothing to review")
    conn.execute(text("UPDATE risk_decision SET status = :s, reviewed_by = :by, reviewed_at = now() WHERE id = :id"),
                 {"s": wanted, "by": reviewer, "id": decision_id})
    label = "genuine" if approve else "fraud"
    reference = f"decision:{decision_id}"
    record_label(conn, entity_kind="member", entity=row.member_id, label=label, source="review", reference=reference,
                 note=note)
    if not approve:
        record_label(conn, entity_kind="device", entity=row.device_id, label=label, source="review",
                     reference=reference, note=note)
    grant_id = _campaign_grant_id(conn, row)
    if grant_id is not None:
        from activities.campaign_grants import release_held_grant  # provided by the campaigns area

        status = release_held_grant(conn, grant_id=grant_id, approve=approve)
        outcome.follow_up = f"campaign grant {grant_id}: {status}"
    return outcome


def _campaign_grant_id(conn: Connection, row) -> int | None:
    """'campaign_grant:{id}' names the grant; 'campaign:{campaign_id}' (what campaigns pass today,
    scoring before the grant row exists) means the member's oldest held grant of that campaign."""
    if row.reference.startswith("campaign_grant:"):
        return int(row.reference.split(":", 1)[1])
    if row.reference.startswith("campaign:"):
        return conn.execute(text(
            "SELECT id FROM campaign_grant WHERE campaign_id = :c AND member_id = :m AND status = 'held' "
            "ORDER BY id LIMIT 1"), {"c": row.reference.split(":", 1)[1], "m": row.member_id}).scalar()
    return None


async def signal_settlement(client: Client, outcome: ReviewOutcome) -> None:
    """After commit: a held order's settlement workflow learns the review (confirm or reverse)."""
    if outcome.kind == "order_points" and outcome.reference.startswith("order:"):
        order_id = outcome.reference.split(":", 1)[1]
        try:
            await client.get_workflow_handle(f"settle-order-{order_id}").signal("review", outcome.status == "approved")
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            outcome.follow_up = f"settlement settle-order-{order_id} already finished"  # e.g. a repeated review
            return
        outcome.follow_up = f"settlement settle-order-{order_id} signalled review={outcome.status == 'approved'}"
