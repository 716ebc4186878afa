"""Templates for tests: a valid spec with overrides, created in a connection."""

from decimal import Decimal

from activities.coupon_templates import upsert_template
from models.coupon_api import TemplateSpec
from tests.conftest import unique


def spec(**overrides) -> TemplateSpec:
    base = dict(id=unique("tpl"), name="5 off", kind="amount_off", amount_off=Decimal("5"), validity="relative",
                valid_hours=24, stock=None, per_member_limit=None)
    return TemplateSpec(**{**base, **overrides})


def make_template(conn, **overrides) -> str:
    template, _ = upsert_template(conn, spec(**overrides))
    return template.id
