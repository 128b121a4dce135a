"""``explainer inject --json`` on the real runtime, read as a runtime engineer reads it.

Truth: the SIGSEGV addresses are offsetof(m, incgo), measured off each release's compiled
``runtime.(*unwinder).next`` (tests/data/realgo/incgo_by_release.json: ``MOVBU 280(R5)`` on go1.23.4,
``MOVBU 272(R5)`` on go1.25.0, at traceback.go:458); the frame the unwinder computed for the
interrupted function is its whole frame (fp - sp = pcsp's spdelta at the second ADD: the real
reference log fast_leaf-go1.23.4.log line 45 has fp - sp = 0x10010 for the same 65,552-byte leaf);
every field is named in the README's paragraph on ``inject`` (tests/test_cli_json.py reads it).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.test_cli_json import keys, readme_section

pytestmark = [pytest.mark.inject, pytest.mark.usefixtures("real_tools")]


def _inject(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = subprocess.run([sys.executable, "-m", "explainer.cli", "inject", *args, "--json"],
                          capture_output=True, text=True, timeout=600)
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize(("go", "addr"), [("1.23.4", 0x118), ("1.25.0", 0x110)])
def test_the_nil_m_fault_field_by_field(go: str, addr: int) -> None:
    status, out = _inject("--go", go, "--shape", "cloudflare")
    assert status == 1 and out["real"]["outcome"] == "crash" and out["agree"]
    crash = out["real"]["crash"]
    assert (crash["signal"], crash["signal_addr"], crash["signal_function"]) == (
        "SIGSEGV", addr, "runtime.(*unwinder).next")
    i = crash["interrupted"]
    assert (i["function"], i["pc"]) == ("main.big_stack", out["pc"])
    assert out["pc"] == out["entry"] + out["offset"]
    assert i["fp"] - i["sp"] == out["frame_size"] == 65552 and out["leaf"]
    assert i["sp"] == out["real"]["hit"]["sp"]  # where gdb stopped it is where the unwinder read


def test_go1_27_names_the_word_it_read_and_every_field_is_in_the_readme() -> None:
    status, out = _inject("--go", "1.27.3", "--shape", "cloudflare")
    assert status == 1
    crash = out["real"]["crash"]
    assert crash["fatal"] == "unknown caller pc" and crash["signal"] is None
    assert crash["unexpected_return"]["pc_hex"] == "0xe8e8e8e8e8e8e8e8"  # the buffer's bytes
    assert crash["unexpected_return"]["function"] == "main.big_stack"
    missing = {k for k in keys(out) if f'"{k}"' not in readme_section("inject")}
    assert not missing, missing
