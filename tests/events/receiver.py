"""A webhook receiver for the tests: a real HTTP server that verifies signatures with the
shipped helper and, by its seed, fails, times out and answers 500 at random.

    python tests/events/receiver.py PORT SECRET LOG_FILE CHAOS(0..1) SEED

Every request it accepts (2xx) is appended to LOG_FILE as one JSON line; a bad signature is
answered 400 and logged as {"rejected": …}.
"""

import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from events.signing import HEADER, SignatureError, signature_verify  # noqa: E402

PORT, SECRET, LOG, CHAOS, SEED = (
    int(sys.argv[1]),
    sys.argv[2],
    sys.argv[3],
    float(sys.argv[4]),
    int(sys.argv[5]),
)
dice = random.Random(SEED)
lock = threading.Lock()


def log(line: dict) -> None:
    with lock, open(LOG, "a") as out:
        out.write(json.dumps(line) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        return

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            roll = dice.random()
        if roll < CHAOS / 3:
            self.close_connection = True
            self.connection.close()
            return
        if roll < 2 * CHAOS / 3:
            self.answer(500)
            return
        if roll < CHAOS:
            time.sleep(1.5)
        try:
            signature_verify(body=body, header=self.headers.get(HEADER, ""), secrets=[SECRET])
        except SignatureError as exc:
            log({"rejected": str(exc)})
            self.answer(400)
            return
        event = json.loads(body)
        log({"id": event["id"], "subject": event["subject"], "sequence": event["sequence"]})
        self.answer(204)

    def answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
