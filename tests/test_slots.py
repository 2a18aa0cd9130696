"""The server-wide training limiter: FIFO queue with positions, and no leaked slots, ever."""

import os
import threading

import psutil
import pytest
from support import until

from cnnviz.playground import slots
from cnnviz.playground.slots import SlotLimiter, WaitCancelled


class Holder:
    """Runs ``limiter.acquire`` in a thread and holds the slot until told to let go."""

    def __init__(self, limiter, name, **acquire_kwargs):
        self.positions = []
        self.got_slot = threading.Event()
        self.let_go = threading.Event()
        self.outcome = None
        self.fail_with = None
        self.thread = threading.Thread(target=self._run, args=(limiter, name, acquire_kwargs), daemon=True)

    def _run(self, limiter, name, acquire_kwargs):
        try:
            with limiter.acquire(name, on_position=self.positions.append, poll_s=0.02, **acquire_kwargs):
                self.got_slot.set()
                self.let_go.wait(5)
                if self.fail_with is not None:
                    raise self.fail_with
            self.outcome = "released"
        except WaitCancelled:
            self.outcome = "cancelled"
        except RuntimeError as error:
            self.outcome = f"raised {error}"

    def start(self):
        self.thread.start()
        return self


def test_two_runs_at_once_one_trains_one_is_queued_with_its_position():
    limiter = SlotLimiter(capacity=1)
    first = Holder(limiter, "first").start()
    assert first.got_slot.wait(2)
    second = Holder(limiter, "second").start()
    assert until(lambda: second.positions == [1])
    assert not second.got_slot.is_set()
    assert limiter.counts() == (1, 1)
    third = Holder(limiter, "third").start()
    assert until(lambda: third.positions == [2])
    first.let_go.set()
    assert second.got_slot.wait(2), "the first in the queue gets the freed slot"
    assert until(lambda: third.positions[-1] == 1), "the rest of the queue moves up"
    assert not third.got_slot.is_set()
    second.let_go.set()
    assert third.got_slot.wait(2)
    third.let_go.set()
    for holder in (first, second, third):
        holder.thread.join(2)
        assert holder.outcome == "released"
    assert second.positions[-1] == 0 and 0 in third.positions
    assert limiter.counts() == (0, 0)


def test_capacity_two_lets_two_train_together():
    limiter = SlotLimiter(capacity=2)
    holders = [Holder(limiter, f"run {n}").start() for n in range(3)]
    assert until(lambda: sum(holder.got_slot.is_set() for holder in holders) == 2)
    assert limiter.counts() == (2, 1)
    for holder in holders:
        holder.let_go.set()
    assert all(holder.got_slot.wait(2) for holder in holders)
    assert until(lambda: limiter.counts() == (0, 0))


def test_stop_while_queued_leaves_the_queue_and_stop_while_training_releases_the_slot():
    limiter = SlotLimiter(capacity=1)
    first = Holder(limiter, "first").start()
    assert first.got_slot.wait(2)
    stop = threading.Event()
    queued = Holder(limiter, "queued", stop_event=stop).start()
    assert until(lambda: limiter.counts() == (1, 1))
    stop.set()
    queued.thread.join(2)
    assert queued.outcome == "cancelled" and not queued.got_slot.is_set()
    assert limiter.counts() == (1, 0)
    first.let_go.set()  # a stopped run ends its with-block: the slot comes back
    first.thread.join(2)
    assert limiter.counts() == (0, 0)
    with limiter.acquire("next", poll_s=0.02):
        assert limiter.counts() == (1, 0)


def test_an_exception_while_training_releases_the_slot():
    limiter = SlotLimiter(capacity=1)
    failing = Holder(limiter, "failing")
    failing.fail_with = RuntimeError("out of memory")
    failing.start()
    assert failing.got_slot.wait(2)
    waiting = Holder(limiter, "waiting").start()
    assert until(lambda: limiter.counts() == (1, 1))
    failing.let_go.set()
    assert waiting.got_slot.wait(2)
    failing.thread.join(2)
    assert failing.outcome == "raised out of memory"
    waiting.let_go.set()
    waiting.thread.join(2)
    assert limiter.counts() == (0, 0)


