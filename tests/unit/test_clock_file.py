"""The steerable clock of test and demo stacks (CLOCK_FILE): a moment in a file, running at real
speed from when it was set, read again when the file changes, never backwards, and a missing or
unreadable file stops the service at start."""
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from deploy.stack import ROOT
from runtime.clock import ClockFileError, FileClock, ShiftedClock, SystemClock, clock_from
from runtime.settings import ServiceSettings
from tests.clock import PINNED_NOW, SteeredClock, write_clock_file

MOMENT = datetime.fromisoformat("2026-01-05T12:00:00+01:00")
# A wall-clock read in a test may lag the clock's own by the test's own steps (a slow CI machine).
SLACK = timedelta(seconds=2)


def wall() -> datetime:
    return SystemClock().now()


def test_reads_the_moment_and_runs_on_from_when_it_was_set(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT, set_at=wall() - timedelta(minutes=5))
    clock = FileClock(path)
    first = clock.now()
    assert MOMENT + timedelta(minutes=5) <= first <= MOMENT + timedelta(minutes=5) + SLACK
    assert first.tzinfo == UTC and clock.today() == MOMENT.date()
    time.sleep(0.05)
    assert clock.now() - first >= timedelta(seconds=0.05)  # it runs at real speed


def test_without_a_second_line_the_file_is_set_at_its_modification_time(tmp_path):
    path = tmp_path / "clock"
    path.write_text(MOMENT.isoformat() + "\n")
    set_at = wall() - timedelta(hours=1)
    os.utime(path, (set_at.timestamp(), set_at.timestamp()))
    now = FileClock(path).now()
    assert MOMENT + timedelta(hours=1) <= now <= MOMENT + timedelta(hours=1) + SLACK


def test_writing_the_file_again_jumps_every_reader_at_once(tmp_path):
    path = tmp_path / "clock"
    steered = SteeredClock(path, MOMENT)
    service_a, service_b = FileClock(path), FileClock(path)  # as two processes of a stack
    assert abs(service_a.now() - MOMENT) < SLACK and abs(service_b.now() - MOMENT) < SLACK
    later = MOMENT + timedelta(days=40, hours=3)
    steered.set(later)
    for clock in (steered, service_a, service_b):
        assert later <= clock.now() <= later + SLACK
    steered.set(later + timedelta(days=1))  # jump after jump, each seen
    assert later + timedelta(days=1) <= service_a.now() <= later + timedelta(days=1) + SLACK


def test_never_backwards_it_holds_at_the_latest_moment_until_the_file_passes_it(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    clock = FileClock(path)
    write_clock_file(path, MOMENT + timedelta(days=10))
    latest = clock.now()
    write_clock_file(path, MOMENT)  # ten days back
    assert clock.now() == latest and clock.now() == latest  # holds, does not run on from there
    # The file's time passes the latest moment: the clock runs on from the file again.
    write_clock_file(path, latest - timedelta(seconds=1), set_at=wall() - timedelta(seconds=3))
    now = clock.now()
    assert latest + timedelta(seconds=2) <= now <= latest + timedelta(seconds=2) + SLACK
    # A reader made after the file went back starts at what the file says.
    write_clock_file(path, MOMENT)
    assert abs(FileClock(path).now() - MOMENT) < SLACK


@pytest.mark.parametrize("content", ["", "\n", "tomorrow\n", "2026-01-05T12:00:00\n",
                                     "2026-01-05T12:00:00+01:00\nnot a moment\n"])
def test_an_unreadable_file_at_start_is_a_clear_error(tmp_path, content):
    path = tmp_path / "clock"
    path.write_text(content)
    with pytest.raises(ClockFileError, match=f"CLOCK_FILE {path}"):
        FileClock(path)


def test_a_missing_file_at_start_is_a_clear_error(tmp_path):
    with pytest.raises(ClockFileError, match="No such file"):
        FileClock(tmp_path / "nowhere")


def test_a_file_broken_later_leaves_the_clock_running_on_what_it_read(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    clock = FileClock(path)
    before = clock.now()
    path.write_text("half a mom")
    assert before <= clock.now() <= before + SLACK
    path.unlink()
    assert before <= clock.now() <= before + SLACK
    write_clock_file(path, MOMENT + timedelta(days=2))  # fixed: read again
    assert MOMENT + timedelta(days=2) <= clock.now() <= MOMENT + timedelta(days=2) + SLACK


def test_the_file_is_read_again_only_when_it_changed(tmp_path, monkeypatch):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    clock = FileClock(path)
    reads = []
    read = clock._read
    monkeypatch.setattr(clock, "_read", lambda stat: reads.append(stat) or read(stat))
    for _ in range(50):
        clock.now()
    assert reads == []
    write_clock_file(path, MOMENT + timedelta(days=1))
    clock.now()
    clock.now()
    assert len(reads) == 1


def test_clock_file_wins_over_clock_start(tmp_path):
    path = tmp_path / "clock"
    write_clock_file(path, MOMENT)
    assert isinstance(clock_from(PINNED_NOW, None, str(path)), FileClock)
    assert abs(clock_from(PINNED_NOW, None, str(path)).now() - MOMENT) < SLACK
    assert isinstance(clock_from(PINNED_NOW, None, ""), ShiftedClock)  # empty: not set


def test_every_service_reads_clock_file_plain_or_with_its_prefix(monkeypatch):
    monkeypatch.setenv("CLOCK_FILE", "/run/stack/clock")
    assert ServiceSettings.for_service("triage", 8002).clock_file == "/run/stack/clock"
    monkeypatch.setenv("CAPACITY_CLOCK_FILE", "/run/capacity/clock")
    assert ServiceSettings.for_service("capacity", 8004).clock_file == "/run/capacity/clock"
    assert ServiceSettings.for_service("intake", 8001).clock_file == "/run/stack/clock"
    monkeypatch.delenv("CLOCK_FILE")
    assert ServiceSettings.for_service("intake", 8001).clock_file == ""


def test_a_service_with_an_unreadable_clock_file_stops_at_start_saying_why(tmp_path):
    path = tmp_path / "clock"
    path.write_text("next monday\n")
    env = {**os.environ, "CLOCK_FILE": str(path), "PORT": "1", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    done = subprocess.run([sys.executable, "-m", "services.reporting"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"ClockFileError: CLOCK_FILE {path}" in done.stderr
