"""Central finite differences for checking a derivation's steps.

Used only to verify the engine's own steps at one instance chosen away from kinks
(see :mod:`verify`): central differences at a relative step h ~ eps^(1/3) and at h/2,
combined by Richardson extrapolation, with the difference of the two as the error
estimate (DESIGN §5). All perturbations are evaluated in one batched call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
EPS = float(np.finfo(np.float64).eps)


def central_difference(
    func: Callable[[Mapping[str, Array]], Array], values: Mapping[str, Array], wrt: Sequence[str]
) -> tuple[Array, Array]:
    """``(D, error)``, both (n_out, n_in): d func / d (stacked wrt entries), canonical order."""
    flat = np.concatenate([np.asarray(values[w], dtype=np.float64).ravel() for w in wrt])
    n_in = flat.size
    scale = float(np.mean(np.abs(flat))) or 1.0
    h = EPS ** (1 / 3) * np.maximum(np.abs(flat), 0.1 * scale)
    offsets = np.array([1.0, -1.0, 0.5, -0.5])
    batch = 4 * n_in + 1
    perturbed = np.repeat(flat[None, :], batch, axis=0)
    perturbed[np.arange(4 * n_in), np.tile(np.arange(n_in), 4)] += (
        offsets[:, None] * h[None, :]
    ).ravel()
    batched: dict[str, Array] = {}
    start = 0
    for w in wrt:
        shape = np.shape(values[w])
        size = int(np.prod(shape))
        batched[w] = perturbed[:, start : start + size].reshape(batch, *shape)
        start += size
    for name, value in values.items():
        if name not in batched:
            batched[name] = np.broadcast_to(value, (batch, *np.shape(value)))
    with np.errstate(all="ignore"):
        out = np.asarray(func(batched), dtype=np.float64).reshape(batch, -1)
        fp, fm, fp2, fm2 = (out[i * n_in : (i + 1) * n_in] for i in range(4))
        d1 = (fp - fm) / (2 * h[:, None])
        d2 = (fp2 - fm2) / h[:, None]
        rich = (4 * d2 - d1) / 3
        rounding = 8 * EPS * (np.abs(out[-1])[None, :] + np.abs(fp) + np.abs(fm)) / h[:, None]
        err = np.abs(d2 - d1) / 3 + rounding
    return rich.T.copy(), err.T.copy()
