"""The Python client's side of `npm run bench:ingest` (bench/ingest.ts runs it with Debian's /usr/bin/python3).

1. Ingest: points/s through runboard.init/log/finish. Each trial logs STEPS calls of 4 keys as fast as it can,
   then finish() waits until the server has every point: points / (first log -> finish returned).
2. Overhead: the time a training loop takes with the client logging every step vs. the same loop without it
   (the same step() computing the same loss.item() and accuracy on both sides; only run.log differs). Wall time
   is what a user compares; since wall time on a shared machine mostly measures the neighbours, it also reports
   the process's CPU time per step (time.process_time: the training thread and the sender thread) with and
   without the client, the training thread's time inside run.log(), and the sender thread's CPU. run.finish()
   (the last flush) is outside the loop's time and reported on its own.
   The loop is a small PyTorch MLP step on a 64x784 batch when torch is importable (one thread, like a
   data-loader-bound CPU job: torch.set_num_threads(1) alone leaves Debian's OpenBLAS spinning a thread per core,
   so the "one-thread" loop took both cores, 1.97 s of CPU per s, and any other work slowed it), else a pure-Python stand-in of similar length. Repetitions are interleaved in
   pairs, in alternating order (without-with, with-without, ...), so load drifts and order effects hit both
   sides; the headline is the median of the per-pair ratios, beside the ratio of the medians.
   The process is pinned to one core (BENCH_PY_CPU, which bench/lib/python-client.ts sets to the last core), so
   the training thread stays on its core and the scheduler puts the server and PostgreSQL on the other, as a
   training job owns its cores. Unpinned, two idle runs on 2 cores gave 2.7% and 7.1%; in the second the
   process's CPU per step rose 7% while run.log() and the sender thread took 1.8%: the rest was the training
   thread slowed by sharing its cores with the server, not the client's work. Pinned, the next two gave 3.0% and
   2.2%.

Prints one JSON object. Env: RUNBOARD_API, BENCH_TRIALS (5), BENCH_PY_STEPS (25000), BENCH_LOOP_STEPS (1500),
BENCH_LOOP_PAIRS (2 x BENCH_TRIALS), RUNBOARD_FLUSH_SECONDS (the client's, default 0.2), BENCH_PY_CPU (the core
to pin to; empty: not pinned).
"""

import json
import math
import os
import statistics
import tempfile
import time

# Before torch loads OpenBLAS: its thread pool is sized when the library loads (see the docstring).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The training process on a core of its own, as a training job owns its cores (see the docstring); set before any
# thread starts, so the sender thread shares that core and its cost shows in the loop's wall time.
PINNED = os.environ.get("BENCH_PY_CPU", "")
if PINNED:
    os.sched_setaffinity(0, {int(PINNED)})

import runboard  # noqa: E402

TRIALS = int(os.environ.get("BENCH_TRIALS", "5"))
STEPS = int(os.environ.get("BENCH_PY_STEPS", "25000"))
LOOP_STEPS = int(os.environ.get("BENCH_LOOP_STEPS", "1500"))
LOOP_PAIRS = int(os.environ.get("BENCH_LOOP_PAIRS", str(2 * TRIALS)))
KEYS = ["loss", "acc", "val_loss", "val_acc"]
JOURNALS = tempfile.mkdtemp(prefix="runboard-bench-")


def ingest_trial(trial: int) -> dict:
    run = runboard.init(experiment="bench-python-client", name=f"ingest-{trial}", journal_dir=JOURNALS)
    t0 = time.perf_counter()
    for step in range(STEPS):
        run.log({k: 1 / (step + i + 1) for i, k in enumerate(KEYS)}, step=step)
    logged = time.perf_counter()
    assert run.finish(), "finish() did not deliver everything"
    done = time.perf_counter()
    points = STEPS * len(KEYS)
    return {"points_per_s": points / (done - t0), "log_us_per_call": (logged - t0) / STEPS * 1e6}


def make_loop():
    try:
        import torch  # noqa: PLC0415

        torch.set_num_threads(1)
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        x, y = torch.rand(64, 784), torch.randint(0, 10, (64,))
        loss_fn = torch.nn.CrossEntropyLoss()

        def step() -> tuple:
            opt.zero_grad()
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            opt.step()
            return loss.item(), (out.argmax(1) == y).float().mean().item()

        return "torch MLP 784-128-10, batch 64, 1 thread", step
    except ImportError:

        def step() -> tuple:
            s = 0.0
            for i in range(20000):
                s += math.sin(i)
            return s, s / 2

        return "pure-Python loop (torch not importable)", step


