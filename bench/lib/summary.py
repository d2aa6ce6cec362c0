#!/usr/bin/env python3
"""bench/lib/summary.py: scripts/bench's closing step. One job: gather what
the tiers wrote into the run directory (machine.tsv, status.tsv, micro.json,
system/system.json, daemon.json, metrics.json) into one JSON document, and
print one Markdown table of the system tier's ratios (median, min-max) and
the control plane's figures.

usage: summary.py RUN_DIR --json FILE

Exit status 1 when a tier that was asked for did not run to the end or a
system scenario produced no figure; never because of a number's size.
"""
import argparse
import json
import os
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tsv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                out[k] = v
    return out


def num(x, fmt="%.2f"):
    return "—" if x is None else fmt % x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    d = a.run_dir
    machine = tsv(os.path.join(d, "machine.tsv"))
    status = tsv(os.path.join(d, "status.tsv"))
    tiers = machine.get("tiers", "").split(",")
    errors = []

    micro = load(os.path.join(d, "micro.json")) if "micro" in tiers else None
    system = load(os.path.join(d, "system", "system.json")) if "system" in tiers else None
    control = {}
    for c in ("daemon", "metrics"):
        if "control_" + c in status:
            control[c] = load(os.path.join(d, c + ".json"))

    for name, st in sorted(status.items()):
        if st != "ok":
            errors.append("%s: %s" % (name, st))
    if "micro" in tiers and micro is None:
        errors.append("micro: no JSON")
    if "system" in tiers:
        if system is None:
            errors.append("system: no JSON")
        else:
            errors.extend("system: " + e for e in system.get("errors", []))
    for c, v in control.items():
        if v is None:
            errors.append("control %s: no JSON" % c)

    rows = []
    if system:
        for name, r in system["ratios"].items():
            pct = name.endswith("share")
            f = (lambda x: num(None if x is None else 100 * x, "%.1f %%")) if pct else num
            rows.append((r["definition"], f(r.get("median")),
                         "%s – %s" % (f(r.get("min")), f(r.get("max"))) if r.get("median") is not None else "—",
                         "system, %d round(s)" % r.get("n", 0)))
        g = system["scenarios"].get("Gr")
        if g:
            rows.append(("Gr: LRU entries at the end (max over rounds) / configured `sources`",
                         "%s / %s" % (g.get("lru_entries_max"), g.get("lru_capacity")), "",
                         "bounded" if system.get("lru_bounded") else "NOT bounded"))
        for sid, s in system["scenarios"].items():
            if s.get("rate_pps"):
                rr = s["rate_pps"]
                rows.append(("%s %s/s, this VM only (%s)" % (sid, s["figure"], s["vd"]),
                             "%.3f M" % (rr["median"] / 1e6),
                             "%.3f – %.3f M" % (rr["min"] / 1e6, rr["max"] / 1e6),
                             "offered %.3f M/s" % (s["offered_pps"]["median"] / 1e6)))
    dm = control.get("daemon")
    if dm:
        rows.append(("daemon: full reload, median (max) of %d SIGHUPs" % dm["reloads"],
                     "%s ms" % dm["reload_ms"]["median"], "max %s ms" % dm["reload_ms"]["max"], "control"))
        rk = dm["rss_kib"]
        rows.append(("daemon: VmRSS start / after 1st reload / after %d reloads; VmHWM" % dm["reloads"],
                     "%.1f / %.1f / %.1f MiB" % (rk["start"] / 1024, rk["after_first_reload"] / 1024,
                                                 rk["after_reloads"] / 1024),
                     "HWM %.1f MiB" % (rk["hwm"] / 1024),
                     "growth over the reloads: %d KiB" % dm["rss_growth_over_reloads_kib"]))
        rows.append(("daemon: `icmpguard stats -j --reasons`, median of %d" % dm["stats_runs"],
                     "%s ms" % dm["stats_ms"]["median"], "max %s ms" % dm["stats_ms"]["max"], "control"))
        rows.append(("daemon: start to ready; idle CPU", "%d ms" % dm["start_ms"],
                     "%s %% over %d s" % (dm["idle_cpu_percent"], dm["idle_seconds"]), "control"))
        rows.append(("daemon: BPF map memory (bpftool memlock, %d maps, 1 interface)" % dm["bpf_maps"],
                     "%.0f KiB" % (dm["bpf_memlock_bytes"] / 1024), "", "%d possible CPUs" % dm["cpus"]))
    mt = control.get("metrics")
    if mt:
        e = mt["empty"]
        rows.append(("scrape, nothing counted, %d interfaces (text)" % e["interfaces"],
                     "%s ms" % e["text_ms"]["median"], "p90 %s, max %s ms" % (e["text_ms"]["p90"], e["text_ms"]["max"]),
                     "CPU %s ms/scrape; %d scrapes" % (e["text_cpu_ms_per_scrape"], mt["scrapes"])))
        for st in mt["states"]:
            for enc in ("text", "gzip"):
                rows.append(("scrape, %s, %d interface%s (%s; %d lines)" % (
                                 st["state"], st["interfaces"], "" if st["interfaces"] == 1 else "s", enc, st["lines"]),
                             "%s ms" % st[enc + "_ms"]["median"],
                             "p90 %s, max %s ms" % (st[enc + "_ms"]["p90"], st[enc + "_ms"]["max"]),
                             "CPU %s ms/scrape" % st[enc + "_cpu_ms_per_scrape"]))
        rk = mt["rss_kib"]
        rows.append(("metrics daemon: VmRSS start / after all scrapes; VmHWM",
                     "%.1f / %.1f MiB" % (rk["start"] / 1024, rk["after_scrapes"] / 1024),
                     "HWM %.1f MiB" % (rk["hwm"] / 1024), "control"))
    if micro:
        flood = micro.get("flood") or {}
        rows.append(("micro: paths measured (Δ over the empty program: table above)", str(len(micro.get("paths", []))),
                     "", "micro, %s s" % micro.get("wall_seconds")))
        if flood.get("ratio_single_over_random") is not None:
            rows.append(("micro: random-source flood, single Δ / random Δ (program time only)",
                         num(flood["ratio_single_over_random"]), "", "micro"))

    print("| Figure | Median | Min – max / spread | Note |")
    print("|---|---:|---|---|")
    for r in rows:
        print("| %s | %s | %s | %s |" % r)
    if errors:
        print()
        print("**Not complete:** " + "; ".join(errors))

    out = {"machine": machine, "tiers": tiers, "status": status, "complete": not errors, "errors": errors,
           "micro": micro, "system": system, "control": control}
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
