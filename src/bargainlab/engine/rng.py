"""Counter-based random numbers that do not depend on batch size or position.

Each replicate owns a 128-bit key derived from its own :class:`numpy.random.SeedSequence`
(spawned in the parent, one per sweep cell and replicate). A uniform draw is a pure
function of ``(key, round, step, stream)``, so

* a replicate sees the same numbers whatever batch it is in and wherever it sits in it;
* arms that share a replicate's seed share every shock (common random numbers);
* no generator state is carried around, and nothing global is touched.

The mixing function is the SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable
pseudorandom number generators", OOPSLA), applied twice over the key and the counter: the
same construction that NumPy's ``SeedSequence`` and many counter-based generators use to
decorrelate nearby inputs. It is not cryptographic and need not be.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


class StreamRNG:
    """Per-replicate counter-based uniforms in [0, 1).

    Parameters
    ----------
    keys:
        ``uint64`` array of shape ``(n, 2)``, one key per replicate. Build it with
        :meth:`from_seeds` or :meth:`from_seed`.
    """

    __slots__ = ("_k0", "_k1")

    def __init__(self, keys: np.ndarray) -> None:
        """Keep each replicate's two key words (copies)."""
        keys = np.asarray(keys)
        if keys.ndim != 2 or keys.shape[1] != 2 or keys.dtype != np.uint64:
            raise ValueError("keys must be a uint64 array of shape (n, 2)")
        self._k0 = keys[:, 0].copy()
        self._k1 = keys[:, 1].copy()

    @classmethod
    def from_seeds(cls, seeds: Sequence[np.random.SeedSequence]) -> StreamRNG:
        """One key per replicate, each from that replicate's own SeedSequence."""
        keys = np.array([s.generate_state(2, dtype=np.uint64) for s in seeds], dtype=np.uint64)
        return cls(keys.reshape(len(seeds), 2))

    @classmethod
    def from_seed(cls, seed: int | np.random.SeedSequence, n: int) -> StreamRNG:
        """Spawn ``n`` replicate keys from one root seed (replicate i gets child i)."""
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        return cls.from_seeds(root.spawn(n))

    @property
    def n(self) -> int:
        """The number of replicates."""
        return self._k0.shape[0]

    def take(self, index: np.ndarray) -> StreamRNG:
        """The keys of a subset of replicates (their draws are unchanged)."""
        return StreamRNG(np.stack([self._k0[index], self._k1[index]], axis=1))

    def uniform(self, round_index: int, step: int, stream: int) -> np.ndarray:
        """Uniforms in [0, 1) of shape ``(n,)`` for one (round, step, stream) counter."""
        counter = np.array(
            [((round_index & 0xFFFFF) << 40) | ((step & 0xFFFFF) << 20) | (stream & 0xFFFFF)],
            dtype=np.uint64,
        )
        with np.errstate(over="ignore"):
            offset = counter * _GOLDEN + _GOLDEN  # wrapping uint64 arithmetic is intended
        z = _mix(self._k0 ^ offset)
        z = _mix(z ^ self._k1)
        return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

    def normal(self, round_index: int, step: int, stream: int) -> np.ndarray:
        """Standard normals (Box-Muller on two counter streams of their own).

        Normal stream ``k`` reads the uniform streams ``NORMAL_BASE + 2k`` and
        ``NORMAL_BASE + 2k + 1``, which no uniform stream in :data:`STREAMS` uses.
        """
        if not 0 <= stream < (0xFFFFF - NORMAL_BASE) // 2:
            raise ValueError(
                f"normal stream must lie in [0, {(0xFFFFF - NORMAL_BASE) // 2}), got {stream}"
            )
        u1 = self.uniform(round_index, step, NORMAL_BASE + 2 * stream)
        u2 = self.uniform(round_index, step, NORMAL_BASE + 2 * stream + 1)
        return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


# Named streams, so two mechanisms never share draws by accident. Uniform streams stay below
# NORMAL_BASE; normal streams are mapped above it (see StreamRNG.normal).
NORMAL_BASE = 1 << 19
STREAM_BREAKDOWN = 1
STREAM_ACCEPT_NOISE = 2
STREAM_TYPES = 3
STREAM_CONDITION = 4
STREAM_EXIT = 5
STREAM_FIRST_MOVER = 6
STREAM_PIT = 7  # analysis only: randomises the PIT within a grid atom; no agent sees it
STREAM_STRATEGY = 100  # strategies use STREAM_STRATEGY + side * 50 + k
STREAMS = {
    "breakdown": STREAM_BREAKDOWN,
    "accept_noise": STREAM_ACCEPT_NOISE,
    "types": STREAM_TYPES,
    "condition": STREAM_CONDITION,
    "exit": STREAM_EXIT,
    "first_mover": STREAM_FIRST_MOVER,
    "pit": STREAM_PIT,
    "strategy": STREAM_STRATEGY,
}
