"""A small webhook receiver: verifies each request's signature with `events/signing.py` (standard
library only) and appends every event it accepts to a file, one CloudEvents JSON object a line.

    python scripts/webhook_receiver.py --port 8001 --secret-file var/webhook-secret \
        --out var/webhooks.jsonl

`make run` starts it beside the demo, with a subscription (`manage.py webhook_demo`) that sends
it every event: watch ``tail -f var/webhooks.jsonl``. A request with a bad signature is answered
400 and not written. It answers 204 quickly and keeps connections alive (HTTP/1.1), so it also
serves as the local receiver of `benchmarks/events.py`. The secret is read from the file on
each request, so rotating it (`manage.py webhook_demo` again) needs no restart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events.signing import HEADER, SignatureError, signature_verify  # noqa: E402

NO_CONTENT = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
SIGNATURE = HEADER.lower().encode()


class Secrets:
    """The secrets file, one secret a line (the current one, and during a rotation the
    previous one), read again at most once a second: a rotation needs no restart."""

    def __init__(self, path: Path):
        self.path, self.read_at, self.secrets = path, 0.0, []

    def __call__(self) -> list[str]:
        now = time.monotonic()
        if now - self.read_at > 1:
            lines = self.path.read_text().splitlines()
            self.secrets, self.read_at = [line.strip() for line in lines if line.strip()], now
        return self.secrets


def receiver(secret_file: Path, out, verify: bool):
    """One connection: HTTP/1.1 requests one after the other (kept alive), each answered 204
    once its body is verified and written, or 400 (and the connection closed)."""

    secrets = Secrets(secret_file)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = {}
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
                try:
                    if verify:
                        signature_verify(
                            body=body,
                            header=headers.get(SIGNATURE, b"").decode(),
                            secrets=secrets(),
                        )
                except (SignatureError, OSError, UnicodeDecodeError):
                    writer.write(BAD_REQUEST)
                    await writer.drain()
                    return
                out.write(body + b"\n")
                out.flush()
                writer.write(NO_CONTENT)
                await writer.drain()
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            ValueError,
        ):
            return
        finally:
            writer.close()

    return serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--secret-file", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--no-verify", action="store_true", help="accept unsigned requests (never in earnest)"
    )
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)

    async def run() -> None:
        with open(args.out, "ab") as out:
            server = await asyncio.start_server(
                receiver(args.secret_file, out, not args.no_verify), args.host, args.port
            )
            print(f"webhook receiver on http://{args.host}:{args.port}/ writing {args.out}")
            sys.stdout.flush()
            async with server:
                await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
