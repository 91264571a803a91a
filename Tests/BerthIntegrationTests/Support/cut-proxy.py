"""A TCP relay on loopback that cuts one connection midway, for the test of
resumed uploads: it forwards 127.0.0.1:LISTEN to 127.0.0.1:TARGET, closes
the first connection whose client-to-server bytes pass CUT, and keeps the
total of client-to-server bytes in STATS (as JSON) as it goes.

With HOLD and RELEASE, it also stops passing server-to-client bytes once
HOLD of them passed in all, until the file RELEASE exists (at most two
minutes): for the test of a cache streaming what it has so far.

usage: cut-proxy.py LISTEN TARGET CUT STATS [HOLD RELEASE]
"""
import asyncio
import json
import os
import signal
import sys

# The test process ignores SIGTERM (its servers handle it), and an ignored signal stays ignored across exec.
signal.signal(signal.SIGTERM, signal.SIG_DFL)

listen, target, cut, stats_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
state = {"sent": 0, "cut": False, "received": 0}
hold, release = (int(sys.argv[5]), sys.argv[6]) if len(sys.argv) > 6 else (None, None)


async def held(data, client_writer):
    """Passes `data` on, waiting for RELEASE at the HOLD mark."""
    if hold is not None and state["received"] + len(data) > hold and not os.path.exists(release):
        keep = max(0, hold - state["received"])
        client_writer.write(data[:keep])
        await client_writer.drain()
        state["received"] += keep
        for _ in range(2400):
            if os.path.exists(release):
                break
            await asyncio.sleep(0.05)
        data = data[keep:]
    client_writer.write(data)
    await client_writer.drain()
    state["received"] += len(data)


def save():
    with open(stats_path, "w") as f:
        json.dump(state, f)


async def relay(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
    sent_here = 0

    async def upstream():
        nonlocal sent_here
        try:
            while data := await client_reader.read(65536):
                if not state["cut"] and sent_here + len(data) > cut:
                    # Pass the bytes up to the cut, then drop both ends.
                    keep = cut - sent_here
                    server_writer.write(data[:keep])
                    await server_writer.drain()
                    state["sent"] += keep
                    state["cut"] = True
                    save()
                    break
                server_writer.write(data)
                await server_writer.drain()
                sent_here += len(data)
                state["sent"] += len(data)
                save()
        finally:
            for w in (server_writer, client_writer):
                w.close()

    async def downstream():
        try:
            while data := await server_reader.read(65536):
                await held(data, client_writer)
        except (ConnectionError, OSError):
            pass
        finally:
            client_writer.close()

    await asyncio.gather(upstream(), downstream(), return_exceptions=True)


async def main():
    server = await asyncio.start_server(relay, "127.0.0.1", listen)
    save()
    print("ready", flush=True)
    # Bounded: the test stops it, and it never outlives ten minutes.
    await asyncio.wait_for(server.serve_forever(), timeout=600)


try:
    asyncio.run(main())
except asyncio.TimeoutError:
    pass
