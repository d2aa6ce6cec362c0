#!/usr/bin/env python3
"""bench/lib/system_report.py: the system tier's numbers from bench/system.sh's
raw snapshots. One job: diff the before/after snapshots of every scenario and
round, turn them into rates (count / the generator's own time), compute the
same-run ratios per round (BENCH-NOTES §4) and their median and min-max, and
write JSON and Markdown.

usage: system_report.py RAW_DIR --json FILE --md FILE

Exit status 1 when a scenario of a round has no figure (it failed, or its
figure counted nothing); never because of a number's size.
"""
import argparse
import json
import os
import re
import statistics
import sys

# Scenario id -> (what vd runs, the figure, the family/type of the request)
SCENARIOS = {
    "A": ("no XDP, GRO on: kernel echo v4", "answered"),
    "A6": ("no XDP, GRO on: kernel echo v6", "answered"),
    "B": ("icmpguard echo v4 (limiter off)", "answered"),
    "B6": ("icmpguard echo v6 (limiter off)", "answered"),
    "C": ("icmpguard drops IPv4 timestamp requests (policy)", "dropped"),
    "C0": ("empty XDP_DROP program", "dropped"),
    "D": ("nft netdev ingress, priority -500, counter drop", "dropped"),
    "E": ("nft ip prerouting, priority -300 (raw), counter drop", "dropped"),
    "N": ("no filter: the kernel takes the timestamp requests", "handled"),
    "F": ("icmpguard echo v4, limiter on, source within its limit", "answered"),
    "Gr": ("icmpguard, limiter on: IPv6 echo from a new /64 per frame, gen's own address every 64th", "handled"),
    "Gs": ("icmpguard, limiter on: IPv6 echo from one source, same count", "handled"),
}

# (name, numerator scenario, its field, denominator scenario, its field, definition)
RATIOS = [
    ("echo_v4", "B", "answered_pps", "A", "answered_pps", "echo speed-up v4: B answered/s over A answered/s"),
    ("echo_v6", "B6", "answered_pps", "A6", "answered_pps", "echo speed-up v6: B6 answered/s over A6 answered/s"),
    ("echo_v4_share", "B", "answered", "B", "offered", "B: share of offered requests answered"),
    ("echo_v6_share", "B6", "answered", "B6", "offered", "B6: share of offered requests answered"),
    ("kernel_echo_v4_share", "A", "answered", "A", "offered", "A: share of offered requests answered (kernel)"),
    ("kernel_echo_v6_share", "A6", "answered", "A6", "offered", "A6: share of offered requests answered (kernel)"),
    ("drop_vs_nft_netdev", "C", "dropped_pps", "D", "dropped_pps", "drop: C over D (nft netdev ingress)"),
    ("drop_vs_nft_raw", "C", "dropped_pps", "E", "dropped_pps", "drop: C over E (nft raw prerouting)"),
    ("drop_vs_empty", "C", "dropped_pps", "C0", "dropped_pps", "program cost on the drop path: C over C0"),
    ("drop_vs_no_filter", "C", "dropped_pps", "N", "handled_pps", "drop: C over N (the kernel handling the same type)"),
    ("limiter", "F", "answered_pps", "B", "answered_pps", "limiter cost: F answered/s over B answered/s"),
    ("flood_random_vs_single", "Gr", "handled_pps", "Gs", "handled_pps",
     "random-source flood: Gr handled/s over Gs handled/s"),
    ("flood_legit_share", "Gr", "legit_answered", "Gr", "legit_offered",
     "Gr: share of the legitimate source's requests answered"),
    ("flood_vs_echo", "Gr", "handled_pps", "B6", "answered_pps", "Gr handled/s over B6 answered/s (context)"),
]

NSTAT_KEYS = ["IcmpInEchos", "IcmpOutEchoReps", "IcmpInTimestamps", "IcmpOutTimestampReps", "IcmpInCsumErrors",
              "IcmpInErrors", "IpInDiscards", "IpInReceives", "Icmp6InEchos", "Icmp6OutEchoReplies",
              "Icmp6InCsumErrors", "Icmp6InErrors", "Ip6InDiscards", "Ip6InReceives"]
