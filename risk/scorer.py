"""The scorer every grant goes through: blocklists, velocity rules, then the serving model.

A scorer takes a batch of grant requests and returns one verdict per request, in order. Callers pass
their open transaction: blocklist reads are consistent with the grant they are about to write, and
each decision is stored (risk_decision) in that same transaction, so it commits or rolls back with
the grant. With no model promoted yet, rules alone decide (cold start never blocks a settlement).
"""

import ipaddress
import time
from datetime import datetime, timezone
from typing import Protocol

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from activities.risk_aggregates import BACKLOG_SQL, FoldInTwo, fold_in_two
from activities.risk_decisions import Outcome, store_decisions
from core.settings import get_settings
from domain.risk.features import FeatureSpec
from domain.risk.rules import BY_SEVERITY, SEVERITY, apply_rules, default_rules, threshold_severity
from domain.risk.words import top_features
from models.risk_base import Decision, GrantRequest, RiskVerdict
from risk.live_features import live_features
from risk.memory_follow import MemoryFollower
from risk.memory_process import MemoryProcess, memory_source
from risk.serving import serving_model


class RiskScorer(Protocol):
    def score(self, conn: Connection, requests: list[GrantRequest]) -> list[RiskVerdict]: ...


def blocked_reasons(requests: list[GrantRequest], blocks: list) -> dict[int, list[str]]:
    """{index: reasons} of the requests a blocklist names; set lookups, so a clean batch costs little."""
    if not blocks:
        return {}
    exact = {(kind, value): reason for kind, value, reason in blocks if kind != "network"}
    networks = [(ipaddress.ip_network(value, strict=False), reason) for kind, value, reason in blocks
                if kind == "network"]
    out: dict[int, list[str]] = {}
    for i, request in enumerate(requests):
        reasons = [f"{kind} {value} is blocked: {exact[(kind, value)]}"
                   for kind, value in (("device", request.device_id), ("ip", request.ip), ("member", request.member_id))
                   if value and (kind, value) in exact] if exact else []
        if request.ip and networks:
            try:
                address = ipaddress.ip_address(request.ip)
                reasons += [f"network {net} is blocked: {why}" for net, why in networks if address in net]
            except ValueError:
                reasons.append(f"IP {request.ip!r} is not a valid address")
        if reasons:
            out[i] = reasons
    return out


class RulesScorer:
    """Blocklists of devices, IPs, networks and members: certain, so deny outright."""

    version = "rules-v1"

    def score(self, conn: Connection, requests: list[GrantRequest], blocks: list | None = None) -> list[RiskVerdict]:
        if blocks is None:
            blocks = conn.execute(text("SELECT kind, value, reason FROM risk_block")).all()
        blocked = blocked_reasons(requests, blocks)
        return [RiskVerdict(decision=Decision.DENY, score=1.0, reasons=blocked[i], model_version=self.version)
                if i in blocked else RiskVerdict(decision=Decision.ALLOW, score=0.0, model_version=self.version)
                for i in range(len(requests))]


def features_for(conn: Connection, requests: list[GrantRequest], at: datetime, spec: FeatureSpec, *,
                 fold: FoldInTwo | None = None, memory: MemoryFollower | MemoryProcess | None = None) -> np.ndarray:
    """Serving features as of `at` from the running aggregates: in `memory`, else in the tables
    (`fold`: what is new folded first)."""
    return live_features(conn, requests, int(at.timestamp() * 1000), spec, fold=fold, memory=memory)


def _fits(model) -> bool:
    """Trained on today's serving features? (A model from before a feature change must not crash a
    settlement: rules decide until it is retrained.)"""
    try:
        names = model.spec.names()
        return not model.spec.context and tuple(model.trained_names) == tuple(names) and len(model.low) == len(names)
    except Exception:  # noqa: BLE001 - an old pickle may lack fields the code now expects
        return False


def rules_from(settings) -> list:
    return default_rules(settings.risk_accounts_per_device_hold, settings.risk_accounts_per_device_deny,
                         settings.risk_accounts_per_ip_hold, settings.risk_accounts_per_network_hold,
                         settings.risk_churn_per_member_hold, settings.risk_comments_per_member_hold,
                         settings.risk_rooms_per_member_hold, settings.risk_scripted_regularity,
                         settings.risk_ips_per_member_hold, settings.risk_no_player_member_hold,
                         settings.risk_no_player_network_hold)


# Blocklists, the serving model's version and how many room events wait for the fold (by id: an upper
# bound, ids have gaps), in one round trip.
_CONTEXT = text("SELECT kind, value, reason FROM risk_block UNION ALL "
                "SELECT '~serving', version, '' FROM risk_model WHERE status = 'serving' UNION ALL "
                f"SELECT '~backlog', CAST(({BACKLOG_SQL}) AS text), ''")


