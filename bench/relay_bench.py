"""The forwarding client's own cost: CPU time per request of ``Relay`` against a loopback
server in another process (so only the client's work is counted).

    python bench/relay_bench.py [--requests N] [--concurrency C] [--chunked]

The server answers every request with the same small JSON body, the size of an order
decision, either sized (``content-length``, as the API answers) or chunked. The client
process's CPU time (``time.process_time``) is divided by the number of requests; it moves
much less with other work on the machine than the wall-clock rate, which is printed too.
Under ``valgrind --tool=callgrind`` the counts did not grow in proportion to the requests
(the untraced server outruns the traced client, and the event loop's waiting differs from
run to run), so compare builds by this CPU time, several runs each, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time

from ordergate.runtime.cluster.relay import Relay

BODY = b'{"decision":"allow","order_id":"o-1","account":"APEX-1","stage":null,"code":null,"message":"ok"}'

SERVER = r"""
import asyncio, sys
body = %(body)r
chunked = %(chunked)r
if chunked:
    answer = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
              + b"%%x\r\n" %% len(body) + body + b"\r\n0\r\n\r\n")
else:
    answer = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
              + str(len(body)).encode() + b"\r\n\r\n" + body)

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(answer)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def run(address: str, requests: int, concurrency: int) -> tuple[float, float]:
    relay = Relay(10)
    headers = [("content-type", "application/json"), ("authorization", "Bearer bench-token")]
    order = b'{"account":"APEX-1","symbol":"ESZ6","side":"buy","qty":1,"type":"market"}'
    left = requests

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            status, _, body = await relay.request("POST", address, "/v1/orders/check", headers, order)
            if status != 200 or body != BODY:
                raise SystemExit(f"unexpected answer {status} {body[:80]!r}")

    left = min(requests, 200)
    await client()  # warm: the connection is open and the code paths run before timing
    left = requests
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    relay.close()
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--chunked", action="store_true")
    args = parser.parse_args()
    code = SERVER % {"body": BODY, "chunked": args.chunked}
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        cpu, wall = asyncio.run(run(f"http://127.0.0.1:{port}", args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait()
    kind = "chunked" if args.chunked else "sized"
    print(
        f"{args.requests} requests ({kind} answers, {args.concurrency} at a time): "
        f"{cpu / args.requests * 1e6:.1f} us client CPU per request, "
        f"{args.requests / wall:,.0f} requests/s"
    )


if __name__ == "__main__":
    main()
