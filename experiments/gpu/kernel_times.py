#!/usr/bin/env python3
"""Sums an `ncu --csv --metrics gpu__time_duration.sum` log by kernel name: one Markdown table of
total ms, launches and share, largest first. Usage: kernel_times.py NCU_CSV [TOP]"""
import collections
import csv
import sys


def main() -> None:
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40
    with open(path, newline="") as f:
        lines = [line for line in f if line.startswith('"')]  # ncu's own messages are not quoted
    total = collections.Counter()
    launches = collections.Counter()
    for row in csv.DictReader(lines):
        if row.get("Metric Name") != "gpu__time_duration.sum":
            continue
        name = row["Kernel Name"].removeprefix("void ").removeprefix("longnet::")
        name = name.replace("(anonymous namespace)::", "").replace("<unnamed>::", "")
        name = name.split("(")[0].split("<")[0].strip()
        total[name] += float(row["Metric Value"].replace(",", "")) / 1e6  # ns -> ms
        launches[name] += 1
    all_ms = sum(total.values())
    print(f"{sum(launches.values())} kernel launches, {all_ms:.2f} ms of kernel time\n")
    print("| kernel | ms | launches | share |")
    print("| --- | ---: | ---: | ---: |")
    for name, ms in total.most_common(top):
        print(f"| `{name}` | {ms:.2f} | {launches[name]} | {100 * ms / all_ms:.1f}% |")


if __name__ == "__main__":
    main()
