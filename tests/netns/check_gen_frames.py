#!/usr/bin/python3
"""Check a capture of icmpguard_gen's frames (bench_gen.sh), independently.

Reads a classic pcap file and checks every frame against what `icmpguard_gen
send` was asked for: MACs, length, IPv4 header (TTL, DF, lengths, header
checksum) or IPv6 header (payload length, hop limit), the ICMP/ICMPv6 header
and checksum (IPv6: with its pseudo-header), the payload pattern, and the
sources: the fixed one, or random ones inside the prefix, all distinct (and
in distinct /64s for IPv6 prefixes up to /64), with exactly 1 frame in
--legit-every keeping the fixed source (frame 0 first).

usage: check_gen_frames.py PCAP --src-mac MAC --dst-mac MAC SEND_OPTIONS...
where SEND_OPTIONS are the frame options given to `icmpguard_gen send`.

Every checksum is computed here from scratch (RFC 1071), sharing no code
with the generator. Exit 0 and one summary line when all frames pass.
"""
import argparse
import ipaddress
import struct
import sys


def ones_sum(data, initial=0):
    if len(data) % 2:
        data += b"\0"
    s = initial
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def read_pcap(path):
    with open(path, "rb") as f:
        blob = f.read()
    magic = struct.unpack("<I", blob[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit(f"{path}: not a little-endian classic pcap file (magic {magic:#x})")
    off, frames = 24, []
    while off + 16 <= len(blob):
        incl, orig = struct.unpack("<II", blob[off + 8 : off + 16])
        frames.append((blob[off + 16 : off + 16 + incl], orig))
        off += 16 + incl
    return frames


def main():
    # The frame options of `icmpguard_gen send`, with its documented
    # defaults, so that the test passes the same words to both.
    p = argparse.ArgumentParser()
    p.add_argument("pcap")
    p.add_argument("--src-mac", required=True)
    p.add_argument("--dst-mac", required=True)
    fam = p.add_mutually_exclusive_group(required=True)
    fam.add_argument("-4", dest="family", action="store_const", const=4)
    fam.add_argument("-6", dest="family", action="store_const", const=6)
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("-c", dest="count", type=int, required=True)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--type", type=int)
    p.add_argument("--code", type=int, default=0)
    p.add_argument("--random-src", dest="random")
    p.add_argument("--legit-every", type=int, default=0)
    p.add_argument("--seed")  # changes which sources, not what is checked
    a = p.parse_args()
    if a.type is None:
        a.type = 128 if a.family == 6 else 8

    frames = read_pcap(a.pcap)
    errors = []

    def bad(i, msg):
        errors.append(f"frame {i}: {msg}")

    if len(frames) != a.count:
        errors.append(f"captured {len(frames)} frames, expected {a.count}")
    src_fixed = ipaddress.ip_address(a.src)
    dst = ipaddress.ip_address(a.dst)
    prefix = ipaddress.ip_network(a.random) if a.random else None
    mac = lambda s: bytes.fromhex(s.replace(":", ""))
    fixed, randoms, nets64 = 0, set(), set()
    for i, (f, orig) in enumerate(frames):
        if len(f) != a.size or orig != a.size:
            bad(i, f"length {len(f)}/{orig}, expected {a.size}")
            continue
        if f[0:6] != mac(a.dst_mac) or f[6:12] != mac(a.src_mac):
            bad(i, "MAC addresses")
        if a.family == 4:
            ethertype, ip, l4 = 0x0800, f[14:34], 34
            if struct.unpack("!H", f[12:14])[0] != ethertype:
                bad(i, "ethertype")
                continue
            if ip[0] != 0x45 or struct.unpack("!H", ip[2:4])[0] != a.size - 14 or ip[8] != 64 or ip[9] != 1:
                bad(i, f"IPv4 header {ip.hex()}")
            if struct.unpack("!H", ip[6:8])[0] != 0x4000:
                bad(i, "IPv4 flags/fragment offset")
            if ones_sum(ip) != 0xFFFF:
                bad(i, f"IPv4 header checksum {ip[10:12].hex()} does not verify")
            src, dst_got = ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20])
            if ones_sum(f[l4:]) != 0xFFFF:
                bad(i, f"ICMP checksum {f[l4 + 2 : l4 + 4].hex()} does not verify")
        else:
            ethertype, ip, l4 = 0x86DD, f[14:54], 54
            if struct.unpack("!H", f[12:14])[0] != ethertype:
                bad(i, "ethertype")
                continue
            if ip[0:4] != b"\x60\0\0\0" or struct.unpack("!H", ip[4:6])[0] != a.size - 54 or ip[6] != 58 or ip[7] != 64:
                bad(i, f"IPv6 header {ip[:8].hex()}")
            src, dst_got = ipaddress.ip_address(ip[8:24]), ipaddress.ip_address(ip[24:40])
            icmp = f[l4:]
            pseudo = ip[8:40] + struct.pack("!IxxxB", len(icmp), 58)  # RFC 8200 §8.1
            if ones_sum(pseudo + icmp) != 0xFFFF:
                bad(i, f"ICMPv6 checksum {icmp[2:4].hex()} does not verify")
        if dst_got != dst:
            bad(i, f"destination {dst_got}")
        if f[l4] != a.type or f[l4 + 1] != a.code or f[l4 + 4 : l4 + 8] != b"\x69\x67\x00\x01":
            bad(i, f"ICMP header {f[l4 : l4 + 8].hex()}")
        if f[l4 + 8 :] != bytes(k & 0xFF for k in range(len(f) - l4 - 8)):
            bad(i, "payload pattern")
        legit_expected = prefix is None or (a.legit_every and i % a.legit_every == 0)
        if src == src_fixed:
            fixed += 1
            if not legit_expected:
                bad(i, f"fixed source {src} where a random one was due")
        elif prefix is None or legit_expected:
            bad(i, f"source {src}, expected {src_fixed}")
        elif src not in prefix:
            bad(i, f"random source {src} outside {prefix}")
        else:
            if src in randoms:
                bad(i, f"random source {src} repeated")
            randoms.add(src)
            if a.family == 6:
                nets64.add(int(src) >> 64)

    if prefix is not None and a.family == 6 and prefix.prefixlen <= 64 and len(nets64) != len(randoms):
        errors.append(f"{len(randoms)} random IPv6 sources share {len(nets64)} /64s")
    if errors:
        print("\n".join(errors[:20]), file=sys.stderr)
        sys.exit(f"{len(errors)} problems in {a.pcap}")
    print(f"OK: {len(frames)} IPv{a.family} frames of {a.size} B, checksums valid; "
          f"{fixed} with the fixed source, {len(randoms)} distinct random sources"
          + (f" in {len(nets64)} /64s" if a.family == 6 and randoms else ""))


if __name__ == "__main__":
    main()
