"""tools/bench.py and tools/server_cpu.py: the benchmark runs and reports its figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from server_cpu import postmaster_pid, server_cpu_seconds  # noqa: E402


def test_the_server_cpu_is_read_for_a_local_server_and_grows_with_work(dsn):
    postmaster = postmaster_pid(dsn)
    assert postmaster is not None
    before = server_cpu_seconds(postmaster)
    with psycopg.connect(dsn) as conn:
        conn.execute("SELECT count(*) FROM generate_series(1, 2000000)")
        during = server_cpu_seconds(postmaster)  # the backend is alive: counted as a child
    assert during - before > 0.05


def test_a_remote_server_has_no_cpu_figure_and_is_not_contacted():
    assert postmaster_pid("host=db.example.invalid dbname=nothing connect_timeout=1") is None


def test_bench_w1_reports_rates_ratios_and_cpu_costs(dsn):
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bench.py"), "--dsn", dsn, "--only", "w1",
         "--workflows", "40", "--seconds", "1", "--clients", "2", "--rounds", "2"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"SKIP LOCKED queue step\s+\d+ messages/s \(CPU per message: server "
                     r"[\d.]+ ms, pgbench [\d.]+ ms\)", out), out
    rounds = re.findall(r"W1 round (\d)/2: ceiling (\d+) before, (\d+) after, W1 \d+ steps/s "
                        r"= (\d+)%; CPU per step [\d.]+ ms, per message [\d.]+ ms", out)
    # each between two ceilings of its own: the one after a round is the next one's before
    assert [number for number, *_ in rounds] == ["1", "2"], out
    assert rounds[0][2] == rounds[1][1], out
    median = re.search(r"W1\s+40 workflows x 3 steps, 16 callbacks: \d+ workflows/s, \d+ steps/s "
                       r"= (\d+)% of the queue-step ceiling \(\d+ messages/s\) \(the median of 2 "
                       r"rounds: (\d+)%, (\d+)%\)", out)
    assert median, out
    ratios = [int(ratio) for *_, ratio in rounds]
    assert [int(median.group(2)), int(median.group(3))] == ratios
    assert int(median.group(1)) == sorted(ratios)[1]
    assert re.search(r"p50 [\d.]+ ms, p99 [\d.]+ ms", out), out
    cost = re.search(r"CPU per step: server ([\d.]+) ms \+ worker ([\d.]+) ms \+ publishing "
                     r"client ([\d.]+) ms = ([\d.]+) ms, ([\d.]+)x a queue-step message's", out)
    assert cost, out
    server, worker, client, total, times = map(float, cost.groups())
    assert server > 0 and abs(server + worker + client - total) < 0.02 and times > 0


def test_a_round_is_measured_against_the_mean_of_the_ceilings_around_it():
    from bench import bracket
    assert bracket({"tps": 6000.0, "server_cpu_ms": 0.2, "client_cpu_ms": 0.03},
                   {"tps": 5000.0, "server_cpu_ms": 0.3, "client_cpu_ms": 0.05}) == \
        pytest.approx({"tps": 5500.0, "server_cpu_ms": 0.25, "client_cpu_ms": 0.04})
    # a remote server has no CPU figure: the mean has none either
    assert bracket({"tps": 10.0, "server_cpu_ms": None}, {"tps": 20.0, "server_cpu_ms": None}) \
        == {"tps": 15.0, "server_cpu_ms": None}