ETHTOOL_KEYS = ["xdp_packets", "drops", "xdp_drops", "xdp_tx", "xdp_tx_errors", "xdp_xmit", "xdp_xmit_errors",
                "xdp_redirect"]


def read(path):
    with open(path) as f:
        return f.read()


def nstat(path):
    out = {}
    for line in read(path).splitlines():
        p = line.split()
        if len(p) >= 2 and p[1].isdigit():
            out[p[0]] = int(p[1])
    return out


def ethtool(path):
    """Sums the per-queue veth statistics by their name after the queue."""
    out = {}
    for line in read(path).splitlines():
        m = re.match(r"\s*(?:(?:rx|tx)_queue_\d+_)?(\w+):\s*(\d+)$", line)
        if m and m.group(1) != "peer_ifindex":
            key = m.group(1)
            if line.strip().startswith("tx_queue"):
                key = key if key.startswith("xdp_xmit") else "tx_" + key
            out[key] = out.get(key, 0) + int(m.group(2))
    return out


def sink(path):
    d = json.loads(read(path))
    out = {}
    for fam, types in d.get("icmp", {}).items():
        for t, v in types.items():
            out[(fam, int(t), "legit")] = v.get("legit", 0)
            out[(fam, int(t), "other")] = v.get("other", 0)
    out[("other",)] = d.get("other", 0)
    return out


def nft_packets(path):
    if not os.path.exists(path):
        return 0
    total = 0
    for item in json.loads(read(path)).get("nftables", []):
        rule = item.get("rule")
        if rule:
            for e in rule.get("expr", []):
                if "counter" in e:
                    total += e["counter"].get("packets", 0)
    return total


def ig_stats(path):
    if not os.path.exists(path):
        return None
    d = json.loads(read(path))
    counters = {}
    for r in d.get("counters", []):
        k = (r["family"], r["icmp_type_num"], r["action"])
        counters[k] = counters.get(k, 0) + r["packets"]
    reasons = {}
    for r in d.get("reasons", []):
        k = (r["family"], r["reason"])
        reasons[k] = reasons.get(k, 0) + r["packets"]
    return {"counters": counters, "reasons": reasons, "rate_limit": d.get("rate_limit", {})}


def diff(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}


def scenario(dirpath, sid):
    """Everything one scenario of one round measured, or {"error": ...}."""
    if os.path.exists(os.path.join(dirpath, "error")):
        return {"error": read(os.path.join(dirpath, "error")).strip()}
    p = lambda name: os.path.join(dirpath, name)  # noqa: E731
    try:
        gen = json.loads(read(p("gen.json")))
        ns = diff(nstat(p("after.nstat")), nstat(p("before.nstat")))
        vg = diff(ethtool(p("after.ethtool-vg")), ethtool(p("before.ethtool-vg")))
        vd = diff(ethtool(p("after.ethtool-vd")), ethtool(p("before.ethtool-vd")))
        sk = diff(sink(p("after.sink.json")), sink(p("before.sink.json")))
        nft = nft_packets(p("after.nft.json")) - nft_packets(p("before.nft.json"))
        ig_a, ig_b = ig_stats(p("after.stats.json")), ig_stats(p("before.stats.json"))
    except (OSError, ValueError, KeyError) as e:
        return {"error": "unreadable snapshot: %s" % e}
    secs = gen["seconds"]
    r = {
        "offered": gen["sent"], "requested": gen.get("requested"), "complete": gen.get("complete", True),
        "gen_seconds": secs, "offered_pps": gen["pps"],
        "nstat": {k: ns.get(k, 0) for k in NSTAT_KEYS},
        "ethtool_vg": {k: vg.get(k, 0) for k in ETHTOOL_KEYS},
        "ethtool_vd": {k: vd.get(k, 0) for k in ETHTOOL_KEYS},
        "sink_replies": {"%s/%d/%s" % k: v for k, v in sk.items() if len(k) == 3 and v},
        "sink_other": sk.get(("other",), 0),
    }
    fam = "ipv6" if sid in ("A6", "B6", "Gr", "Gs") else "ipv4"
    req = 128 if fam == "ipv6" else (13 if sid in ("C", "C0", "D", "E", "N") else 8)
    rep = {128: 129, 8: 0, 13: 14}[req]
    answered = sk.get((fam, rep, "legit"), 0) + sk.get((fam, rep, "other"), 0)
    r["answered"] = answered
    if ig_a is not None and ig_b is not None:
        c = diff(ig_a["counters"], ig_b["counters"])
        rs = diff(ig_a["reasons"], ig_b["reasons"])
        r["program"] = {"%s/%d/%s" % k: v for k, v in sorted(c.items()) if v}
        r["program_reasons"] = {"%s/%s" % k: v for k, v in sorted(rs.items()) if v}
        r["program_handled"] = sum(v for k, v in c.items() if k[0] == fam and k[1] == req)
        rl = ig_a["rate_limit"].get("vd")
        if rl:
            r["lru_entries"] = rl.get("sources")
            r["lru_capacity"] = rl.get("capacity")
            rlb = ig_b["rate_limit"].get("vd", {})
            r["new_sources_inserted"] = rl.get("inserted", 0) - rlb.get("inserted", 0)
            r["new_sources_refused"] = rl.get("refused", 0) - rlb.get("refused", 0)
    fig = SCENARIOS[sid][1]
    if fig == "answered":
        count = answered
    elif sid == "C":
        count = r.get("program", {}).get("ipv4/13/drop", 0)
    elif sid == "C0":
        count = r["ethtool_vd"]["xdp_drops"]
    elif sid in ("D", "E"):
        count = nft
        r["nft_counter"] = nft
    elif sid == "N":
        count = ns.get("IcmpInTimestamps", 0)
    else:  # Gr, Gs: every frame the program decided
        count = r.get("program_handled", 0)
    r[fig] = count
    r[fig + "_pps"] = count / secs if secs > 0 else 0.0
    r["figure"] = fig
    r["loss"] = 1 - answered / gen["sent"] if fig == "answered" and gen["sent"] else None
    if sid == "Gr":
        r["legit_offered"] = gen.get("legit", 0)
        r["legit_answered"] = sk.get((fam, rep, "legit"), 0)
    if count <= 0:
        r["error"] = "no figure: %s counted nothing (%d frames offered)" % (fig, gen["sent"])
    return r


