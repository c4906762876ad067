"""`rstream perf`: producers and consumers at a chosen shape and rate, a line per second,
a summary; in one process or spread over several (`--processes`).

The parent process creates the streams, starts the workers (in its own event loop with one
process, else one process each), adds up what they report each second, decides when the run
ends (time, message counts or Ctrl-C), then deletes what it created unless `--keep`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import queue
import signal
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from rstream_core.arguments import StreamArguments, SuperStreamCreationOption
from rstream_core.cli.connection import ConnectionOptions
from rstream_core.cli.offsets import offset_specification
from rstream_core.cli.perf import options, report
from rstream_core.cli.perf.stats import Interval
from rstream_core.cli.perf.worker import Assignment, Worker
from rstream_core.loops import loop_factory, loop_name, run
from rstream_core.producer import Producer

add_arguments = options.add_arguments
DRAIN_SECONDS = 10.0  # after producing stops, how long consumers may take to catch up


class UsageError(Exception):
    """Bad options: exit code 2."""


class WorkerFailed(Exception):
    """A worker process ended with an error (its message says which); `usage`: the error was
    one of the options' (a ValueError there), exit code 2 as in one process."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def main_perf(args: argparse.Namespace, connection: ConnectionOptions) -> int:
    problem = options.check(args)
    if problem is not None:
        raise UsageError(problem)
    offset_specification(args.offset)  # InputError (a usage error) now, not in a worker
    loop_factory(args.uvloop)  # MissingDependencyError now, not in a worker
    if args.plot:
        report.check_plotting()
    return run(Perf(args, connection).main(), uvloop=args.uvloop)


