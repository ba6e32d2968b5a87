#!/usr/bin/env python3
"""A minimal card for the driver test: the card side of the vpcd link, stdlib only.

Connects to a slot (a Unix socket path, or tcp:PORT on 127.0.0.1), answers "get ATR" with the
given ATR and every APDU with its data field followed by 90 00. Three commands misbehave on
purpose (CLA 80):
  INS EE  never answers (a card that hangs)
  INS EF  answers P1P2 bytes of 55 then 90 00 (an answer too long for a small buffer)
  INS ED  answers one byte (no status word)
Every event goes to stdout, one line each, flushed: "connected", "ctl 01", "apdu 00A4...",
"hang", "eof". Exit status: 0 after the reader closed the link, 3 if it closed it before
sending anything (the driver refused the card), 1 on errors.
"""

import argparse
import socket
import sys


def say(text):
    print(text, flush=True)


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        try:
            chunk = sock.recv(n - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def send_frame(sock, payload):
    sock.sendall(len(payload).to_bytes(2, "big") + payload)


def answer(apdu):
    if apdu[0] == 0x80 and apdu[1] == 0xEE:
        return None
    if apdu[0] == 0x80 and apdu[1] == 0xEF:
        return b"\x55" * ((apdu[2] << 8) | apdu[3]) + b"\x90\x00"
    if apdu[0] == 0x80 and apdu[1] == 0xED:
        return b"\x90"
    data = b""
    if len(apdu) > 5 and apdu[4] != 0:
        data = apdu[5 : 5 + apdu[4]]
    return data + b"\x90\x00"


def connect(where):
    if where.startswith("tcp:"):
        sock = socket.create_connection(("127.0.0.1", int(where[4:])))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(where)
    return sock


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slot", help="Unix socket path or tcp:PORT")
    parser.add_argument("--atr", default="3B80800101", help="ATR in hex")
    args = parser.parse_args()
    atr = bytes.fromhex(args.atr)

    sock = connect(args.slot)
    say("connected")
    received = 0
    hanging = False
    while True:
        header = read_exact(sock, 2)
        body = None if header is None else read_exact(sock, int.from_bytes(header, "big"))
        if body is None:
            say("eof")
            return 3 if received == 0 else 0
        received += 1
        if hanging:
            continue  # a hung card hears nothing more
        if len(body) == 1:
            say("ctl %02x" % body[0])
            if body[0] == 0x04:
                send_frame(sock, atr)
            continue
        if len(body) < 4:
            say("bad message " + body.hex())
            return 1
        say("apdu " + body.hex().upper())
        reply = answer(body)
        if reply is None:
            say("hang")
            hanging = True
            continue
        send_frame(sock, reply)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ConnectionError, OSError) as e:
        say("error %s" % e)
        sys.exit(1)
