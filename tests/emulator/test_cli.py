"""``python -m emulator``: argparse options, one start-up line, clean exit on Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys

import pytest
import requests

from emulator import main


def test_help_exits_zero(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "--change-tracking" in capsys.readouterr().out


def test_serves_until_interrupted(tmp_path) -> None:
    manifest = tmp_path / "manifest.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--scale", "0.01", "--seed", "3", "--change-tracking",
         "--max-sessions", "2", "--manifest", str(manifest)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://\S+)/rest \(([\d,]+) rows in 18 tables", line)
        assert match, line
        body = requests.get(f"{match[1]}/rest/__DeletedRecords", timeout=5).json()
        assert body["__COUNT"] == 0 and body["__GlobalStamp"] > 0
        assert json.loads(manifest.read_text())[0]["reason"]
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
