"""A lean HTTP/1.1 keep-alive load generator on asyncio streams, so the client spends little of the
machine's two cores and the server's figures are the server's. Loopback only."""

import asyncio
import json
import time
from collections.abc import Iterator


async def _connection(host: str, port: int, head: bytes, bodies: Iterator[bytes], out: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for body in bodies:
            started = time.perf_counter()
            writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            header = (await reader.readuntil(b"\r\n\r\n")).lower()
            status = int(header[9:12])  # "http/1.1 201 created"
            at = header.index(b"content-length:") + 15
            payload = await reader.readexactly(int(header[at:header.index(b"\r\n", at)]))
            done = time.perf_counter()
            out.append((status, (done - started) * 1000, json.loads(payload), done))
    finally:
        writer.close()


async def storm(host: str, port: int, path: str, token: str, bodies: list[dict], connections: int) -> list:
    """POST every body; returns (status, latency_ms, json, perf_counter at the answer) per request."""
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: ").encode()
    encoded = iter([json.dumps(b).encode() for b in bodies])
    out: list = []
    await asyncio.gather(*[_connection(host, port, head, encoded, out) for _ in range(connections)])
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0
