#!/usr/bin/env python3
"""Performs TLS handshakes with a loopback endpoint in a loop, for the
zero-downtime deployment test: stops after MAX handshakes, SECONDS seconds,
or when STOPFILE exists, and prints one summary line:
  handshakes=N failures=F first_error=... serials=a,b
Each handshake checks the chain against CAFILE (so a half-written key or
certificate counts as a failure) and records the served leaf's serial."""
import os
import ssl
import socket
import sys
import time

host, port, sni, cafile, stopfile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
limit = int(sys.argv[6]) if len(sys.argv) > 6 else 2000
seconds = float(sys.argv[7]) if len(sys.argv) > 7 else 20.0

ctx = ssl.create_default_context(cafile=cafile)
# The renewed certificate is dated in the future (KEYFORM_NOW): check the
# chain and name, not the clock (X509_V_FLAG_NO_CHECK_TIME).
ctx.verify_flags |= 0x200000
ctx.check_hostname = True
handshakes = failures = 0
first_error = ""
serials = []
deadline = time.monotonic() + seconds
while handshakes < limit and time.monotonic() < deadline and not os.path.exists(stopfile):
    handshakes += 1
    try:
        with socket.create_connection((host, port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=sni) as tls:
                serial = tls.getpeercert()["serialNumber"].lower().lstrip("0")
                if not serials or serials[-1] != serial:
                    serials.append(serial)
    except (OSError, ssl.SSLError, KeyError) as e:
        failures += 1
        if not first_error:
            first_error = str(e).replace(" ", "_")
print(f"handshakes={handshakes} failures={failures} first_error={first_error} serials={','.join(serials)}")
