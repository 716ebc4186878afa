"""Every workflow and activity the worker runs, in one list each (add new ones here)."""

from activities.campaign_tick import campaign_tick, finish_campaign
from activities.coupon_expiry import expire_coupons, notify_points_expiring_activity
from activities.expiry import expire_points
from activities.noop import noop
from activities.reports import build_report_activity
from activities.risk_aggregates import fold_risk_aggregates
from activities.risk_models import promote_risk_model, train_risk_model
from activities.settlement import accept_order, apply_refund, confirm_order
from activities.storage_upkeep import vacuum_append_only_table
from workflows.campaign import CampaignWorkflow
from workflows.expire_coupons import ExpireCouponsWorkflow
from workflows.expire_points import ExpirePointsWorkflow
from workflows.fold_risk import FoldRiskAggregatesWorkflow
from workflows.refund_settled import RefundSettledOrderWorkflow
from workflows.risk_training import RiskTrainingWorkflow
from workflows.settle_order import SettleOrderWorkflow
from workflows.storage_upkeep import StorageUpkeepWorkflow
from workflows.trivial import TrivialWorkflow
from workflows.weekly_report import WeeklyReportWorkflow

WORKFLOWS = [SettleOrderWorkflow, RefundSettledOrderWorkflow, ExpirePointsWorkflow, TrivialWorkflow,
             ExpireCouponsWorkflow, CampaignWorkflow, RiskTrainingWorkflow, WeeklyReportWorkflow,
             FoldRiskAggregatesWorkflow, StorageUpkeepWorkflow]
ACTIVITIES = [accept_order, apply_refund, confirm_order, expire_points, noop,
              expire_coupons, notify_points_expiring_activity, campaign_tick, finish_campaign,
              train_risk_model, promote_risk_model, fold_risk_aggregates, build_report_activity,
              vacuum_append_only_table]