def thread_cpu(native_id: int) -> float:
    """CPU seconds a thread of this process has run (Linux schedstat: nanoseconds on the CPU)."""
    try:
        with open(f"/proc/self/task/{native_id}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except OSError:
        return 0.0


def loop_trial(step, with_client: bool, trial: int) -> dict:
    """Wall time of the loop; CPU time of the training thread and of the sender thread over it; and the time
    the training thread spent inside run.log()."""
    run = runboard.init(experiment="bench-python-overhead", name=f"loop-{trial}", journal_dir=JOURNALS) if with_client else None
    sender = run._sender.native_id if run is not None else None
    in_log = 0.0
    s0 = thread_cpu(sender) if sender else 0.0
    t0, c0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
    for i in range(LOOP_STEPS):
        loss, acc = step()
        if run is not None:
            t = time.perf_counter()
            run.log({"loss": loss, "acc": acc}, step=i)
            in_log += time.perf_counter() - t
    wall, cpu, proc = time.perf_counter() - t0, time.thread_time() - c0, time.process_time() - p0
    sender_cpu = thread_cpu(sender) - s0 if sender else 0.0
    finish = 0.0
    if run is not None:
        f0 = time.perf_counter()
        assert run.finish(), "finish() did not deliver everything"
        finish = time.perf_counter() - f0
    return {"wall": wall, "cpu": cpu, "proc_cpu": proc, "sender_cpu": sender_cpu, "in_log": in_log, "finish": finish}


def main() -> None:
    ingest = [ingest_trial(t) for t in range(TRIALS)]
    kind, step = make_loop()
    for _ in range(50):
        step()  # warm-up
    without, with_client = [], []
    for t in range(LOOP_PAIRS):
        # alternate which side goes first, so neither always gets the warmer (or the quieter) slot
        if t % 2 == 0:
            without.append(loop_trial(step, False, t))
            with_client.append(loop_trial(step, True, t))
        else:
            with_client.append(loop_trial(step, True, t))
            without.append(loop_trial(step, False, t))
    med = lambda trials, k: statistics.median(t[k] for t in trials)  # noqa: E731
    base, logged = med(without, "wall"), med(with_client, "wall")
    pair_ratios = [w["wall"] / b["wall"] for w, b in zip(with_client, without)]
    cpu_ratios = [(w["cpu"] + w["sender_cpu"]) / b["cpu"] for w, b in zip(with_client, without)]
    proc_ratios = [w["proc_cpu"] / b["proc_cpu"] for w, b in zip(with_client, without)]
    per_step_us = lambda trials, k: med(trials, k) / LOOP_STEPS * 1e6  # noqa: E731
    print(
        json.dumps(
            {
                "ingest": {
                    "trials": TRIALS,
                    "steps": STEPS,
                    "keys": len(KEYS),
                    "points_per_s": statistics.median(t["points_per_s"] for t in ingest),
                    "trial_points_per_s": [round(t["points_per_s"]) for t in ingest],
                    "log_us_per_call": statistics.median(t["log_us_per_call"] for t in ingest),
                },
                "overhead": {
                    "loop": kind,
                    "steps": LOOP_STEPS,
                    "pairs": LOOP_PAIRS,
                    "flush_s": float(os.environ.get("RUNBOARD_FLUSH_SECONDS", "0.2")),
                    "pinned_cpu": int(PINNED) if PINNED else None,
                    "logged_per_step": 2,
                    "without_s": base,
                    "with_s": logged,
                    "trials_without_s": [round(t["wall"], 3) for t in without],
                    "trials_with_s": [round(t["wall"], 3) for t in with_client],
                    # what the brief's target is about: the loop's wall time, with vs without the client; the
                    # median of the per-pair ratios (each pair ran back to back under the same load) ...
                    "overhead_pct": (statistics.median(pair_ratios) - 1) * 100,
                    "pair_ratios": [round(r, 4) for r in pair_ratios],
                    # ... and the ratio of the medians
                    "median_ratio_pct": (logged / base - 1) * 100,
                    # CPU (training + sender thread) with the client over the training thread's without: what
                    # the client costs whatever the neighbours do, per pair, median
                    "cpu_overhead_pct": (statistics.median(cpu_ratios) - 1) * 100,
                    # views that hold on a busy machine: the training thread's time inside run.log() (% of the
                    # loop's wall time), the sender thread's CPU (% of the training thread's CPU without the
                    # client), and the training thread's own CPU with vs without the client
                    "in_log_pct": med(with_client, "in_log") / logged * 100,
                    "sender_cpu_pct": med(with_client, "sender_cpu") / med(without, "cpu") * 100,
                    "train_thread_cpu_pct": (med(with_client, "cpu") / med(without, "cpu") - 1) * 100,
                    # the whole Python process's CPU time (all threads) per step, and the median of the
                    # per-pair ratios: what the client costs in CPU, whatever the neighbours do to wall time
                    "proc_cpu_us_per_step_without": per_step_us(without, "proc_cpu"),
                    "proc_cpu_us_per_step_with": per_step_us(with_client, "proc_cpu"),
                    "proc_cpu_overhead_pct": (statistics.median(proc_ratios) - 1) * 100,
                    "wall_us_per_step_without": per_step_us(without, "wall"),
                    "wall_us_per_step_with": per_step_us(with_client, "wall"),
                    "log_us_per_step": per_step_us(with_client, "in_log"),
                    # finish(): the last flush, after the loop (not in the loop's time)
                    "finish_s": med(with_client, "finish"),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