class ModelScorer:
    """Rules (blocklists, velocity) in front, then the promoted model; decisions stored."""

    def __init__(self) -> None:
        self._cached: tuple | None = None  # (monotonic read time, blocks, version, backlog)

    def _serving_context(self, conn: Connection, cache_ms: int) -> tuple[list, str | None, int]:
        """The blocklists, the promoted model's version and the room-event backlog of the fold, one round
        trip, reused for cache_ms: a block or a promotion takes effect within that time, and a single
        grant saves a round trip."""
        now = time.monotonic()
        if self._cached is not None and (now - self._cached[0]) * 1000 < cache_ms:
            return self._cached[1:]
        rows = conn.execute(_CONTEXT).all()
        blocks = [tuple(r) for r in rows if not r[0].startswith("~")]
        version = next((r[1] for r in rows if r[0] == "~serving"), None)
        backlog = int(next((r[1] for r in rows if r[0] == "~backlog"), 0) or 0)
        self._cached = (now, blocks, version, backlog)
        return blocks, version, backlog

    def score(self, conn: Connection, requests: list[GrantRequest], *, at: datetime | None = None,
              fold_first: bool = True, aggregates: str | None = None) -> list[RiskVerdict]:
        """`at` defaults to now; the aggregates must hold nothing later than `at` (true for now).
        `aggregates`: "memory" or "database" (default: the setting); memory folds only what is committed,
        so a caller scoring its own uncommitted events asks for the database's, folded in its transaction."""
        if not requests:
            return []
        settings = get_settings()
        at = at or datetime.now(timezone.utc)
        at = at.replace(microsecond=at.microsecond // 1000 * 1000)  # millisecond precision, as the features
        blocks, serving, backlog = self._serving_context(conn, settings.risk_cache_ms)
        served = serving_model(conn, serving)
        version, model = served if served else ("rules-v1", None)
        if model is not None and not _fits(model):
            version, model = f"rules-v1 (model {version} does not fit the serving features: retrain)", None
        spec = model.spec if model else FeatureSpec()
        in_memory = (aggregates or settings.risk_aggregates) == "memory"
        if fold_first and not in_memory and backlog <= settings.risk_fold_tick_rows:
            # Room events since the last fold, set-wise, in the grant's transaction (skipped while another
            # transaction folds). A bigger backlog (a burst) is left to the scheduled fold, which takes it in
            # big slices off the grant's path; meanwhile grants are scored on the aggregates as folded.
            # Earlier decisions (the 24 h grant and order counts) always arrive with the schedule.
            new_events = fold_in_two(max_rows=settings.risk_fold_tick_rows, sources=("room_event",))
        else:
            new_events = None
        x = features_for(conn, requests, at, spec, fold=new_events, memory=memory_source() if in_memory else None)
        names = spec.names()
        ruled = apply_rules(rules_from(settings), names, x)
        if model is not None:
            ctx = np.empty((len(requests), len(spec.context)), dtype=object)
            scores = model.score(x, ctx if spec.context else None, threads=settings.risk_model_threads)
            words = top_features(names, x, model.low[:len(names)], model.mid[:len(names)], model.high[:len(names)])
        else:
            scores, words = np.zeros(len(requests)), [[] for _ in requests]
        blocked = blocked_reasons(requests, blocks)
        default_hold, default_deny = settings.risk_hold_above, settings.risk_deny_above
        thresholds = [(default_hold if r.hold_above is None else r.hold_above,
                       default_deny if r.deny_above is None else r.deny_above) for r in requests]
        hold, deny = np.array(thresholds, dtype=np.float64).T
        scores = np.round(np.asarray(scores, dtype=np.float64), 6)
        by_model = threshold_severity(scores, hold, deny)
        deny_severity = SEVERITY[Decision.DENY]
        outcomes = []
        for i, (score, model_severity) in enumerate(zip(scores.tolist(), by_model.tolist())):
            rule_decision, reasons = ruled[i]
            severity = max(SEVERITY[rule_decision], model_severity)
            if model_severity:
                h, d = thresholds[i]
                reasons.append(f"model {version} score {score:.2f} (hold at {h:g}, deny at {d:g})")
            if i in blocked:  # a blocklist is certain: deny, with its reasons first
                severity, reasons, score = deny_severity, blocked[i] + reasons, max(score, 1.0)
            outcomes.append(Outcome(BY_SEVERITY[severity], score, reasons, words[i]))
        ids = store_decisions(conn, requests, outcomes, version, thresholds)
        return [RiskVerdict(o.decision, o.score, o.reasons, version, o.top_features, decision_id)
                for o, decision_id in zip(outcomes, ids)]


_scorer = ModelScorer()


def get_scorer() -> RiskScorer:
    return _scorer
