"""Inputs and results of the settlement activities (plain pydantic: they cross the workflow boundary)."""

from datetime import datetime

from pydantic import BaseModel

from models.orders import PaidOrder, Refund


class AcceptOrderInput(BaseModel):
    order: PaidOrder
    return_window_seconds: int


class AcceptResult(BaseModel):
    state: str
    points: int
    confirm_due_at: datetime
    risk_decision: str
    already_applied: bool = False


class RefundInput(BaseModel):
    order_id: str
    refund: Refund


class RefundResult(BaseModel):
    refund_id: str
    amount_fen: int
    points_reversed: int
    points_forgiven: int
    state: str
    total_points_reversed: int  # the order's totals after this refund, for the workflow's status
    total_refunded_fen: int
    already_applied: bool = False


class ConfirmInput(BaseModel):
    order_id: str


class ConfirmResult(BaseModel):
    state: str
    points_confirmed: int
