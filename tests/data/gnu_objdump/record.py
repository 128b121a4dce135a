"""Records GNU objdump's disassembly of every distinct word the lab shows: lab_words.txt.

The words are those tests/engine/test_fields.py lists (main.big_stack of every release, three frame
shapes, every buffer), laid end to end at address 0, four bytes apart, and disassembled by GNU
binutils' ``aarch64-linux-gnu-objdump -D -b binary -m aarch64`` (Debian: ``apt-get install
binutils-aarch64-linux-gnu``), a decoder that shares nothing with explainer.engine.arm64.fields,
keystone or capstone. The test (test_fields.py, test_every_word_the_lab_shows_says_what_gnu_objdump_decodes)
reads the file; CI needs no binutils. Run again when the lab shows new words:
    python3 tests/data/gnu_objdump/record.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
GNU_OBJDUMP = "aarch64-linux-gnu-objdump"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from tests.engine.test_fields import lab_words

    words = lab_words()
    with tempfile.TemporaryDirectory() as tmp:
        blob = Path(tmp) / "words.bin"
        blob.write_bytes(b"".join(w.to_bytes(4, "little") for w in words))
        out = subprocess.run([GNU_OBJDUMP, "-D", "-b", "binary", "-m", "aarch64", str(blob)],
                             check=True, capture_output=True, text=True).stdout
        version = subprocess.run([GNU_OBJDUMP, "--version"], check=True, capture_output=True,
                                 text=True).stdout.splitlines()[0]
    lines = [ln for ln in out.splitlines() if ln[:1] == " " and ":\t" in ln]
    assert len(lines) == len(words), (len(lines), len(words))
    text = [f"# {version}: {GNU_OBJDUMP} -D -b binary -m aarch64 of the lab's {len(words)} distinct words,",
            "# at address 0, 4 bytes apart (tests/data/gnu_objdump/record.py). Columns: address, word, text.",
            *lines]
    (HERE / "lab_words.txt").write_text("\n".join(text) + "\n")
    print(f"wrote {HERE / 'lab_words.txt'}: {len(words)} words")


if __name__ == "__main__":
    main()
