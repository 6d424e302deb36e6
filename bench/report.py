"""Combines the results bench/run.sh collected into one table (text, or Markdown with --markdown).

    python3 bench/report.py target/bench [--markdown]

Reads, from that folder: meta.json, criterion/<workload>/<impl>/new/estimates.json, allocs.json,
callgrind.json, c.jsonl, python-abi3.jsonl, python-native.jsonl (optional), node.jsonl.
Times are medians: criterion's median for Rust, the median of interleaved rounds elsewhere.
A ratio is the peer's time over ours: above 1, ours is faster.
"""

import json
import os
import sys

WORKLOADS = ["A_hit", "B_revalidate", "C_304", "D_roundtrip"]
SHORT = {"A_hit": "A hit", "B_revalidate": "B revalidate", "C_304": "C 304 merge", "D_roundtrip": "D round trip"}

# (language, workload) -> (minimum ratio, maximum ns for ours or None)
TARGETS = {
    ("Rust", "A_hit"): (5.0, 300.0),
    ("Rust", "B_revalidate"): (10.0, 100.0),
    ("Node", "A_hit"): (3.0, None),
    ("Node", "B_revalidate"): (1.0, None),
    ("Node", "C_304"): (2.0, None),
    ("Node", "D_roundtrip"): (2.0, None),
    ("Python", "A_hit"): (15.0, None),
    ("Python", "B_revalidate"): (15.0, None),
    ("Python", "C_304"): (10.0, None),
    ("Python", "D_roundtrip"): (10.0, None),
}


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def read_jsonl(path):
    rows, meta = [], {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                obj = json.loads(line)
                if "meta" in obj:
                    meta = obj["meta"]
                else:
                    rows.append(obj)
    except FileNotFoundError:
        pass
    return rows, meta


def fmt_ns(ns):
    if ns is None:
        return "n/a"
    if ns < 1000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1000:.2f} µs"
    return f"{ns / 1e6:.2f} ms"


def criterion(out, workload, impl):
    est = read_json(os.path.join(out, "criterion", workload, impl, "new", "estimates.json"))
    return est["median"]["point_estimate"] if est else None