@dataclass
class Perf:
    args: argparse.Namespace
    connection: ConnectionOptions
    created: list[str] = field(default_factory=list)
    result: report.Run = field(default_factory=report.Run)
    rss: dict[int, int] = field(default_factory=dict)  # each worker's latest RSS

    async def main(self) -> int:
        try:  # streams made before an error or Ctrl-C are deleted too
            streams = await self._create_streams()
            duration = await self._run_workers(self._assignments(streams))
        finally:
            if not self.args.keep:
                await self._delete_streams()
        self._finish(duration)
        return 0

    # ------------------------------------------------------------- streams

    def _stream_arguments(self) -> StreamArguments:
        a = self.args
        return StreamArguments(max_length_bytes=a.max_length_bytes, max_age=a.max_age,
                               leader_locator=a.leader_locator,
                               initial_cluster_size=a.initial_member_count)

    async def _create_streams(self) -> list[str]:
        a = self.args
        names = a.streams or [f"rstream-perf-{uuid.uuid4().hex[:8]}-{i}"
                              for i in range(a.stream_count)]
        async with Producer(**self.connection.client_kwargs()) as admin:
            for name in names:
                if a.super_streams:
                    if await admin.stream_exists(f"{name}-0"):
                        continue
                    option = SuperStreamCreationOption(
                        n_partitions=a.super_stream_partitions,
                        arguments=self._stream_arguments())
                    await admin.create_super_stream(name, option)
                elif not await admin.stream_exists(name):
                    await admin.create_stream(name, self._stream_arguments())
                else:
                    continue
                self.created.append(name)
        return names

    async def _delete_streams(self) -> None:
        async with Producer(**self.connection.client_kwargs()) as admin:
            for name in self.created:
                if self.args.super_streams:
                    await admin.delete_super_stream(name, missing_ok=True)
                else:
                    await admin.delete_stream(name, missing_ok=True)

    def _assignments(self, streams: list[str]) -> list[Assignment]:
        """Producer i and consumer i go to stream i modulo the streams, and to worker i
        modulo the processes."""
        a = self.args
        workers = a.processes
        return [
            Assignment(
                producers=tuple((i, streams[i % len(streams)])
                                for i in range(a.producers) if i % workers == w),
                consumers=tuple((i, streams[i % len(streams)])
                                for i in range(a.consumers) if i % workers == w),
            )
            for w in range(workers)
        ]

    # ------------------------------------------------------------- running

    async def _run_workers(self, assignments: list[Assignment]) -> float:
        """Run the workers; returns how long they ran."""
        if len(assignments) == 1:
            workers: Workers = LocalWorkers(self.args, self.connection, assignments[0])
        else:
            workers = ProcessWorkers(self.args, self.connection, assignments)
        interrupted = asyncio.Event()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupted.set)
        started = time.monotonic()
        try:
            # Until every producer and consumer is connected, or Ctrl-C.
            starting = asyncio.create_task(workers.start())
            stopping = asyncio.create_task(interrupted.wait())
            await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
                return 0.0
            starting.result()
            started = time.monotonic()
            await self._until_done(workers, started, interrupted)
        finally:
            await workers.stop_all()
            duration = time.monotonic() - started
            self._report(workers.collect(), duration, final=True)
            with contextlib.suppress(NotImplementedError):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
        return duration

    async def _until_done(self, workers: Workers, started: float,
                          interrupted: asyncio.Event) -> None:
        a = self.args
        producing = a.producers > 0
        stopped_producing_at: float | None = None
        last_consumed = -1
        quiet = 0  # seconds in a row without a consumed message, once producing stopped
        previous = started
        while not interrupted.is_set():
            wait = max(0.0, previous + 1 - time.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(interrupted.wait(), wait)
            now = time.monotonic()
            self._report(workers.collect(), now - started)
            previous = now
            done = workers.producers_done >= a.producers and a.pmessages > 0
            if producing and ((a.time and now - started >= a.time) or done):
                await workers.stop_producing()
                producing = False
                stopped_producing_at = now
                if not done:
                    self.result.producing_seconds = a.time
            if a.consumers == 0 or (a.cmessages and workers.consumers_done >= a.consumers):
                if not producing:
                    return
            elif not producing:
                consumed = self.result.total.consumed
                quiet = quiet + 1 if consumed == last_consumed else 0
                if (a.producers == 0 and a.time and now - started >= a.time) or (
                    stopped_producing_at is not None
                    and (quiet >= 2 or now - stopped_producing_at > DRAIN_SECONDS)
                ):
                    return
                last_consumed = consumed

    def _report(self, intervals: list[Interval], elapsed: float, final: bool = False) -> None:
        counts = Interval()
        for interval in intervals:
            counts.add(interval)
            self.rss[interval.worker] = interval.rss  # a worker may report twice in a second
        counts.rss = sum(self.rss.values())
        last = self.result.seconds[-1].elapsed if self.result.seconds else 0.0
        if final and not (counts.published or counts.confirmed or counts.consumed):
            return  # the workers' last words, once everything had been counted
        second = report.Second(elapsed=elapsed, seconds=elapsed - last, counts=counts)
        self.result.add(second)
        if self.args.json:
            print(report.dumps(second.to_json()), flush=True)
        else:
            print(second.line(), flush=True)

    def _finish(self, duration: float) -> None:
        a = self.args
        settings = {
            "producers": a.producers, "consumers": a.consumers, "processes": a.processes,
            "size": a.size, "batch_size": a.batch_size, "rate": a.rate, "codec": a.codec,
            "sub_entry_size": a.sub_entry_size, "compression": a.compression,
            "super_streams": a.super_streams, "event_loop": loop_name(),
        }
        summary = self.result.summary(duration, settings)
        if a.json:
            print(report.dumps(summary), flush=True)
        else:
            print("\n" + report.summary_text(summary), flush=True)
        if a.summary_file:
            with open(a.summary_file, "w") as file:
                file.write(report.dumps(summary) + "\n")
        if a.plot:
            report.plot(self.result, a.plot)
            if not a.json:
                print(f"  plot: {a.plot}")


# ----------------------------------------------------------------- workers


class Workers:
    """The run's workers, as the parent sees them."""

    producers_done = 0
    consumers_done = 0

    async def start(self) -> None: ...
    async def stop_producing(self) -> None: ...
    async def stop_all(self) -> None: ...

    def collect(self) -> list[Interval]:
        """What the workers reported since the last call."""
        raise NotImplementedError


class LocalWorkers(Workers):
    """One worker, in the parent's own event loop."""

    def __init__(self, args: argparse.Namespace, connection: ConnectionOptions,
                 assignment: Assignment) -> None:
        self._pending: list[Interval] = []
        self._worker = Worker(args, connection, assignment, self._pending.append)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._worker.run(ready.set))
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait([self._task, waiting], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        self._check_failed()

    async def stop_producing(self) -> None:
        self._worker.stop_producing.set()

    async def stop_all(self) -> None:
        self._worker.stop_all.set()
        if self._task is not None:
            await self._task  # a worker's failure ends the run with its error

    def collect(self) -> list[Interval]:
        taken, self._pending[:] = list(self._pending), []
        self._check_failed()
        for interval in taken:
            self.producers_done = interval.producers_done
            self.consumers_done = interval.consumers_done
        return taken

    def _check_failed(self) -> None:
        if self._task is not None and self._task.done() and not self._task.cancelled():
            error = self._task.exception()
            if error is not None:
                raise error


class ProcessWorkers(Workers):
    """One process per assignment (multiprocessing, spawned), reporting through a queue."""

    def __init__(self, args: argparse.Namespace, connection: ConnectionOptions,
                 assignments: list[Assignment]) -> None:
        context = multiprocessing.get_context("spawn")
        self._queue: Any = context.Queue()
        self._stop_producing = context.Event()
        self._stop_all = context.Event()
        self._done: dict[int, tuple[int, int]] = {}
        self._ready: set[int] = set()
        self._backlog: list[Interval] = []  # received while starting or stopping
        self._stopping = False
        self._processes = [
            context.Process(target=_process_main, daemon=True, args=(
                number, args, connection, assignment, self._queue, self._stop_producing,
                self._stop_all))
            for number, assignment in enumerate(assignments)
        ]

    async def start(self) -> None:
        for process in self._processes:
            process.start()
        while len(self._ready) < len(self._processes):
            self._backlog += self._receive()  # a ready worker reports before the others are
            self._check_alive()
            await asyncio.sleep(0.02)

    async def stop_producing(self) -> None:
        self._stop_producing.set()

    async def stop_all(self) -> None:
        self._stopping = True
        self._stop_all.set()
        deadline = time.monotonic() + 30
        while any(p.is_alive() for p in self._processes) and time.monotonic() < deadline:
            self._backlog += self._receive()  # a full pipe would keep a worker from exiting
            await asyncio.sleep(0.05)
        for process in self._processes:
            if process.is_alive():
                process.terminate()

    def collect(self) -> list[Interval]:
        taken, self._backlog = [*self._backlog, *self._receive()], []
        self._check_alive()
        return taken

    def _check_alive(self) -> None:
        """A worker that died without a word (killed, out of memory) ends the run."""
        for number, process in enumerate(self._processes):
            if not process.is_alive() and process.exitcode and not self._stopping:
                self._receive()  # its last words, if any, raise first
                raise WorkerFailed(f"worker process {number} exited with code "
                                   f"{process.exitcode}")

    def _receive(self) -> list[Interval]:
        taken: list[Interval] = []
        while True:
            try:
                number, kind, item = self._queue.get_nowait()
            except queue.Empty:
                break
            if kind == "failed":
                message, usage = item
                raise WorkerFailed(f"worker process {number}: {message}", usage)
            if kind == "ready":
                self._ready.add(number)
            elif kind == "interval":
                taken.append(item)
                self._done[number] = (item.producers_done, item.consumers_done)
        self.producers_done = sum(p for p, _ in self._done.values())
        self.consumers_done = sum(c for _, c in self._done.values())
        return taken


def _process_main(number: int, args: argparse.Namespace, connection: ConnectionOptions,
                  assignment: Assignment, out: Any, stop_producing: Any, stop_all: Any) -> None:
    """A worker process: Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    async def main() -> None:
        worker = Worker(args, connection, assignment,
                        lambda interval: out.put((number, "interval", interval)), number)
        task = asyncio.create_task(worker.run(lambda: out.put((number, "ready", None))))
        while not task.done():
            if stop_producing.is_set():
                worker.stop_producing.set()
            if stop_all.is_set():
                worker.stop_all.set()
            await asyncio.wait([task], timeout=0.05)
        task.result()

    try:
        run(main(), uvloop=args.uvloop)
    except Exception as exc:  # reported to the parent, which ends the run with it
        out.put((number, "failed", (str(exc) or type(exc).__name__, isinstance(exc, ValueError))))
