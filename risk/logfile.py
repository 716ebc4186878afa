"""Read a labeled CSV/TSV event log into an EventLog, by a role -> column mapping.

Roles: ip, device, member, room, time, label, type (all optional but time and label).
Times may be timestamps (ISO-like) or epoch seconds / milliseconds.
"""

import csv
import ipaddress
from functools import lru_cache
from pathlib import Path

import numpy as np

from domain.errors import BadInput
from domain.risk.features import EventLog

ROLES = {"ip", "device", "member", "room", "time", "label", "type"}


def parse_mapping(text: str) -> dict[str, str]:
    mapping = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, _, column = part.partition("=")
        if role not in ROLES or not column:
            raise BadInput(f"bad --map entry {part!r}: use ROLE=COLUMN with ROLE in {sorted(ROLES)}")
        mapping[role] = column
    for needed in ("time", "label"):
        if needed not in mapping:
            raise BadInput(f"--map needs {needed}=COLUMN")
    return mapping


def parse_times(values: np.ndarray) -> np.ndarray:
    """Epoch milliseconds from timestamps or epoch seconds/milliseconds."""
    try:
        numbers = values.astype(np.float64)
        return (numbers * 1000 if np.nanmedian(numbers) < 1e11 else numbers).astype(np.int64)
    except ValueError:
        cleaned = np.char.replace(np.char.replace(values.astype(str), "Z", ""), "+00:00", "")
        try:
            return cleaned.astype("datetime64[ms]").astype(np.int64)
        except ValueError as error:
            raise BadInput(f"time column has values that are neither timestamps nor epoch numbers: {error}")


def network_of(ip: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) network, as PostgreSQL's risk_network() writes it; '' if not an IP.
    A plain dotted quad is read by hand (0.6 us against ipaddress's 6: the risk memory folds every
    room event, and most viewers bring a new address); anything else goes through ipaddress."""
    parts = ip.split(".")
    if len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 and (p[0] != "0" or p == "0")
                               and int(p) <= 255 for p in parts):
        return f"{parts[0]}.{parts[1]}.{parts[2]}.0/24"
    return _network_by_ipaddress(ip)


def _network_by_ipaddress(ip: str) -> str:
    if "%" in ip:  # a scoped IPv6 address: PostgreSQL's inet has no zones
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 64}", strict=False))


# Serving and the memory fold ask for the same addresses again and again: one cache for both.
cached_network_of = lru_cache(maxsize=1 << 18)(network_of)


def read_log(path: Path, mapping: dict[str, str], context: list[str]) -> tuple[EventLog, np.ndarray]:
    """(log, raw label strings)."""
    with path.open(newline="") as f:
        sample = f.read(65536)
        f.seek(0)
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        if not header:
            raise BadInput(f"{path} is empty")
        rows = list(reader)
    where = {name: i for i, name in enumerate(header)}
    for column in list(mapping.values()) + context:
        if column not in where:
            raise BadInput(f"column {column!r} not in {path.name} (has {', '.join(header)})")
    rows = [r for r in rows if len(r) == len(header)]
    if not rows:
        raise BadInput(f"{path} has no data rows")
    table = np.array(rows, dtype=object)

    def col(name: str) -> np.ndarray:
        return table[:, where[name]].astype(str).astype(object)

    keys = {role: col(mapping[role]) for role in ("ip", "device", "member", "room") if role in mapping}
    if "ip" in keys:
        unique_ips, inverse = np.unique(keys["ip"].astype(str), return_inverse=True)
        keys["network"] = np.array([network_of(ip) for ip in unique_ips], dtype=object)[inverse]
    etype = col(mapping["type"]) if "type" in mapping else np.full(len(table), "", dtype=object)
    log = EventLog(t_ms=parse_times(col(mapping["time"]).astype(str)), keys=keys, etype=etype,
                   context={c: col(c) for c in context})
    return log, col(mapping["label"])
