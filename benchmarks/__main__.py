"""``python -m benchmarks``: run every benchmark group of the project and print one table each.

    python -m benchmarks                    # all groups
    python -m benchmarks --only conv,pool   # some groups
    python -m benchmarks --quick            # fewer repeats (BENCH_QUICK=1 for the modules)
    python -m benchmarks --json out.json    # env + all results, to compare commits

A group is a module ``benchmarks/<name>.py`` exposing ``run() -> list[dict]`` (it prints its
own table). Missing groups are reported, not fatal; a group that raises is reported and the
others still run (exit status 1 then).
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback

GROUPS = ("compile", "overhead", "conv", "pool", "train")


def _discover():
    here = os.path.dirname(os.path.abspath(__file__))
    extra = sorted(f[:-3] for f in os.listdir(here)
                   if f.endswith(".py") and not f.startswith("_") and f != "harness.py"
                   and f[:-3] not in GROUPS)
    return list(GROUPS) + extra


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="comma-separated group names (default: all)")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (sets BENCH_QUICK=1)")
    ap.add_argument("--json", metavar="PATH", help="write env and all results as JSON")
    ap.add_argument("--list", action="store_true", help="list the groups and exit")
    args = ap.parse_args(argv)
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    import autograd  # noqa: F401  (sets OPENBLAS_THREAD_TIMEOUT before numpy loads BLAS)
    from benchmarks.harness import env_info, dump_json

    groups = _discover()
    if args.list:
        print("\n".join(groups))
        return 0
    if args.only:
        want = [g.strip() for g in args.only.split(",") if g.strip()]
        unknown = [g for g in want if g not in groups]
        if unknown:
            print(f"unknown group(s): {', '.join(unknown)}; available: {', '.join(groups)}",
                  file=sys.stderr)
            return 2
        groups = want

    env = env_info()
    print("## environment")
    for k, v in env.items():
        print(f"  {k}: {v}")
    results, status, failed = {}, {}, False
    for name in groups:
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as e:
            if e.name in (f"benchmarks.{name}",):
                status[name] = "missing"
                print(f"\n## {name}: missing (benchmarks/{name}.py not written yet)")
                continue
            status[name] = f"import error: {e}"
            print(f"\n## {name}: import error: {e}", file=sys.stderr)
            failed = True
            continue
        if not hasattr(mod, "run"):
            status[name] = "no run()"
            print(f"\n## {name}: benchmarks/{name}.py has no run() function")
            continue
        t0 = time.perf_counter()
        try:
            rows = mod.run()
            results[name] = rows if rows is not None else []
            status[name] = f"ok ({time.perf_counter() - t0:.1f} s)"
        except Exception:
            failed = True
            status[name] = "failed"
            print(f"\n## {name}: FAILED\n{traceback.format_exc()}", file=sys.stderr)
    print("\n## summary")
    for k, v in status.items():
        print(f"  {k}: {v}")
    if args.json:
        dump_json(args.json, {"env": env, "status": status, "results": results,
                              "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                              "quick": bool(args.quick), "argv": sys.argv[1:]})
        print(f"results written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
