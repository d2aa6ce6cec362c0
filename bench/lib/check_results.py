#!/usr/bin/env python3
"""bench/lib/check_results.py: the ctest check of a `scripts/bench --quick`
run (label bench). One job: read the combined JSON and check that every
tier ran and every path, scenario and control-plane measure produced a
figure (a count above zero, a ratio that exists). It never compares a
timing or a rate with anything: benchmarks are not tests (BENCH-NOTES §4).

usage: check_results.py FILE.json
"""
import json
import sys


def main():
    d = json.load(open(sys.argv[1]))
    bad = []
    checked = 0

    def need(cond, what):
        nonlocal checked
        checked += 1
        if not cond:
            bad.append(what)

    for e in d.get("errors", []):
        bad.append("run: " + e)
    tiers = d.get("tiers", [])
    for t in ("micro", "system", "control"):
        need(t in tiers, "tier %s was not asked for" % t)

    m = d.get("micro")
    need(m is not None, "micro: no JSON")
    if m:
        need(len(m.get("paths", [])) > 0, "micro: no paths")
        for p in m.get("paths", []):
            need(p.get("delta_ns") is not None and p.get("runs_proven", 0) > 0,
                 "micro %s: no figure or no proven runs" % p.get("id"))
        f = m.get("flood")
        need(f is not None and f.get("ratio_single_over_random") is not None, "micro: no flood ratio")

    s = d.get("system")
    need(s is not None, "system: no JSON")
    if s:
        for sid, sc in s["scenarios"].items():
            need(len(sc["rounds"]) > 0, "system %s: no round" % sid)
            for r in sc["rounds"]:
                fig = sc["figure"]
                need("error" not in r and r.get(fig, 0) > 0 and r.get(fig + "_pps", 0) > 0,
                     "system %s round %s: no figure (%s)" % (sid, r.get("round"), r.get("error", fig + " = 0")))
                need(r.get("offered", 0) > 0, "system %s round %s: nothing offered" % (sid, r.get("round")))
        for name, r in s["ratios"].items():
            need(r.get("median") is not None, "system ratio %s: no value" % name)
        if "Gr" in s["scenarios"]:
            need(s.get("lru_bounded") is not None, "system Gr: no LRU figure")
        need((s.get("attach") or {}).get("mode") == "native", "system: icmpguard not attached natively")

    c = d.get("control") or {}
    dm = c.get("daemon")
    need(dm is not None, "control: no daemon figures")
    if dm:
        need(dm["reload_ms"]["median"] > 0 and dm["reloads"] > 0, "daemon: no reload time")
        need(all(v > 0 for v in dm["rss_kib"].values()), "daemon: no memory figure")
        need(dm["stats_ms"]["median"] > 0, "daemon: no stats time")
        need(dm["bpf_memlock_bytes"] > 0, "daemon: no BPF map memory")
    mt = c.get("metrics")
    need(mt is not None, "control: no scrape figures")
    if mt:
        need(mt["empty"]["text_ms"]["median"] > 0, "metrics: no empty-scrape time")
        ifaces = set()
        for st in mt["states"]:
            ifaces.add(st["interfaces"])
            need(st["text_ms"]["median"] > 0 and st["gzip_ms"]["median"] > 0 and st["lines"] > 0,
                 "metrics %s: no figure" % st["state"])
            need(st["text_cpu_ms_per_scrape"] is not None, "metrics %s: no CPU figure" % st["state"])
        need(ifaces >= {1, 2}, "metrics: scrapes with 1 and with 2 interfaces expected, got %s" % sorted(ifaces))
        need(all(v > 0 for v in mt["rss_kib"].values()), "metrics: no memory figure")

    if bad:
        print("check_results: %d of %d checks failed:" % (len(bad), checked))
        for b in bad:
            print("  " + b)
        return 1
    print("check_results: %d checks passed (figures present; no timing is asserted)" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main())
