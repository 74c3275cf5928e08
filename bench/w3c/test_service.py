"""The W3C trace-context suite's "test service", placed behind tracegate's proxy route so that the
suite judges tracegate: for each element of the harness's JSON array it POSTs the element's
arguments to the element's url as a participant in the trace tracegate sent it, the least one can
be: the same version, trace id and flags, a new parent id for each call it makes, and the
tracestate tracegate sent (every line joined, as RFC 9110 reads them), unchanged. It answers 200.
Standard library only.

    python3 bench/w3c/test_service.py PORT
"""
import json
import os
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TestService(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {"Content-Type": "application/json"}
        traceparent = (self.headers.get_all("traceparent") or [None])[0]
        tracestate = [line for line in self.headers.get_all("tracestate") or [] if line.strip()]
        if tracestate:
            headers["tracestate"] = ",".join(tracestate)
        for case in json.loads(body or b"[]"):
            if traceparent:
                version, trace_id, _, flags = traceparent.split("-")[:4]
                headers["traceparent"] = "-".join((version, trace_id, os.urandom(8).hex(), flags))
            request = urllib.request.Request(
                case["url"], data=json.dumps(case["arguments"]).encode(), headers=headers
            )
            try:
                urllib.request.urlopen(request, timeout=5).read()
            except Exception as e:  # the harness reports what it did not receive
                print("callback to %s failed: %s" % (case["url"], e), file=sys.stderr)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), TestService).serve_forever()
