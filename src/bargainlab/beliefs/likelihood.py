"""The naive learners' likelihood model: truncation with smooth steps.

A naive learner (Baarslag et al. 2016, "Learning about the opponent in automated bilateral
negotiation", JAAMAS 30; Zeng & Sycara 1998) does not model how its opponent
plays; it reads every round as bounds on the opponent's bottom line ``theta``:

* an offer ``z`` by the opponent means ``theta <= u(z)`` (no one offers below its bottom
  line), so does an offer ``y`` it accepted;
* an offer ``y`` it rejected means ``theta > u(y)`` (optional).

``u`` is the opponent's utility. The steps are smoothed with a logistic of width ``noise`` so
a surprising round never sets a posterior to zero. Offers carrying the condition are read at
their headline terms, or (``expected_terms``) at their expected realised terms: when the
learner is the obliged party it knows its own cost, so it knows whether it would meet the
condition; a conditional concession at ``x`` then reads as ``u(x) + value`` (met) or
``u(fallback)`` (not met), the reading the essay assumes.

The correct Bayesian's likelihood is not here: it plays the opponent's own rule on every
candidate (:mod:`bargainlab.strategies.inference`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..engine.context import OwnerContext
from ..engine.negotiation import ACCEPT
from ..engine.terms import utility
from .observations import RoundObservation


def soft_at_most(value: np.ndarray, theta: np.ndarray, noise: float) -> np.ndarray:
    """Smooth indicator of ``theta <= value`` (a logistic of width ``noise``)."""
    return expit((value - theta) / noise)


def _read(
    obs: RoundObservation,
    x: np.ndarray,
    conditional: np.ndarray,
    context: OwnerContext,
    expected_terms: bool,
) -> np.ndarray:
    """The owner's utility of terms ``x`` (``(n,)``) as the learner reads them."""
    u = context.u(x)
    condition = context.game.condition
    if not expected_terms or condition is None or condition.obliged == context.side:
        return u
    learner = condition.obliged
    curvature = context.game.parties[learner].curvature
    met = (
        utility(learner, x, curvature) - condition.cost
        >= utility(learner, condition.fallback, curvature) - 1e-12
    )
    realised = np.where(met, u + condition.value, context.u(condition.fallback))
    return np.where(conditional, realised, u)


def truncation_likelihood(
    obs: RoundObservation,
    theta: np.ndarray,
    context: OwnerContext,
    noise: float,
    *,
    rejections: bool = True,
    expected_terms: bool = False,
) -> np.ndarray:
    """``(n, G)``: the naive truncation likelihood of one round (see the module docstring)."""
    n = obs.agreed.shape[0]
    lik = np.ones((n, theta.shape[0]))
    th = theta[None, :]
    best = _read(obs, obs.opp_best_x, obs.opp_best_conditional, context, expected_terms)
    lik *= np.where(obs.opp_made_offer[:, None], soft_at_most(best[:, None], th, noise), 1.0)
    accepted = obs.opp_last_response == ACCEPT
    lik *= np.where(
        accepted[:, None], soft_at_most(context.u(obs.own_last_x)[:, None], th, noise), 1.0
    )
    if rejections:
        rejected = context.u(obs.own_rejected_best_x)[:, None]
        lik *= np.where(obs.rejected_any[:, None], 1.0 - soft_at_most(rejected, th, noise), 1.0)
    return lik


__all__ = ["soft_at_most", "truncation_likelihood"]
