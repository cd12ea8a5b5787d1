"""Likelihood models: the probability of what a learner observed, for each candidate type.

A learner about party ``owner`` evaluates ``L(observation | theta)`` on its type grid, an
``(n, G)`` array. Two families are provided:

* :func:`truncation_likelihood` -- the naive learner's model (Baarslag et al. 2016, "Learning
  about the opponent in automated bilateral negotiation", JAAMAS 30): an offer ``z`` by the owner means its bottom line is at most ``u(z)``, an
  accepted offer ``y`` means at most ``u(y)``, a rejected offer ``y`` means above ``u(y)``;
* :func:`rule_likelihood` -- the correct Bayesian's model: the owner's *actual* decision rule
  evaluated at every candidate type (the strategy supplies it), smoothed with a logistic
  (responses) or Gaussian (offers) of scale ``noise``.

Likelihoods are expressed relative to a uniformly random action (a random offer has density
1 on the owner's utility scale; a response is a soft indicator). An offer the rule predicts
exactly therefore weighs ``1 / (noise * sqrt(2 pi))`` against 1 for a tremble, so a revealing
offer is as informative as it should be. Hard 0/1 steps are replaced by smooth ones of width
``noise`` and the caller mixes in a tremble, so no posterior ever collapses to zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..engine.negotiation import ACCEPT
from ..engine.terms import utility
from .observations import RoundObservation


@dataclass(frozen=True)
class OwnerContext:
    """Public facts about the party whose type is being learned (the owner)."""

    side: int
    curvature: np.ndarray
    horizon: int
    reference_x: np.ndarray
    """The owner's reference point (position of the last agreed terms)."""
    condition_value: np.ndarray | None
    """Public value of the condition to the owner when it holds it, else ``None``."""
    outside_option: np.ndarray | None = None
    """The owner's public outside option (a floor under its bottom line), if known."""

    def u(self, x: np.ndarray) -> np.ndarray:
        """The owner's utility of position ``x`` as an ``(n, 1)`` column."""
        return utility(self.side, np.asarray(x), self.curvature)[:, None]

    def t(self, step: np.ndarray) -> np.ndarray:
        """Relative time of a step as an ``(n, 1)`` column."""
        return (np.clip(step, 0, None) / max(self.horizon - 1, 1))[:, None].clip(0.0, 1.0)


def soft_at_most(value: np.ndarray, theta: np.ndarray, noise: float) -> np.ndarray:
    """Smooth indicator of ``theta <= value``."""
    return expit((value - theta) / noise)


def truncation_likelihood(
    obs: RoundObservation,
    theta: np.ndarray,
    ctx: OwnerContext,
    noise: float,
    *,
    rejections: bool = True,
) -> np.ndarray:
    """Naive truncation: offers and acceptances bound the bottom line from above, rejections
    (optionally) from below. Conditions are read at their headline terms."""
    n = obs.agreed.shape[0]
    lik = np.ones((n, theta.shape[0]))
    th = theta[None, :]
    lik *= np.where(
        obs.opp_made_offer[:, None], soft_at_most(ctx.u(obs.opp_best_x), th, noise), 1.0
    )
    acc = obs.opp_last_response == ACCEPT
    lik *= np.where(acc[:, None], soft_at_most(ctx.u(obs.own_last_x), th, noise), 1.0)
    if rejections:
        lik *= np.where(
            obs.rejected_any[:, None],
            1.0 - soft_at_most(ctx.u(obs.own_rejected_best_x), th, noise),
            1.0,
        )
    return lik


def rule_likelihood(
    obs: RoundObservation,
    theta: np.ndarray,
    ctx: OwnerContext,
    noise: float,
    *,
    offer_rule,
    threshold_rule,
) -> np.ndarray:
    """Likelihood of the owner's last offer and last response under its actual rule.

    ``offer_rule(theta, t, faced_x, faced_any, ctx) -> (x, conditional)`` gives the offer the
    owner would make at relative time ``t`` after rejecting ``faced_x``; ``threshold_rule(
    theta, t, value, ctx) -> threshold`` the least own utility it accepts when offered
    ``value``. Both are evaluated on ``(n, G)`` arrays of candidate types.
    """
    n = obs.agreed.shape[0]
    th = np.broadcast_to(theta[None, :], (n, theta.shape[0]))
    lik = np.ones((n, theta.shape[0]))

    # the owner's last offer
    t_off = ctx.t(obs.opp_last_step)
    pred_x, pred_cond = offer_rule(th, t_off, obs.faced_x[:, None], obs.faced_any[:, None], ctx)
    gap = ctx.u(obs.opp_last_x) - utility(ctx.side, pred_x, ctx.curvature[:, None])
    offer_term = np.exp(-0.5 * (gap / noise) ** 2) / (noise * np.sqrt(2.0 * np.pi))
    offer_term = offer_term * np.where(pred_cond == obs.opp_last_conditional[:, None], 1.0, 0.0)
    lik *= np.where(obs.opp_made_offer[:, None], offer_term, 1.0)

    # the owner's response to the observer's last offer
    responded = obs.opp_last_response >= 0
    value = ctx.u(obs.own_last_x)
    thr = threshold_rule(th, ctx.t(obs.own_last_step), value, ctx)
    accept_prob = soft_at_most(value, thr, noise)
    resp_term = np.where((obs.opp_last_response == ACCEPT)[:, None], accept_prob, 1.0 - accept_prob)
    lik *= np.where(responded[:, None], resp_term, 1.0)
    return lik
