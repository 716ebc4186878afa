"""The live platform's Python client for room events (HTTP, NDJSON batches).

    with EventsClient("http://127.0.0.1:8000", token) as c:
        result = c.post("room-1", [{"event_id": "e1", "type": "enter", "member_id": "m1", ...}])
        totals = c.load_file("room-1", Path("session.ndjson"))
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx

from models.intake import IntakeResult


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_ndjson(path: Path) -> Iterator[dict]:
    """The file's events, one JSON object per line; ValueError naming the first line that is not one."""
    with path.open("rb") as f:  # lines end at b"\n" only, as the API reads them
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as error:  # not JSON, or not UTF-8
                raise ValueError(f"{path} line {n}: {error}") from None
            if not isinstance(item, dict):
                raise ValueError(f"{path} line {n}: an event must be a JSON object")
            yield item


class EventsClient:
    def __init__(self, api_url: str, token: str, *, timeout: float = 30.0, http: httpx.Client | None = None):
        self.http = http or httpx.Client(base_url=api_url, timeout=timeout)
        self.http.headers["Authorization"] = f"Bearer {token}"

    def __enter__(self) -> "EventsClient":
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def post(self, room_id: str, events: list[dict]) -> IntakeResult:
        body = "\n".join(json.dumps(e, ensure_ascii=False, default=str) for e in events).encode()
        response = self.http.post(f"/v1/rooms/{room_id}/events", content=body,
                                  headers={"Content-Type": "application/x-ndjson"})
        if response.status_code != 200:
            raise RuntimeError(f"intake refused the batch ({response.status_code}): {response.text}")
        return IntakeResult.model_validate(response.json())

    def post_all(self, room_id: str, events: Iterable[dict], *, batch_size: int = 2000) -> IntakeResult:
        total = IntakeResult(received=0, accepted=0, duplicates=0)
        for batch in _batches(events, batch_size):
            r = self.post(room_id, batch)
            offset = total.received
            total.received += r.received
            total.accepted += r.accepted
            total.duplicates += r.duplicates
            total.rejected += [x.model_copy(update={"index": x.index + offset}) for x in r.rejected]
        return total

    def load_file(self, room_id: str, path: Path, *, batch_size: int = 2000) -> IntakeResult:
        return self.post_all(room_id, read_ndjson(path), batch_size=batch_size)

    def register_room(self, room_id: str, *, shop_id: str = "", host_id: str = "", title: str = "") -> None:
        response = self.http.post("/v1/rooms", json={"room_id": room_id, "shop_id": shop_id, "host_id": host_id,
                                                     "title": title})
        response.raise_for_status()
