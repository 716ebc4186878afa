"""Parse a spec from YAML or JSON text, with errors that name the field and its line."""

import json

import yaml
from pydantic import ValidationError

from domain.campaigns.spec import CampaignSpec
from domain.errors import BadInput


def _lines(node, path=(), out=None) -> dict:
    """Map every path in a YAML document (tuple of keys/indexes) to its 1-based line."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _lines(value, path + (key.value,), out)
            out.setdefault(path + (key.value,), key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _lines(value, path + (i,), out)
    return out


def _line_for(loc: tuple, lines: dict) -> int | None:
    keys = tuple(int(k) if isinstance(k, int) else k for k in loc)
    while keys:
        if keys in lines:
            return lines[keys]
        keys = keys[:-1]
    return lines.get(())


def parse_spec(source: str, *, name: str = "spec") -> CampaignSpec:
    """The validated spec, or BadInput listing each problem as `name:LINE field.path: message`."""
    try:
        node = yaml.compose(source)
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise BadInput(f"{name}: not valid YAML/JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadInput(f"{name}: a campaign spec is a mapping (YAML) or an object (JSON)")
    lines = _lines(node) if node is not None else {}
    try:
        return CampaignSpec.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            loc = tuple(k for k in e["loc"] if not (isinstance(k, str) and k in _TAGS))
            line = _line_for(loc, lines)
            where = ".".join(str(k) for k in loc) or "(top)"
            problems.append(f"{name}:{line} {where}: {e['msg']}" if line else f"{name} {where}: {e['msg']}")
        raise BadInput("invalid campaign spec:\n  " + "\n  ".join(problems)) from None


def spec_from_json(data: dict) -> CampaignSpec:
    return parse_spec(json.dumps(data, default=str), name="spec")


# discriminated-union tags pydantic puts into error locations
_TAGS = {"watch_minutes", "comment_keyword", "viewer_likes", "room_likes", "share", "first_visit",
         "watch_without_order", "online_milestone", "host_command", "flash_sale", "top_fan", "order_paid"}
