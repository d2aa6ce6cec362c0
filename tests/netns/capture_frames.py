#!/usr/bin/python3
"""Capture COUNT frames between two MACs on an interface into a pcap file.

usage: capture_frames.py IFACE SRC_MAC DST_MAC COUNT OUT.pcap [TIMEOUT_S]

Run it inside the receiver's namespace (nsenter --net). It prints "ready"
only once its AF_PACKET socket is bound, so a sender started after that line
cannot race it (tshark's "Capturing on" comes before its socket is ready, so
a burst sent right after it loses its first frames). The receive buffer is
raised so that a burst sent at millions of frames per second is not dropped,
and kernel-side drops (PACKET_STATISTICS) are an error. Frames are written
as the kernel delivered them, in order; other traffic (ND, MLD) is skipped.
"""
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33


def main():
    iface, src_mac, dst_mac, count, out = sys.argv[1:6]
    timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 10.0
    count = int(count)
    want = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((iface, 0))
    s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)  # reading resets the counters
    print("ready", flush=True)

    frames, deadline = [], time.monotonic() + timeout
    while len(frames) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data, addr = s.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING and data[:12] == want:
            frames.append(data)
    drops = struct.unpack("II", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]

    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
        now = time.time()
        for d in frames:
            f.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6), len(d), len(d)) + d)
    print(f"captured {len(frames)} frames, {drops} dropped by the kernel", flush=True)
    sys.exit(0 if drops == 0 and len(frames) == count else 1)


if __name__ == "__main__":
    main()
