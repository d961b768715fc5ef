#!/usr/bin/env python3
"""A tiny HTTP file server for tests/cli_ecg_download.sh (Python standard library only).

Serves --root on 127.0.0.1 (a free port, written to --port-file), answers Range requests
("bytes=N-" and "bytes=N-M": 206 with Content-Range, 416 past the end), and logs one line per
request to --log: "GET <path> <Range header or ->". Faults, each for one file (path relative to
--root, without the leading slash):
  --truncate PATH:N    the first whole-file GET of PATH sends its full Content-Length but only N
                       bytes, then drops the connection (a truncated transfer)
  --die-after PATH:N   a GET of PATH sends N bytes and then the whole server exits (it goes away)
"""
import argparse
import http.server
import os
import socketserver
import sys


def parse_fault(text):
    if not text:
        return None, 0
    path, n = text.rsplit(':', 1)
    return path, int(n)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):  # quiet on stderr; the request log is --log
        pass

    def do_GET(self):
        cfg = self.server.cfg
        rel = self.path.split('?', 1)[0].lstrip('/')
        rng = self.headers.get('Range')
        with open(cfg.log, 'a') as f:
            f.write('GET /%s %s\n' % (rel, rng or '-'))
        full = os.path.realpath(os.path.join(cfg.root, rel))
        if not full.startswith(os.path.realpath(cfg.root) + os.sep) or not os.path.isfile(full):
            self.send_error(404)
            return
        data = open(full, 'rb').read()
        start, end = 0, len(data) - 1
        if rng and rng.startswith('bytes='):
            a, _, b = rng[6:].partition('-')
            start = int(a)
            if b:
                end = min(int(b), end)
            if start >= len(data):
                self.send_response(416)
                self.send_header('Content-Range', 'bytes */%d' % len(data))
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Range', 'bytes %d-%d/%d' % (start, end, len(data)))
        else:
            self.send_response(200)
        body = data[start:end + 1]
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        tpath, tn = parse_fault(cfg.truncate)
        dpath, dn = parse_fault(cfg.die_after)
        if rel == tpath and not rng and not self.server.truncated:
            self.server.truncated = True
            self.wfile.write(body[:tn])
            self.wfile.flush()
            self.close_connection = True
            return
        if rel == dpath:
            self.wfile.write(body[:dn])
            self.wfile.flush()
            os._exit(0)
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--root', required=True)
    p.add_argument('--port-file', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--truncate')
    p.add_argument('--die-after')
    cfg = p.parse_args()
    srv = Server(('127.0.0.1', cfg.port), Handler)
    srv.cfg = cfg
    srv.truncated = False
    tmp = cfg.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.rename(tmp, cfg.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
