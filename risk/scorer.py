"""The scorer interface every grant goes through, and the rules-based default.

A scorer takes a batch of grant requests and returns one verdict per request,
in order. Callers pass their open transaction so blocklist reads are consistent
with the grant they are about to write.
"""

import ipaddress
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection

from models.risk_base import Decision, GrantRequest, RiskVerdict


class RiskScorer(Protocol):
    def score(self, conn: Connection, requests: list[GrantRequest]) -> list[RiskVerdict]: ...


class RulesScorer:
    """Blocklists of devices, IPs, networks and members: certain, so deny outright."""

    version = "rules-v1"

    def score(self, conn: Connection, requests: list[GrantRequest]) -> list[RiskVerdict]:
        blocks = conn.execute(text("SELECT kind, value, reason FROM risk_block")).all()
        exact = {(kind, value): reason for kind, value, reason in blocks if kind != "network"}
        networks = [(ipaddress.ip_network(value, strict=False), reason) for kind, value, reason in blocks
                    if kind == "network"]
        return [self._one(r, exact, networks) for r in requests]

    def _one(self, request: GrantRequest, exact: dict, networks: list) -> RiskVerdict:
        reasons = [f"{kind} {value} is blocked: {exact[(kind, value)]}"
                   for kind, value in (("device", request.device_id), ("ip", request.ip),
                                       ("member", request.member_id)) if value and (kind, value) in exact]
        if request.ip and networks:
            try:
                address = ipaddress.ip_address(request.ip)
                reasons += [f"network {net} is blocked: {why}" for net, why in networks if address in net]
            except ValueError:
                reasons.append(f"IP {request.ip!r} is not a valid address")
        if reasons:
            return RiskVerdict(decision=Decision.DENY, score=1.0, reasons=reasons, model_version=self.version)
        return RiskVerdict(decision=Decision.ALLOW, score=0.0, model_version=self.version)


def get_scorer() -> RiskScorer:
    return RulesScorer()
