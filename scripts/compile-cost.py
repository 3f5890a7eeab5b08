#!/usr/bin/env python3
"""Compile cost of `#[derive(Metrics)]` against serde + schemars derives.

Generates, in a scratch workspace, the same 200-field struct three ways, each as a library
crate and as a binary crate (whose `main` serializes one payload):

  metrics  `#[derive(Metrics)]` (metrics-core by path), half the fields with `#[since]`
  serde    `#[derive(Serialize, Deserialize, JsonSchema)]` (serde + schemars from crates.io)
  plain    no derive

builds all dependencies once, then times only each crate's own rebuild after touching its
source file, in two modes, each with its own target directory:

  incremental off  (`CARGO_INCREMENTAL=0`): the crate is compiled from scratch
  incremental on   (the dev profile's default): a developer's edit-build loop, in which
                   rustc reuses what the touched file's previous build computed

Rounds interleave every crate and mode, so that load from other processes hits all alike;
a warm-up round is discarded. Prints, per mode and kind, the medians, the time each derive
adds over `plain`, and the ratio ours / (serde + schemars); exits non-zero when a ratio
exceeds 1.

With `--cold`, also times one build of each library from nothing (dependencies included,
each in a fresh target directory): what a first build costs. With `--compare PATH`, the
same `#[derive(Metrics)]` crates are also built against the `metrics-core` of another
checkout (PATH is its root), in the same rounds, and reported as `before`.

Usage: scripts/compile-cost.py [--runs N] [--fields N] [--dir PATH] [--cold] [--compare PATH]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODES = {"incremental off": "0", "incremental on": "1"}
KINDS = ["lib", "bin"]
DERIVES = ["metrics", "serde", "plain"]


def field_type(i):
    return ["u64", "bool", "Option<u32>", "u32"][i % 4]


def struct(fields, derive, attrs):
    lines = ["/// A payload with many fields.", derive, "pub struct Payload {"]
    for i in range(fields):
        lines.append(f"    /// Field number {i}.")
        lines.extend("    " + a for a in attrs(i))
        lines.append(f"    pub field_{i}: {field_type(i)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


MAINS = {
    "metrics": """
fn main() {
    let payload = Payload::default();
    let version = metrics_core::Version::new(9, 0, 0);
    println!("{}", serde_json::to_string(&payload.at(&version)).unwrap());
}
""",
    "serde": """
fn main() {
    println!("{}", serde_json::to_string(&Payload::default()).unwrap());
}
""",
    "plain": """
