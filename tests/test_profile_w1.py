"""tools/profile_w1.py: the instruction count of W1 in one backend (callgrind) still runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_profile_w1_counts_the_instructions_of_a_workflow():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "profile_w1.py"), "--workflows", "2"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = re.search(r"W1 in one backend: ([\d.]+) M instructions per workflow", result.stdout)
    assert figure, result.stdout
    # millions per workflow; with 2 the first calls' PL/pgSQL compilation weighs in (about 30)
    assert 1 < float(figure.group(1)) < 100


def test_profile_w1_in_the_busy_worker_shape():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "profile_w1.py"), "--workflows", "2",
         "--batch", "2"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(2 workflows, answered 2 at a time)" in result.stdout, result.stdout


def test_profile_w1_refuses_workflows_that_do_not_fill_the_batches():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "profile_w1.py"), "--workflows", "3",
         "--batch", "2"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--workflows must be a multiple of --batch" in result.stderr