def main():
    out = sys.argv[1]
    markdown = "--markdown" in sys.argv
    meta = read_json(os.path.join(out, "meta.json"), {})
    rows = []  # language, workload, ours ns, peer label, peer ns, target text, met (True/False/None)

    def add(lang, workload, ours, peer_label, peer, target_key=None, note=""):
        ratio = peer / ours if ours and peer else None
        target, met = "report", None
        if target_key in TARGETS:
            min_ratio, max_ns = TARGETS[target_key]
            target = f"≥ {min_ratio:g}×" + (f", ≤ {max_ns:g} ns" if max_ns else "")
            if ratio is not None:
                met = ratio >= min_ratio and (max_ns is None or ours <= max_ns)
        rows.append((lang, workload, ours, peer_label, peer, ratio, target, met, note))

    crate = f"http-cache-semantics {meta.get('crate_version', '3.0.0')} (crate)"
    rust = {}
    for wl in WORKLOADS:
        ours = criterion(out, wl, "ours")
        rust[wl] = ours
        add("Rust", wl, ours, crate, criterion(out, wl, "crate"), ("Rust", wl))
        pairs = criterion(out, wl, "crate_from_pairs")
        if pairs is not None:
            add("Rust", wl, ours, "  … building its http types from the raw pairs too", pairs)
    http_types = criterion(out, "A_hit", "http_types")

    c_rows, _ = read_jsonl(os.path.join(out, "c.jsonl"))
    c_instr = read_json(os.path.join(out, "callgrind-c.json"), {})
    rust_instr = read_json(os.path.join(out, "callgrind.json"), {})
    for r in c_rows:
        wl = r["workload"]
        ci, ri = c_instr.get(wl), rust_instr.get(wl, {}).get("ours")
        note = f"boundary {ci - ri:+,} instructions, {100 * (ci - ri) / ri:+.0f} %" if ci and ri else ""
        add("C", wl, r["ns"], "our Rust API, same workload (no C peer)", rust.get(wl), None, note)

    py_versions = {}
    for label, fname in (("Python", "python-abi3.jsonl"), ("Python (native build)", "python-native.jsonl")):
        prow, pmeta = read_jsonl(os.path.join(out, fname))
        if not prow:
            continue
        py_versions = pmeta.get("versions", py_versions) or py_versions
        by = {(r["workload"], r["impl"]): r["ns"] for r in prow}
        for wl in WORKLOADS:
            for peer in ("cachecontrol", "hishel"):
                if (wl, peer) in by:
                    version = pmeta.get("versions", {}).get(peer, "")
                    add(label, wl, by.get((wl, "ours")), f"{peer} {version}".strip(), by[(wl, peer)], ("Python", wl))
        meta.setdefault("python", {})[label] = pmeta

    nrows, nmeta = read_jsonl(os.path.join(out, "node.jsonl"))
    nby = {(r["workload"], r["impl"]): r["ns"] for r in nrows}
    for wl in WORKLOADS:
        if (wl, "ours") in nby:
            add("Node", wl, nby[(wl, "ours")], f"http-cache-semantics {nmeta.get('http-cache-semantics', '')} (npm)", nby.get((wl, "http-cache-semantics")), ("Node", wl))

    allocs = read_json(os.path.join(out, "allocs.json"), {})
    callgrind = read_json(os.path.join(out, "callgrind.json"), {})

    # ---- output ----
    lines = []
    title = "cachepolicy benchmarks: time per operation (median), peer on identical inputs in the same run"
    machine = f"{meta.get('cpu', '?')} ({meta.get('mhz', '?')} MHz), {meta.get('nproc', '?')} cores; load average {meta.get('load_start', '?')} at start, {meta.get('load_end', '?')} at end"
    commit = meta.get("commit", "?")
    header = ["language", "workload", "ours", "peer", "peer time", "ratio", "target", "met"]

    def met_text(m):
        return "—" if m is None else ("yes" if m else "NO")

    table = [
        [lang, SHORT[wl], fmt_ns(ours), peer_label, fmt_ns(peer), f"{ratio:.2f}×" if ratio else "n/a", target + (f" ({note})" if note else ""), met_text(met)]
        for lang, wl, ours, peer_label, peer, ratio, target, met, note in rows
    ]
    if markdown:
        lines.append(f"Commit measured: `{commit}`. Machine: {machine}.")
        lines.append("")
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        for r in table:
            lines.append("| " + " | ".join(r) + " |")
    else:
        lines.append(title)
        lines.append(f"commit {commit}; {machine}")
        widths = [max(len(str(r[i])) for r in table + [header]) for i in range(len(header))]
        lines.append("  ".join(h.ljust(widths[i]) for i, h in enumerate(header)))
        lines.append("  ".join("-" * widths[i] for i in range(len(header))))
        for r in table:
            lines.append("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)))
    if http_types is not None:
        lines.append("")
        lines.append(f"Building the crate's http types for A from the raw pairs alone: {fmt_ns(http_types)}.")

    # Allocations.
    lines.append("")
    lines.append("Rust heap allocations per operation (counting global allocator; bytes requested):")
    arows = allocs.get("allocations", [])
    amap = {(a["workload"], a["impl"]): a for a in arows}
    if markdown:
        lines.append("")
        lines.append("| operation | ours | crate | crate from raw pairs |")
        lines.append("|---|---|---|---|")
    for key in ["A_hit", "A_hit.new", "A_hit.storable", "A_hit.satisfies", "A_hit.response_headers", "B_revalidate", "C_304", "D_roundtrip"]:
        def cell(impl):
            a = amap.get((key, impl))
            return f"{a['allocations']:g} ({a['bytes']:.0f} B)" if a else ""
        label = key.replace("A_hit.", "  A: ") if "." in key else SHORT[key]
        if markdown:
            lines.append(f"| {label.strip()} | {cell('ours')} | {cell('crate')} | {cell('crate_from_pairs')} |")
        else:
            lines.append(f"  {label:<24} ours {cell('ours'):<16} crate {cell('crate'):<16} crate from pairs {cell('crate_from_pairs')}")
    sat = amap.get(("A_hit.satisfies", "ours"))
    if sat:
        lines.append(("" if not markdown else "\n") + f"Zero heap allocations for satisfies on a fresh hit: {'yes' if sat['allocations'] == 0 else 'NO'} ({sat['allocations']:g}).")

    # Instructions.
    lines.append("")
    lines.append("Instructions per operation under valgrind --tool=callgrind (deterministic; A and B are the ones asked for):")
    if markdown:
        lines.append("")
        lines.append("| workload | ours | crate | ratio |")
        lines.append("|---|---|---|---|")
    c_instr_line = ", ".join(f"{SHORT[wl]} {c_instr[wl]:,}" for wl in WORKLOADS if wl in c_instr)
    for wl in WORKLOADS:
        o = callgrind.get(wl, {}).get("ours")
        c = callgrind.get(wl, {}).get("crate")
        ratio = f"{c / o:.2f}×" if o and c else "n/a"
        if markdown:
            lines.append(f"| {SHORT[wl]} | {o:,.0f} | {c:,.0f} | {ratio} |" if o and c else f"| {SHORT[wl]} | n/a | n/a | n/a |")
        else:
            lines.append(f"  {SHORT[wl]:<14} ours {o:>10,.0f}   crate {c:>10,.0f}   {ratio}" if o and c else f"  {SHORT[wl]}: n/a")

    if c_instr_line:
        lines.append(("\n" if markdown else "  ") + f"Through the C ABI: {c_instr_line} (the C table rows give the boundary's share).")

    # Where they go (self cost per function, inlined code included).
    for wl in ("A_hit", "B_revalidate"):
        try:
            with open(os.path.join(out, "callgrind", f"ours-{wl}.self.txt")) as f:
                top = [l.rstrip() for l in f.readlines()[1:11]]
        except FileNotFoundError:
            continue
        lines.append("")
        lines.append(f"Ours, {SHORT[wl]}: the 10 costliest functions, instructions per operation (self, inlined code included):")
        if markdown:
            lines.append("")
            lines.append("```")
        lines.extend(("  " if not markdown else "") + l for l in top)
        if markdown:
            lines.append("```")

    # Serialized sizes.
    lines.append("")
    lines.append("Serialized size of the workload's policy (bytes):")
    ser = allocs.get("serialized", {})
    nser = nmeta.get("serialized_bytes", {})
    items = [
        ("ours, CachePolicy::to_bytes (binary, versioned)", ser.get("ours")),
        ("npm http-cache-semantics, JSON.stringify(toObject())", nser.get("http-cache-semantics")),
        ("ours via Node, JSON.stringify(toObject()) (the npm format)", nser.get("cachepolicy")),
        ("http-cache-semantics crate, bincode", ser.get("crate_bincode")),
    ]
    pser = meta.get("python", {}).get("Python", {}).get("serialized_bytes", {})
    items += [("cachecontrol, Serializer.dumps (msgpack, body aside)", pser.get("cachecontrol")), ("hishel, pack (msgpack)", pser.get("hishel"))]
    if markdown:
        lines.append("")
        lines.append("| format | bytes |")
        lines.append("|---|---|")
    for label, n in items:
        if n is None:
            continue
        lines.append(f"| {label} | {n} |" if markdown else f"  {label:<62} {n}")
    if ser.get("ours") and nser.get("http-cache-semantics"):
        lines.append(("\n" if markdown else "") + f"Ours is {ser['ours'] / nser['http-cache-semantics']:.2f}× the npm original's JSON.")

    # Summary.
    judged = [(lang, wl, met) for lang, wl, _, _, _, _, _, met, _ in rows if met is not None]
    if sat:
        judged.append(("Rust", "zero allocations in satisfies", sat["allocations"] == 0))
    missed = [f"{lang} {SHORT.get(wl, wl)}" for lang, wl, met in judged if not met]
    lines.append("")
    lines.append(f"Targets met: {sum(1 for *_, m in judged if m)} of {len(judged)}." + (f" Missed: {', '.join(missed)}." if missed else ""))

    versions = meta.get("versions", {})
    pymeta = meta.get("python", {}).get("Python", {})
    if pymeta.get("python"):
        versions["python"] = pymeta["python"]
    if py_versions:
        versions.update({k: v for k, v in py_versions.items()})
    if nmeta:
        versions["node"] = nmeta.get("node")
        versions["http-cache-semantics (npm)"] = nmeta.get("http-cache-semantics")
    if versions:
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
