"""The example under examples/python runs: a miss, hits, then a 304 revalidation."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_cached_fetch_example() -> None:
    path = ROOT / "examples" / "python" / "cached_fetch.py"
    spec = importlib.util.spec_from_file_location("cached_fetch", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main() == ["miss", "hit", "hit", "revalidated (304)", "hit"]
    assert (module.Origin.bodies_sent, module.Origin.not_modified_sent) == (1, 1)


def test_typing_example_runs() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "python" / "tests" / "typing_example.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
