"""Where one operation's instructions go: the per-function cost of a callgrind run of N2
iterations minus that of N1 iterations, divided by N2 - N1 (so the setup cancels out).

    python3 bench/callgrind_breakdown.py FEW.out MANY.out FEW MANY [--inclusive] [--top 25]

Needs callgrind_annotate (valgrind). Self costs are summed per function over the source files
its inlined code came from (std's functions keep their own names).
"""

import os
import re
import subprocess
import sys

LINE = re.compile(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.*)$")


def costs(path, inclusive):
    args = ["callgrind_annotate", "--threshold=100", "--auto=no"]
    if inclusive:
        args.append("--inclusive=yes")
    # From "/", so that every source path is printed whole (relative to the working directory,
    # the same file can appear under two names).
    text = subprocess.run(args + [os.path.abspath(path)], capture_output=True, text=True, check=True, cwd="/").stdout
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(2)
        if name.startswith("=>"):  # a call site, not a function's own total
            continue
        name = re.sub(r"\s+\[[^\]]*\]$", "", name)  # the binary
        name = re.sub(r"^/rustc/[0-9a-f]+/library/", "std:", name)
        name = name.replace("/work/main/", "")
        if not inclusive:
            # Self cost per function, inlined code included: drop the source file it came from.
            name = re.sub(r"^.*?\.(rs|c|h|S):", "", name)
        cost = int(m.group(1).replace(",", ""))
        # Self costs of one function's pieces (inlined from several files) add up; inclusive
        # costs of the pieces overlap, so the largest stands for the function.
        out[name] = max(out.get(name, 0), cost) if inclusive else out.get(name, 0) + cost
    return out


def main():
    few_path, many_path, few, many = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    inclusive = "--inclusive" in sys.argv
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    a, b = costs(few_path, inclusive), costs(many_path, inclusive)
    per_op = {k: (b.get(k, 0) - a.get(k, 0)) / (many - few) for k in b}
    skip = ("PROGRAM TOTALS", "???:main", "callgrind::main", "lang_start", "below main", "__libc_start", "0x0000", "rust_begin_short_backtrace")
    keep = [(v, k) for k, v in per_op.items() if v >= 20 and not any(s in k for s in skip)]
    keep.sort(reverse=True)
    kind = "inclusive" if inclusive else "self"
    print(f"instructions per operation ({kind}), top {top}:")
    for v, k in keep[:top]:
        print(f"{v:9,.0f}  {k}")


if __name__ == "__main__":
    main()
