#!/usr/bin/env python3
"""An OTLP/HTTP sink for bench/agent/cost.sh: answers every POST with 200 and an empty
protobuf response (a valid Export*ServiceResponse), counting requests and bytes. It decodes
nothing: the bench measures the exporter's cost in the agent and the traced app, not a receiver.
    otlp_sink.py PORT_FILE     writes the chosen port to PORT_FILE; prints counts on SIGTERM"""
import http.server, signal, sys

counts = {"requests": 0, "bytes": 0}

class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        counts["requests"] += 1
        counts["bytes"] += length
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
with open(sys.argv[1], "w") as f:
    f.write(str(server.server_address[1]))
def stop(*_):
    print(f"otlp_sink requests={counts['requests']} bytes={counts['bytes']}", file=sys.stderr, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
server.serve_forever()
