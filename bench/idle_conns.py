#!/usr/bin/env python3
"""Holds N idle TCP connections to HOST:PORT until stdin closes; prints 'ready N' once all are open."""
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=10)
    socks.append(s)
print("ready", len(socks), flush=True)
sys.stdin.read()
for s in socks:
    s.close()