fn main() {
    println!("{}", std::mem::size_of_val(&Payload::default()));
}
""",
}


def crates(fields, compare):
    def since(i):
        return [f'#[since("3.{i // 2}")]'] if i % 2 else []

    serde_json = 'serde_json = "1"'
    sources = {
        "metrics": (
            'metrics-core = { path = "%s" }\n%s' % (ROOT / "metrics-core", serde_json),
            "use metrics_core::Metrics;\n\n"
            + struct(fields, "#[derive(Metrics, Default)]", since),
        ),
        "serde": (
            'serde = { version = "1", features = ["derive"] }\n'
            'schemars = { version = "1", default-features = false, features = ["std", "derive"] }\n'
            + serde_json,
            "use schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\n\n"
            + struct(fields, "#[derive(Serialize, Deserialize, JsonSchema, Default)]", lambda i: []),
        ),
        "plain": (
            serde_json,
            struct(fields, "#[derive(Default)]", lambda i: []),
        ),
    }
    if compare is not None:
        deps, source = sources["metrics"]
        sources["before"] = (deps.replace(str(ROOT / "metrics-core"), str(compare / "metrics-core")), source)
    out = {}
    for kind in KINDS:
        for derive, (deps, source) in sources.items():
            if kind == "bin":
                main = MAINS["metrics" if derive == "before" else derive]
                source = source.replace("pub struct Payload", "struct Payload") + main
            out[f"{derive}-{kind}"] = (kind, deps, source)
    return out


def write_workspace(dir, fields, compare):
    """Writes the scratch workspace; the `before` crates, whose metrics-core is another
    package with the same name, go in a workspace of their own (`dir/before`). Returns the
    crates and, per crate, the workspace it is in."""
    if dir.exists():
        shutil.rmtree(dir)
    all_crates = crates(fields, compare)
    workspaces = {}
    for ws, lock_root, names in [
        (dir, ROOT, [n for n in all_crates if not n.startswith("before")]),
        (dir / "before", compare, [n for n in all_crates if n.startswith("before")]),
    ]:
        if not names:
            continue
        ws.mkdir(parents=True)
        members = ", ".join(f'"{name}"' for name in names)
        (ws / "Cargo.toml").write_text(
            f'[workspace]\nresolver = "3"\nmembers = [{members}]\nexclude = ["before"]\n\n'
            '[profile.dev.package."*"]\ndebug = false\n'
        )
        # The repository's lock file pins the same serde/schemars versions the workspace uses.
        shutil.copy(lock_root / "Cargo.lock", ws / "Cargo.lock")
        for name in names:
            kind, deps, source = all_crates[name]
            src = ws / name / "src"
            src.mkdir(parents=True)
            (ws / name / "Cargo.toml").write_text(
                f'[package]\nname = "cost-{name}"\nversion = "0.1.0"\nedition = "2024"\n'
                f"publish = false\n\n[dependencies]\n{deps}\n"
            )
            file = "lib.rs" if kind == "lib" else "main.rs"
            (src / file).write_text("//! Generated by scripts/compile-cost.py.\n\n" + source)
            workspaces[name] = ws
    return all_crates, workspaces


def cargo(dir, incremental, target, *args):
    subprocess.run(
        ["cargo", *args, "--target-dir", str(target)],
        cwd=dir,
        env={**os.environ, "CARGO_INCREMENTAL": incremental},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--fields", type=int, default=200)
    parser.add_argument(
        "--dir", type=Path, default=ROOT / "target" / "compile-cost",
        help="scratch workspace (default: target/compile-cost)",
    )
    parser.add_argument("--cold", action="store_true", help="also time builds from nothing")
    parser.add_argument(
        "--compare", type=Path,
        help="root of another checkout whose metrics-core is also measured, as `before`",
    )
    args = parser.parse_args()

    all_crates, workspaces = write_workspace(args.dir, args.fields, args.compare)
    targets = {
        (ws, mode): ws / f"target-{flag}"
        for ws in set(workspaces.values())
        for mode, flag in MODES.items()
    }
    for (ws, mode), target in targets.items():
        print(f"building dependencies ({mode}) in {target} ...", file=sys.stderr)
        cargo(ws, MODES[mode], target, "build", "--workspace", "--quiet")

    times = {(mode, name): [] for mode in MODES for name in all_crates}
    # Round 0 warms the caches (the first rustc run after the dependency build is slower
    # for all) and is not counted.
    for round in range(args.runs + 1):
        for mode, flag in MODES.items():
            for name, (kind, _, _) in all_crates.items():
                ws = workspaces[name]
                source = ws / name / "src" / ("lib.rs" if kind == "lib" else "main.rs")
                os.utime(source)
                start = time.perf_counter()
                cargo(ws, flag, targets[(ws, mode)], "build", "--quiet", "-p", f"cost-{name}")
                if round > 0:
                    times[(mode, name)].append(time.perf_counter() - start)
        print(f"round {round}/{args.runs} done", file=sys.stderr)

    median = {key: statistics.median(t) for key, t in times.items()}
    print(
        f"{args.fields}-field struct, dev profile, the crate alone rebuilt after touching its "
        f"source, median of {args.runs} rounds\n"
    )
    print("| mode | crate | `#[derive(Metrics)]` | serde + schemars | no derive "
          "| added: ours | added: serde + schemars | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for mode in MODES:
        for kind in KINDS:
            m, s, p = (median[(mode, f"{d}-{kind}")] for d in DERIVES)
            ours, theirs = m - p, s - p
            ratio = ours / theirs
            worst = max(worst, ratio)
            print(f"| {mode} | {kind} | {m:.2f} s | {s:.2f} s | {p:.2f} s "
                  f"| {ours:.2f} s | {theirs:.2f} s | **{ratio:.2f}** |")
    if args.compare is not None:
        print(f"\nthe same against {args.compare / 'metrics-core'} (`before`), same rounds:\n")
        print("| mode | crate | before | added: before | added: serde + schemars | ratio |")
        print("|---|---|---:|---:|---:|---:|")
        for mode in MODES:
            for kind in KINDS:
                b, s, p = (median[(mode, f"{d}-{kind}")] for d in ["before", "serde", "plain"])
                print(f"| {mode} | {kind} | {b:.2f} s | {b - p:.2f} s | {s - p:.2f} s "
                      f"| **{(b - p) / (s - p):.2f}** |")
    print("\nruns (s):")
    for (mode, name), t in times.items():
        print(f"  {mode:16} {name:12} " + " ".join(f"{x:.2f}" for x in t))
    if args.cold:
        print("\ncold builds (dependencies included, fresh target directory, one run each)")
        for name, (kind, _, _) in all_crates.items():
            if kind != "lib":
                continue
            target = args.dir / f"cold-{name}"
            shutil.rmtree(target, ignore_errors=True)
            start = time.perf_counter()
            cargo(workspaces[name], "0", target, "build", "--quiet", "-p", f"cost-{name}")
            print(f"  {name:12} {time.perf_counter() - start:6.1f} s", flush=True)
            shutil.rmtree(target, ignore_errors=True)
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
