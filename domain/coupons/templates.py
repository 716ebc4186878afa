"""Check an operator's template spec and turn it into table fields (fen), with clear errors."""

from domain.errors import BadInput
from domain.money import to_fen
from models.coupon_api import TemplateSpec
from models.coupons import CouponKind, ScopeKind, ValidityKind


def template_fields(spec: TemplateSpec) -> dict:
    errors = _problems(spec)
    if errors:
        raise BadInput(f"template {spec.id!r}: " + "; ".join(errors))
    return {
        "id": spec.id, "name": spec.name, "kind": spec.kind,
        "amount_off_fen": to_fen(spec.amount_off, "amount_off"), "threshold_fen": to_fen(spec.threshold, "threshold"),
        "percent_off": spec.percent_off, "max_discount_fen": to_fen(spec.max_discount, "max_discount"),
        "scope_kind": spec.scope, "scope_categories": sorted(set(spec.categories)),
        "scope_skus": sorted(set(spec.skus)),
        "exclude_categories": sorted(set(spec.exclude_categories)), "exclude_skus": sorted(set(spec.exclude_skus)),
        "validity_kind": spec.validity, "valid_from": spec.valid_from, "valid_until": spec.valid_until,
        "valid_hours": spec.valid_hours, "grace_minutes": spec.grace_minutes, "stock_total": spec.stock,
        "per_member_limit": spec.per_member_limit,
        "budget_fen": None if spec.budget is None else to_fen(spec.budget, "budget"),
        "stackable": spec.stackable, "active": spec.active,
    }


def _problems(s: TemplateSpec) -> list[str]:
    p: list[str] = []
    if not s.id.strip() or len(s.id) > 64 or any(c.isspace() for c in s.id):
        p.append("id must be 1-64 characters without spaces")
    if s.kind not in set(CouponKind):
        p.append(f"kind must be one of {', '.join(CouponKind)}")
    if s.kind in (CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD_OFF) and s.amount_off <= 0:
        p.append("amount_off must be positive")
    if s.kind == CouponKind.THRESHOLD_OFF and s.threshold <= s.amount_off:
        p.append(f"threshold ({s.threshold}) must be above the discount ({s.amount_off})")
    if s.kind == CouponKind.PERCENT_OFF:
        if not 1 <= s.percent_off <= 99:
            p.append(f"percent_off must be between 1 and 99, got {s.percent_off}")
        if s.max_discount <= 0:
            p.append("a percent_off coupon needs a positive max_discount")
    if s.scope not in set(ScopeKind):
        p.append(f"scope must be one of {', '.join(ScopeKind)}")
    if s.scope == ScopeKind.CATEGORIES and not s.categories:
        p.append("scope 'categories' needs at least one category")
    if s.scope == ScopeKind.SKUS and not s.skus:
        p.append("scope 'skus' needs at least one sku")
    if s.scope == ScopeKind.SKUS and set(s.skus) <= set(s.exclude_skus):
        p.append("every sku in scope is excluded: the scope is empty")
    if s.scope == ScopeKind.CATEGORIES and set(s.categories) <= set(s.exclude_categories):
        p.append("every category in scope is excluded: the scope is empty")
    p += _validity_problems(s)
    for name, value in (("stock", s.stock), ("per_member_limit", s.per_member_limit)):
        if value is not None and value < 1:
            p.append(f"{name} must be at least 1 (or null for unlimited)")
    if s.budget is not None and s.budget <= 0:
        p.append("budget must be positive (or null for unlimited)")
    return p


def _validity_problems(s: TemplateSpec) -> list[str]:
    if s.validity not in set(ValidityKind):
        return [f"validity must be one of {', '.join(ValidityKind)}"]
    if s.validity == ValidityKind.ABSOLUTE:
        if s.valid_from is None or s.valid_until is None:
            return ["absolute validity needs valid_from and valid_until"]
        if s.valid_from.tzinfo is None or s.valid_until.tzinfo is None:
            return ["valid_from and valid_until need a time zone (e.g. 2026-11-11T00:00:00+08:00)"]
        if s.valid_until <= s.valid_from:
            return ["valid_until must be after valid_from"]
    if s.validity == ValidityKind.RELATIVE and not 1 <= s.valid_hours <= 24 * 366:
        return ["relative validity needs valid_hours between 1 and 8784"]
    if s.validity == ValidityKind.SESSION and not 0 <= s.grace_minutes <= 24 * 60:
        return ["grace_minutes must be between 0 and 1440"]
    return []
