"""Work off the event loop: the one way routes run anything that is not I/O.

The event loop answers every request of an app process (``/healthz`` included), so an
``async def`` route awaits I/O only (STYLE 13). Everything else goes through here:

- :func:`off_loop` runs a function in a thread (parsing, rendering, database writes);
- :func:`admitted` does the same holding a place of a :class:`~app.web.admission.Gate`,
  so the work is admitted, limited per caller and queued fairly first; the grading
  gate's work mostly waits on a grading worker process (grading, derivations), the
  parse gate's work is CPU in a thread (previews).

Routes reach the gates through the tutor (``Tutor.grading_job``, ``Tutor.parsing_job``).
One grading needs no thread at all: ``Tutor.grade_checked`` holds a place of the grading
gate and awaits the worker's pipe on the loop, which is I/O (``app.grading.pipe_exchange``).
A ``def`` route is run in a thread by FastAPI already; these helpers are for ``async def``
routes that must await something first (the form, the CSRF check) or hold a gate.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread

from app.web.admission import Caller, Gate

P = ParamSpec("P")
T = TypeVar("T")

SWITCH_INTERVAL = 0.001
"""Seconds a thread may hold the GIL while another waits for it (Python's default: 5 ms).

Work moved to threads still needs the GIL, and the loop needs it after every wait for I/O;
with a few threads parsing, each of the loop's turns could wait several 5 ms intervals
(measured here: the loop late by 85 to 190 ms with three hostile requests at once; with
1 ms, within the 50 ms the test allows). Switching more often costs little next to that."""


def keep_loop_responsive() -> None:
    """Shorten the GIL switch interval of this process (called when the app starts)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


async def off_loop(func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``func(*args, **kwargs)`` in a worker thread; the loop serves others meanwhile."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


async def admitted(
    gate: Gate, caller: Caller, func: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """``func(*args, **kwargs)`` in a thread once ``gate`` admits ``caller``; raises
    :class:`~app.web.admission.Refused` (429/503 with Retry-After) at once when it does not.
    The place is held until the function returns, even if the client goes away."""
    async with gate.admit(caller):
        return await off_loop(func, *args, **kwargs)
