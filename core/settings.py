"""Configuration from environment variables, with safe local defaults.

Every setting is read from the environment (prefix-free names for the standard
ones such as DATABASE_URL, LIVEPERKS_* for ours). When DATABASE_URL or
TEMPORAL_ADDRESS is set, the embedded stack is not started for that piece.
"""

from functools import lru_cache
from typing import Literal
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVEPERKS_", extra="ignore")

    data_dir: Path = PROJECT_ROOT / ".data"

    # External services: empty means "use the embedded one".
    database_url: str = Field("", validation_alias="DATABASE_URL")
    temporal_address: str = Field("", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    temporal_tls_cert: str = Field("", validation_alias="TEMPORAL_TLS_CERT")
    temporal_tls_key: str = Field("", validation_alias="TEMPORAL_TLS_KEY")
    temporal_api_key: str = Field("", validation_alias="TEMPORAL_API_KEY")
    task_queue: str = "liveperks"
    # Activities a worker process runs at once (threads and Temporal slots); at most half of them may be
    # campaign lanes lingering in a quiet room (campaign_lane_linger_seconds), so settlements, coupons
    # and reports keep theirs.
    worker_max_activities: int = 64

    # Embedded stack ports.
    pg_port: int = 54329
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Embedded PostgreSQL memory and parallelism (server start options; the defaults are PostgreSQL's own,
    # safe for a laptop running several stacks). Raise them where the machine has room (bench.report does).
    pg_shared_buffers: str = Field("128MB", pattern=r"^[0-9]+(kB|MB|GB)$")
    pg_work_mem: str = Field("4MB", pattern=r"^[0-9]+(kB|MB|GB)$")
    pg_max_parallel_workers_per_gather: int = 2
    # How much WAL, or how long, between checkpoints (PostgreSQL's defaults). Under a write-heavy load a
    # checkpoint every few seconds makes every page's first change after it write the whole page to the WAL.
    pg_max_wal_size: str = Field("1GB", pattern=r"^[0-9]+(MB|GB)$")
    pg_checkpoint_timeout: str = Field("5min", pattern=r"^[0-9]+(s|min|h)$")
    # Record each transaction's commit time (pg_xact_commit_timestamp): the room-events benchmark reads
    # when each grant became visible from it. Off by default, as in PostgreSQL (a few bytes per commit).
    pg_track_commit_timestamp: bool = False
    # Count every statement's time (pg_stat_statements, shipped with the embedded server): off by default, as
    # its hashing costs a little on every statement. `bench.room_events --statements` turns it on.
    pg_stat_statements: bool = False

    # Settlement and ledger policy.
    return_window_seconds: int = 7 * 24 * 3600
    refund_policy: str = "debt"  # "debt" or "clawback", see README "Refund policy"
    points_lifetime_days: int = 365
    points_per_yuan: str = "1"
    max_points_per_order: int = 100_000
    max_order_amount_fen: int = 10_000_000  # 100,000 yuan: above this an order is absurd

    # Room event intake.
    intake_max_body_bytes: int = 8 * 1024 * 1024
    intake_max_events: int = 20_000
    intake_max_future_seconds: int = 300  # an event stamped further ahead than this is refused

    # Campaigns.
    heartbeat_gap_seconds: int = 90  # heartbeat gaps up to this count as watching
    coupon_cap_count: int = 3  # at most this many coupon pushes per viewer...
    coupon_cap_window_seconds: int = 600  # ...per this many seconds, across all campaigns
    campaign_tick_seconds: float = 1.0
    campaign_busy_pause_ms: int = 200  # between ticks while events keep coming (workflows/campaign.py)
    campaign_tick_batch: int = 10_000  # events per room per tick (smaller: earlier commits, lower delay)
    campaign_ticks_per_run: int = 300  # then continue-as-new
    campaign_tick_target_ms: int = 300  # the tick batch adapts to keep a tick about this long
    # ...or at most this long while a backlog waits: longer ticks pay a tick's fixed part less often, but each
    # grant in one waits for its commit (with the lanes' ticks inside one activity the fixed part is ~13 ms)
    campaign_tick_max_ms: int = 1000
    # One tick activity keeps ticking its busy room back to back for up to this long (0: one tick per
    # activity): a tick then costs no Temporal round trip, and the workflow's history a few events a lane.
    campaign_lane_seconds: float = 20.0
    # ...and, once its room goes quiet, stays this long waiting for its intake's notification (without a
    # listener: an index lookup a busy pause apart) before handing back to the workflow's timer (1-2 s: the
    # server fires timers on whole seconds). A lingering lane holds an activity slot: at most half of
    # worker_max_activities linger at once.
    campaign_lane_linger_seconds: float = 10.0
    # A worker LISTENs for intake's notifications and signals a lane waiting on its timer to tick at once
    # when its room gets events (activities/lane_wake.py).
    campaign_wake_lanes: bool = True
    campaign_snapshot_seconds: float = 30.0  # trigger state lives in worker memory; a durable snapshot this often
    # True (default): after a first tick of all rooms, each room ticks in its own lane (its own activity,
    # transaction and pause), so a room's burst of grants holds up no other room and one room's database
    # work overlaps another's Python. False: every room in one activity and one risk-scoring call per
    # tick, which costs less CPU in all (300 s at 20,000 events/s: p99 2.99 s in lanes, 5.41 s in one).
    campaign_parallel_rooms: bool = True

    # Coupons and expiry notices.
    points_expiry_notice_days: int = 7  # tell members this many days before their points expire
    coupon_expiry_batch: int = 500
    # Rows a template's stock is spread over, so concurrent claims do not queue on one row lock.
    coupon_stock_shards: int = 16
    # Connections per API process for the coupon claim lane (asyncio, autocommit).
    claim_pool_size: int = 8

    # API: how long a verified API key is trusted before it is checked again (0: every request).
    api_key_cache_seconds: int = 5

    # Risk: default thresholds on the 0..1 score (campaigns may pass their own) and velocity limits.
    risk_hold_above: float = 0.7
    risk_deny_above: float = 0.95
    risk_accounts_per_device_hold: int = 4
    risk_accounts_per_device_deny: int = 10
    # Off (0) by default: carrier NAT puts many honest accounts behind one IP or /24, so accounts
    # per IP and per network are model features, not hard rules, unless an operator sets a limit.
    risk_accounts_per_ip_hold: int = 0
    risk_accounts_per_network_hold: int = 0
    risk_churn_per_member_hold: int = 12
    # A flood backstop only: excited fans post hundreds of comments an hour (the simulator's reach 760);
    # scripted comment loops are caught by their timing and by the no-player rules below.
    risk_comments_per_member_hold: int = 1200
    risk_rooms_per_member_hold: int = 3
    risk_ips_per_member_hold: int = 5
    risk_scripted_regularity: float = 0.1  # gap variation at or below this (6+ gaps) looks scripted
    # Room events in the last hour with not one player heartbeat: scripts run no player. Genuine viewers
    # send a heartbeat every 30 s while they watch (the simulator's most active fan reaches 19 events
    # before its first one); a /24 where 30 events came without any player is a script farm.
    risk_no_player_member_hold: int = 30
    risk_no_player_network_hold: int = 30
    risk_training_days: int = 7
    # Serving reads running aggregates folded from room events and decisions (activities/risk_aggregates.py).
    # Rows younger than the lag wait for the next fold (a lag of a second or two protects against intake
    # transactions that commit out of id order).
    risk_fold_lag_ms: int = 0
    # Where the scorer's running aggregates live: "memory" (each worker folds room events and decisions into
    # its own memory, risk/memory_follow.py; the database stays the log) or "database" (the risk_agg_* tables,
    # folded by the scorer and the schedule, activities/risk_aggregates.py).
    risk_aggregates: Literal["memory", "database"] = "memory"
    risk_memory_follow_every_ms: int = 200  # a worker's background catch-up
    # True: a worker folds them in a child process (risk/memory_process.py), off the GIL its ticks need
    risk_memory_process: bool = True
    risk_memory_read_rows: int = 50_000  # rows per read while replaying the last day (a starting worker)
    # ...and once replayed, following the tables: the child answers scoring reads between reads and folded
    # chunks, so a read of 50,000 rows held every tick's scoring for up to 0.8 s (p99 2.8 -> 1.2 s at 20k/s)
    risk_memory_follow_rows: int = 2_000
    # An id passed over (its transaction had not committed yet) is looked for again this long, then given up
    # (rolled back); intake and grant transactions take seconds at most.
    risk_memory_hole_wait_s: int = 120
    risk_fold_max_rows: int = 500_000  # per fold call and source; the rest waits for the next call
    # The scorer folds new room events before scoring, in the grant's transaction, when at most this many are
    # waiting (a quiet room's grants see its latest events); a bigger backlog (busy rooms, a burst) is left to
    # the scheduled fold (every risk_fold_every_s, in slices of risk_fold_max_rows), so it never stalls a
    # campaign tick or a settlement, and the aggregates lag by at most about that interval.
    risk_fold_tick_rows: int = 10_000
    risk_fold_every_s: int = 10
    # Buckets, pairs and presence older than this are dropped (windows read 24 h back), once per prune interval.
    risk_aggregate_keep_hours: int = 48
    risk_prune_every_s: int = 3600
    # 10-minute buckets of closed hours are merged into hourly ones this often (activities/risk_compact.py).
    risk_compact_every_s: int = 600
    # Blocklists, the serving model's version and the fold backlog are re-read at most this often per
    # process (0: every call).
    risk_cache_ms: int = 1000
    # OpenMP threads the model scores a batch on (risk/fastpredict.py): it shares the cores with PostgreSQL.
    risk_model_threads: int = 1
    # Garbage-collector thresholds of the API and the worker (core/gc_tuning.py); "" keeps CPython's 700,10,10.
    gc_thresholds: str = "50000,20,100"

    # Operator display.
    timezone: str = "Asia/Shanghai"
    # When the append-only tables are vacuumed (schedules/storage.py), in that time zone: off-peak.
    storage_upkeep_cron: str = "30 4 * * *"

    # Reports: where HTML files go (empty: data_dir/reports), what one point costs us, when a sample is too small.
    reports_dir: str = ""
    point_value_fen: int = 1  # 100 points = 1 yuan of cost
    report_schedule_enabled: bool = True
    experiment_min_per_arm: int = 200

    @property
    def embedded_database(self) -> bool:
        return not self.database_url

    @property
    def embedded_temporal(self) -> bool:
        return not self.temporal_address

    def resolved_reports_dir(self) -> Path:
        return Path(self.reports_dir) if self.reports_dir else self.data_dir / "reports"

    def resolved_database_url(self) -> str:
        return self.database_url or f"postgresql://postgres@127.0.0.1:{self.pg_port}/liveperks"

    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
