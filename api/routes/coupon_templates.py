"""Operators: create, update, list and deactivate coupon templates."""

from fastapi import APIRouter, Depends, HTTPException, Response

from activities.coupon_templates import get_template, list_templates, set_active, upsert_template
from activities.rejections import record_rejection
from api.deps import require
from core.db import transaction
from domain.errors import BadInput
from models.api_keys import Role
from models.coupon_api import TemplatePublic, TemplateSpec

router = APIRouter(prefix="/v1/coupon-templates", tags=["coupons"], dependencies=[Depends(require(Role.OPERATOR))])


@router.post("", response_model=TemplatePublic, status_code=201)
def create_template(spec: TemplateSpec, response: Response) -> TemplatePublic:
    """Create a template (201), or update the one with this id in place (200); issued counts are kept.
    Checked: percent within 1..99, threshold above the discount, a non-empty scope, a sane validity."""
    try:
        with transaction() as conn:
            template, created = upsert_template(conn, spec)
    except BadInput as error:
        record_rejection(source="api:coupon-templates", reference=spec.id, reason=str(error),
                         payload=spec.model_dump(mode="json"))
        raise
    response.status_code = 201 if created else 200
    return template


@router.get("", response_model=list[TemplatePublic])
def all_templates() -> list[TemplatePublic]:
    """Every template with how many coupons and how much face value it has issued."""
    with transaction() as conn:
        return list_templates(conn)


@router.get("/{template_id}", response_model=TemplatePublic)
def one_template(template_id: str) -> TemplatePublic:
    """One template."""
    with transaction() as conn:
        template = get_template(conn, template_id)
    if template is None:
        raise HTTPException(404, f"unknown coupon template {template_id}")
    return template


@router.delete("/{template_id}", response_model=TemplatePublic)
def deactivate_template(template_id: str) -> TemplatePublic:
    """Stop issuing from this template. Coupons already issued stay usable."""
    with transaction() as conn:
        if not set_active(conn, template_id, False):
            raise HTTPException(404, f"unknown coupon template {template_id}")
        return get_template(conn, template_id)
