"""Notifications: cursor pages and the SSE stream; members read only their own."""

import json

from activities.notify import notify
from core.db import transaction
from tests.conftest import unique


def _write(member: str, n: int) -> None:
    with transaction() as conn:
        for i in range(n):
            notify(conn, member_id=member, kind="points", title=f"+{i}", body="b", data={"i": i},
                   idempotency_key=f"{member}:{i}")
            notify(conn, member_id=member, kind="points", title="dup", body="b", data={},
                   idempotency_key=f"{member}:{i}")


async def test_cursor_pages(http, token):
    member = unique("m")
    _write(member, 5)
    headers = token("member-app", member)
    first = (await http.get(f"/v1/members/{member}/notifications?limit=3", headers=headers)).json()
    assert [n["title"] for n in first["items"]] == ["+0", "+1", "+2"]
    rest = (await http.get(f"/v1/members/{member}/notifications?after={first['next_cursor']}",
                           headers=headers)).json()
    assert [n["title"] for n in rest["items"]] == ["+3", "+4"]
    empty = (await http.get(f"/v1/members/{member}/notifications?after={rest['next_cursor']}",
                            headers=headers)).json()
    assert empty["items"] == [] and empty["next_cursor"] == rest["next_cursor"]
    other = token("member-app", unique("m"))
    assert (await http.get(f"/v1/members/{member}/notifications", headers=other)).status_code == 403


async def test_sse_stream(http, token):
    member = unique("m")
    _write(member, 2)
    headers = token("member-app", member)
    seen = []
    async with http.stream("GET", f"/v1/members/{member}/notifications/stream?max_seconds=0.3&poll_seconds=0.1",
                           headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line[5:])["title"])
    assert seen == ["+0", "+1"]


async def test_sse_stream_resumes_after_last_event_id_and_refuses_a_bad_one(http, token):
    member = unique("m")
    _write(member, 3)
    headers = token("member-app", member)
    first = (await http.get(f"/v1/members/{member}/notifications", headers=headers)).json()["items"][0]["id"]
    seen = []
    url = f"/v1/members/{member}/notifications/stream?max_seconds=0.3&poll_seconds=0.1"
    async with http.stream("GET", url, headers={**headers, "Last-Event-ID": str(first)}) as response:
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                seen.append(json.loads(line[5:])["title"])
    assert seen == ["+1", "+2"]
    bad = await http.get(url, headers={**headers, "Last-Event-ID": "abc"})
    assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["detail"]
