#!/usr/bin/env python3
"""How busy the cores are in each stage of one cakupan run.

    python3 bench/stages.py [--threads 2] -- CAKUPAN_BIN run --population … --out DIR …

Runs the command with CAKUPAN_TRACE_MEMORY=1 (cakupan then prints a line on
stderr as each stage ends), samples the process's CPU time every 0.25 s from
/proc, and prints per stage: when it ran, how many cores it kept busy on
average, and the core-seconds left idle ((threads - busy) x seconds). A stage
that leaves much idle has a serial part worth looking for; one that keeps the
cores busy only gets faster by doing less work. Linux only; not run by CI.
Sampling is coarse (the kernel counts CPU time in 10 ms ticks), so stages
shorter than about a second are only roughly measured. write_tables and
write_quality run side by side; they are listed one after the other, by
when each ended.
"""
import argparse
import os
import subprocess
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "2")))
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("give the cakupan command after --")
    env = dict(os.environ, CAKUPAN_TRACE_MEMORY="1", RAYON_NUM_THREADS=str(a.threads), POLARS_MAX_THREADS=str(a.threads))
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    ends = []

    def read():
        for line in p.stderr:
            if line.startswith("stage "):
                ends.append((time.time() - t0, line.split(":")[0][len("stage "):]))

    reader = threading.Thread(target=read)
    reader.start()
    tick = os.sysconf("SC_CLK_TCK")
    samples, last, last_t = [], 0, 0.0
    while p.poll() is None:
        try:
            fields = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
            cpu = int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            break
        now = time.time() - t0
        samples.append((now, (cpu - last) / tick / max(now - last_t, 1e-3)))
        last, last_t = cpu, now
        time.sleep(0.25)
    reader.join()
    rc = p.wait()
    print(f"{'stage':<22} {'from':>7} {'to':>7} {'seconds':>8} {'cores busy':>10} {'idle core-s':>11}")
    start, idle_total = 0.0, 0.0
    for end, name in ends:
        busy = [c for t, c in samples if start < t <= end]
        mean = sum(busy) / len(busy) if busy else float("nan")
        idle = max(a.threads - mean, 0) * (end - start) if busy else float("nan")
        if busy:
            idle_total += idle
        print(f"{name:<22} {start:7.1f} {end:7.1f} {end - start:8.1f} {mean:10.2f} {idle:11.1f}")
        start = end
    print(f"total {time.time() - t0:.1f} s, exit {rc}, idle core-seconds in the stages {idle_total:.1f}")


if __name__ == "__main__":
    main()