def summary(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}


def fmt_rate(x):
    if x is None:
        return "—"
    return "%.3f M" % (x / 1e6) if x >= 1e5 else "%.1f k" % (x / 1e3)


def fmt_ratio(s, pct=False):
    if not s:
        return "—", "—"
    f = (lambda x: "%.1f %%" % (100 * x)) if pct else (lambda x: "%.2f" % x)
    return f(s["median"]), "%s – %s" % (f(s["min"]), f(s["max"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--json", required=True)
    ap.add_argument("--md", required=True)
    a = ap.parse_args()

    meta = json.loads(read(os.path.join(a.raw, "meta.json")))
    rounds = sorted((d for d in os.listdir(a.raw) if re.fullmatch(r"r\d+", d)), key=lambda d: int(d[1:]))
    ids = meta["scenarios"].split()
    per = {sid: [] for sid in ids}
    errors = []
    notes = []
    for rd in rounds:
        for sid in ids:
            path = os.path.join(a.raw, rd, sid)
            r = scenario(path, sid) if os.path.isdir(path) else {"error": "did not run"}
            r["round"] = int(rd[1:])
            per[sid].append(r)
            if "error" in r:
                errors.append("round %s %s: %s" % (rd[1:], sid, r["error"]))
            elif not r.get("complete", True):
                notes.append("round %s %s: the generator stopped at its time bound after %d of %s frames"
                             % (rd[1:], sid, r["offered"], r.get("requested")))
    nrounds = len(rounds)
    if nrounds < meta["rounds"]:
        errors.append("only %d of %d rounds ran" % (nrounds, meta["rounds"]))

    scen_out = {}
    for sid in ids:
        rs = per[sid]
        fig = SCENARIOS[sid][1]
        ok = [r for r in rs if "error" not in r]
        scen_out[sid] = {
            "vd": SCENARIOS[sid][0], "figure": fig, "rounds": rs,
            "offered_pps": summary([r["offered_pps"] for r in ok]),
            "rate_pps": summary([r[fig + "_pps"] for r in ok]),
            "answered_share": summary([r["answered"] / r["offered"] for r in ok if r["offered"]]),
        }
        if sid == "Gr":
            scen_out[sid]["lru_entries_max"] = max((r.get("lru_entries") or 0 for r in ok), default=None)
            scen_out[sid]["lru_capacity"] = next((r.get("lru_capacity") for r in ok if r.get("lru_capacity")), None)

    def by_round(sid, rnd):
        for r in per.get(sid, []):
            if r["round"] == rnd and "error" not in r:
                return r
        return None

    ratios = {}
    for name, ns, nf, ds, df, definition in RATIOS:
        if ns not in per or ds not in per:
            continue
        vals = []
        for rd in rounds:
            n, d = by_round(ns, int(rd[1:])), by_round(ds, int(rd[1:]))
            vals.append(n[nf] / d[df] if n and d and d.get(df) else None)
        ratios[name] = {"definition": definition, "values": vals, **(summary(vals) or {"median": None})}

    lru_ok = None
    if "Gr" in scen_out and scen_out["Gr"]["lru_capacity"]:
        lru_ok = scen_out["Gr"]["lru_entries_max"] <= scen_out["Gr"]["lru_capacity"]
    attach = None
    for sid in ids:
        st = os.path.join(a.raw, "r1", sid, "status.json")
        if os.path.exists(st):
            s = json.loads(read(st))
            if s:
                attach = {"mode": s[0].get("mode"), "multiprog": s[0].get("multiprog")}
                break

    out = {"tier": "system", "meta": meta, "rounds_run": nrounds, "attach": attach, "scenarios": scen_out,
           "ratios": ratios, "lru_bounded": lru_ok, "errors": errors, "notes": notes, "complete": not errors}
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)

    md = []
    md.append("System tier: %d round(s) × %d frames per scenario (64 B frames), generator on CPU %s "
              "(shared-CPU mode: generator, both veths' NAPI and the program on one core); icmpguard attach: %s."
              % (nrounds, meta["frames"], meta["cpu"],
                 "%s, %s" % (attach["mode"], "libxdp dispatcher" if attach["multiprog"] else "single program")
                 if attach else "n/a"))
    md.append("")
    md.append("| Ratio (same run, per round) | Median | Min – max | Rounds |")
    md.append("|---|---:|---|---:|")
    for name, _, _, _, _, definition in RATIOS:
        if name in ratios:
            s = ratios[name] if ratios[name].get("median") is not None else None
            med, rng = fmt_ratio(s, pct=name.endswith("share"))
            md.append("| %s | %s | %s | %s |" % (definition, med, rng, s["n"] if s else 0))
    if "Gr" in scen_out:
        md.append("| Gr: LRU entries at the end (max over rounds) / configured `sources` | %s / %s | | |"
                  % (scen_out["Gr"]["lru_entries_max"], scen_out["Gr"]["lru_capacity"]))
    md.append("")
    md.append("| Id | vd | Offered/s | Figure | Rate/s, median (min – max) | Answered share | "
              "vd xdp_xmit_errors + drops (sum) |")
    md.append("|---|---|---:|---|---|---:|---:|")
    for sid in ids:
        s = scen_out[sid]
        ok = [r for r in s["rounds"] if "error" not in r]
        lost = sum(r["ethtool_vd"]["xdp_xmit_errors"] + r["ethtool_vd"]["drops"] + r["ethtool_vg"]["xdp_xmit_errors"]
                   for r in ok)
        rate = s["rate_pps"]
        md.append("| %s | %s | %s | %s | %s | %s | %d |" % (
            sid, s["vd"], fmt_rate(s["offered_pps"]["median"]) if s["offered_pps"] else "—", s["figure"],
            "%s (%s – %s)" % (fmt_rate(rate["median"]), fmt_rate(rate["min"]), fmt_rate(rate["max"])) if rate else "—",
            fmt_ratio(s["answered_share"], pct=True)[0] if s["figure"] == "answered" else "—", lost))
    md.append("")
    md.append("Absolute rates are this VM only; the ratios are what the run reports. Sysctls in dut: " +
              ", ".join("%s = %s" % kv for kv in meta.get("sysctls", {}).items()) + ".")
    if notes:
        md.append("")
        md.append("Notes: " + "; ".join(notes) + ".")
    if errors:
        md.append("")
        md.append("**Scenarios without a figure:** " + "; ".join(errors))
    with open(a.md, "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
