"""Model commands say only reportgen's own lines: no library progress bars ("Loading weights"),
FutureWarnings, deprecation notices or log dicts, on stderr or stdout.

One subprocess runs the commands that load torch, transformers, TRL, peft or spaCy one after
the other on the tiny model, with real file descriptors (what a user's terminal or log gets;
Click's runner would miss what libraries write to the process's own stderr). Import-time
noise shows on the first command, load-time noise on each.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import REPO, SAMPLES

# What libraries print when they are not kept quiet; reportgen's own warnings read "Warning: ...".
NOISE = re.compile(
    r"[A-Za-z]+Warning\b|deprecat|Loading (weights|checkpoint)|Writing model shards|it/s|s/it|\d+%\||\r|\{'(loss|eval_loss|train_runtime)'",
    re.IGNORECASE,
)
RUN_ALL = """
import json, sys
from reportgen.cli import cli
for argv in json.loads(sys.argv[1]):
    print("=== " + argv[0], file=sys.stderr, flush=True)
    try:
        cli.main(argv, prog_name="reportgen", standalone_mode=False)
    except SystemExit as e:
        if e.code:
            raise
"""


def test_model_commands_print_no_library_noise(tiny_model, pairs_file, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_GENERATE_MAX_NEW_TOKENS", "8")
    note, run, archive = SAMPLES / "finger-pain.txt", tmp_path / "run", tmp_path / "archive"
    commands = [
        ["train", "--data", str(pairs_file), "--base-model", str(tiny_model), "-o", str(run), "--recipe", "tiny-cpu",
         "--max-steps", "2", "--set", "logging_steps=1"],
        ["export", str(run), "-o", str(tmp_path / "merged"), "--merge"],
        ["model", "import", str(tiny_model), "-o", str(tmp_path / "imported")],
        ["examples", "index", "--data", str(pairs_file), "-o", str(archive)],
        ["generate", str(note), "--model", str(run)],
        ["evaluate", "--data", str(pairs_file), "--limit", "1", "--compare", "--base-model", str(tmp_path / "imported"),
         "--model", str(run), "--examples", str(archive), "-o", str(tmp_path / "evaluation")],
        ["deid", str(note)],
    ]

    done = subprocess.run([sys.executable, "-c", RUN_ALL, json.dumps(commands)], cwd=REPO, capture_output=True,
                          text=True, timeout=600)

    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if line.startswith("=== ")] == [f"=== {c[0]}" for c in commands]
    assert "step 2/2: loss " in done.stderr  # off a terminal, training progress is plain lines
    noisy = [line for line in (done.stdout + done.stderr).splitlines() if NOISE.search(line)]
    assert not noisy, noisy
    assert (tmp_path / "evaluation" / "adaptation.md").is_file() and (tmp_path / "merged" / "model.safetensors").is_file()
