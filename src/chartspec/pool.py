"""The worker processes that build specs and draw charts, one per core the build may use.

Workers never see Ctrl-C: the build that started them handles it and ends them, so an
interrupted build prints one line instead of a traceback per worker. Workers also end when the
build is killed outright.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_shared: list[tuple[int, list[ProcessPoolExecutor]]] = []  # (jobs, the pool once started)
_real_exit = os._exit  # chart code cannot replace how a worker ends


def usable_cores() -> int:
    """Return the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_count(jobs: int | None) -> int:
    """Return how many processes to use: `jobs` (None: all), at most one per usable core."""
    cores = usable_cores()
    return cores if jobs is None or jobs < 1 else min(jobs, cores)


def map_in_pool(func: Callable[[Any], Any], items: Iterable[Any], *, jobs: int) -> Iterator[Any]:
    """Yield func(item) for each item, in order, computed in up to `jobs` fresh processes.

    Processes are spawned, not forked: a fork of a process that already ran vl-convert or
    VegaFusion (both keep worker threads) can hang. One item is handed over at a time: each
    takes a tenth of a second or more, far above the cost of handing it over, and bigger
    chunks leave a process idle at the end. Inside `shared_workers`, its pool is used.
    """
    if _shared and _shared[-1][0] == jobs:
        started = _shared[-1][1]
        if not started:
            started.append(_new_pool(jobs))
        yield from _map(started[0], func, items)
        return
    pool = _new_pool(jobs)
    try:
        yield from _map(pool, func, items)
    finally:
        _close(pool)


@contextmanager
def shared_workers(jobs: int) -> Iterator[None]:
    """Let every `map_in_pool` in the block with this many `jobs` use one pool of processes.

    The pool starts only when a stage first needs it, and each process when it is first given
    work. Inside a block of the same `jobs`, that block's pool is used.
    """
    if _shared and _shared[-1][0] == jobs:
        yield
        return
    entry: tuple[int, list[ProcessPoolExecutor]] = (jobs, [])
    _shared.append(entry)
    try:
        yield
    finally:
        _shared[:] = [other for other in _shared if other is not entry]
        for pool in entry[1]:
            _close(pool)


def _map(
    pool: ProcessPoolExecutor, func: Callable[[Any], Any], items: Iterable[Any]
) -> Iterator[Any]:
    # Processes start while the tasks are handed over; they inherit a blocked SIGINT, so a
    # Ctrl-C meanwhile reaches only this process, once it is unblocked.
    with _sigint_blocked():
        futures = [pool.submit(func, item) for item in items]
    try:
        for future in futures:
            yield future.result()
    finally:
        for future in futures:
            future.cancel()


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    # Imported here: a build with nothing to do starts no process.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker)


def _close(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now: nothing waits for a chart that may never finish.

    The pool's manager thread is waited for too: left running, it can close its wake-up pipe
    while Python's exit writes to it, which prints a traceback after the build's last line.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
    if manager is not None:
        manager.join(timeout=5)


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: workers ignore it once started
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker() -> None:
    """Ignore Ctrl-C and watch the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # ignored from now on
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    """End this worker as soon as the process that started it is gone.

    A worker waits on a queue it also holds the writing end of, so it would never see a killed
    build (SIGKILL, out of memory, a closed terminal) and would stay behind for good.
    """
    import multiprocessing.connection

    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        _real_exit(1)
