"""Every workflow and activity the worker runs, in one list each (add new ones here)."""

from activities.campaign_tick import campaign_tick, finish_campaign
from activities.expiry import expire_points
from activities.noop import noop
from activities.settlement import accept_order, apply_refund, confirm_order
from workflows.campaign import CampaignWorkflow
from workflows.expire_points import ExpirePointsWorkflow
from workflows.refund_settled import RefundSettledOrderWorkflow
from workflows.settle_order import SettleOrderWorkflow
from workflows.trivial import TrivialWorkflow

WORKFLOWS = [SettleOrderWorkflow, CampaignWorkflow, RefundSettledOrderWorkflow, ExpirePointsWorkflow, TrivialWorkflow]
ACTIVITIES = [accept_order, campaign_tick, finish_campaign, apply_refund, confirm_order, expire_points, noop]
