#!/usr/bin/env python3
"""Loopback stand-ins for the services a scale bench probes (standard library only): one
listening socket per service on 127.0.0.1, each answering GET /health with 200 and
GET /v1/models with one model (vLLM's shape), keep-alive, from one asyncio loop.
Prints the ports as one JSON list on a line, then serves until stdin closes.
Usage: bench/loopback_services.py COUNT
"""
import asyncio
import json
import sys

MODELS = json.dumps({"object": "list", "data": [{"id": "bench-model", "object": "model"}]})


def answer(path: bytes) -> bytes:
    if path.startswith(b"/v1/models"):
        status, body = b"200 OK", MODELS.encode()
    elif path.startswith(b"/health"):
        status, body = b"200 OK", b"ok"
    else:
        status, body = b"404 Not Found", b"not found"
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)


async def serve_connection(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line = head.split(b"\r\n", 1)[0].split(b" ")
            writer.write(answer(request_line[1] if len(request_line) > 1 else b"/"))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(count: int) -> None:
    servers = [await asyncio.start_server(serve_connection, "127.0.0.1", 0) for _ in range(count)]
    ports = [s.sockets[0].getsockname()[1] for s in servers]
    print(json.dumps(ports), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the bench closes our stdin


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