def test_an_abandoned_session_leaves_the_queue():
    limiter = SlotLimiter(capacity=1)
    first = Holder(limiter, "first").start()
    assert first.got_slot.wait(2)
    student_here = threading.Event()
    student_here.set()
    leaver = Holder(limiter, "leaver", is_alive=student_here.is_set).start()
    follower = Holder(limiter, "follower").start()
    assert until(lambda: follower.positions == [2])
    student_here.clear()  # the browser tab was closed
    leaver.thread.join(2)
    assert leaver.outcome == "cancelled"
    assert until(lambda: follower.positions[-1] == 1)
    first.let_go.set()
    assert follower.got_slot.wait(2)
    follower.let_go.set()
    follower.thread.join(2)
    assert limiter.counts() == (0, 0)


def worker_niceness() -> list[int]:
    """The niceness of this process's training workers (spawned: ``multiprocessing.spawn`` children)."""
    return [child.nice() for child in psutil.Process().children(recursive=True)
            if "spawn_main" in " ".join(child.cmdline())]


def test_abandoned_live_run_stops_training_and_releases_its_slot():
    """A real (tiny) LiveRun whose session disappears mid-training stops and frees the server."""
    from cnnviz.playground.config import PlaygroundConfig
    from cnnviz.playground.live import WORKER_NICENESS, LiveRun

    limiter = SlotLimiter(capacity=1)
    student_here = threading.Event()
    student_here.set()
    config = PlaygroundConfig(blocks=1, filters=4, dense_units=16, epochs=20, batch_size=16, samples=2000)
    run = LiveRun(config, limiter, is_alive=student_here.is_set, progress_interval_s=0.0).start()
    assert until(lambda: run.snapshot().batch > 0, timeout=60), run.snapshot()
    assert limiter.counts() == (1, 0)
    expected = min(19, os.nice(0) + WORKER_NICENESS)  # 19: the lowest priority there is
    assert worker_niceness() == [expected], "the worker yields the CPU to page loads"
    student_here.clear()
    assert run.join(timeout=30), "the run noticed the student left and stopped"
    state = run.snapshot()
    assert state.status == "stopped" and state.epoch < config.epochs
    assert limiter.counts() == (0, 0)


def test_live_run_stop_button_stops_within_a_batch():
    from cnnviz.playground.config import PlaygroundConfig
    from cnnviz.playground.live import LiveRun

    limiter = SlotLimiter(capacity=1)
    config = PlaygroundConfig(blocks=1, filters=4, dense_units=16, epochs=20, batch_size=16, samples=2000)
    run = LiveRun(config, limiter, progress_interval_s=0.0).start()
    queued = LiveRun(config, limiter).start()
    assert until(lambda: run.snapshot().batch > 0, timeout=60)
    assert until(lambda: queued.snapshot().position == 1)
    assert queued.snapshot().status == "queued"
    queued.stop()
    assert queued.join(5) and queued.snapshot().status == "stopped"
    run.stop()
    assert run.join(30)
    assert run.snapshot().status == "stopped" and run.model is None
    assert limiter.counts() == (0, 0)


@pytest.mark.parametrize(("raw", "expected"), [("", 1), ("3", 3)])
def test_run_count_comes_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv(slots.RUNS_ENV_VAR, raw)
    assert slots.max_training_runs() == expected
    assert SlotLimiter().capacity == expected


@pytest.mark.parametrize("raw", ["zero", "0", "-2"])
def test_a_bad_environment_value_is_explained(monkeypatch, raw):
    monkeypatch.setenv(slots.WORK_ENV_VAR, raw)
    with pytest.raises(ValueError, match=slots.WORK_ENV_VAR):
        slots.max_training_work()


def test_work_cap_lowers_epochs_then_samples():
    from cnnviz.playground.config import PlaygroundConfig, within_work_cap

    fits = PlaygroundConfig(samples=10000, epochs=3)
    assert within_work_cap(fits, 60000) == (fits, None)
    fewer_epochs, note = within_work_cap(PlaygroundConfig(samples=10000, epochs=20), 60000)
    assert (fewer_epochs.samples, fewer_epochs.epochs) == (10000, 6) and "6 epochs" in note
    fewer_samples, note = within_work_cap(PlaygroundConfig(samples=58000, epochs=5), 40000)
    assert (fewer_samples.samples, fewer_samples.epochs) == (30000, 1) and "30,000" in note
