"""Direction checks against the human evidence on negotiation (the sources are listed in the
documentation's model page, *Human evidence*).

Magnitudes in those papers are not comparable to a normalised simulator; their *signs* are.
:func:`direction_checks` measures, on a study's rounds table, the directions that the study
can speak to, and lists the others with the reason they cannot be checked here (not modelled,
imposed by construction, or not observable under the study's design). Every number is
computed from the table; nothing is typed in.

Each row has: ``check`` (short name), ``source``, ``expected`` (the human direction),
``statistic`` (what is measured), ``estimate``, ``ci_low``, ``ci_high`` (95% bootstrap, over
replicates), ``n``, and ``status``: ``"reproduced"``, ``"not reproduced"`` (CI excludes the
human sign or contains 0), ``"by construction"``, ``"not observable"`` or ``"not modelled"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import theory
from ..config.schema import StudySpec

ROUNDS_COLUMNS = (
    "cell",
    "channels",
    "arm",
    "replicate",
    "round",
    "party",
    "active",
    "utility",
    "first_offer",
    "instant",
    "reservation_value",
    "belief_mean",
    "subjective_value",
)
"""The rounds-table columns :func:`direction_checks` reads (with the sweep axes): a run reads
only these of its sample."""

COLUMNS = [
    "check",
    "source",
    "expected",
    "statistic",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "status",
]


def _bootstrap_mean(values: np.ndarray, seed: int) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean and its 95% percentile bootstrap interval (2,000
    resamples); a degenerate interval at the mean for fewer than 3 values or equal ones."""
    values = np.asarray(values, dtype=float)
    if values.size < 3 or np.allclose(values, values[0]):
        m = float(values.mean()) if values.size else 0.0
        return m, m, m
    res = stats.bootstrap(
        (values,),
        np.mean,
        n_resamples=2000,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return (
        float(values.mean()),
        float(res.confidence_interval.low),
        float(res.confidence_interval.high),
    )


def _status(low: float, high: float, sign: int) -> str:
    """``"reproduced"`` when the interval lies on the human side of 0 (``sign``), else
    ``"not reproduced"``."""
    if (sign > 0 and low > 0) or (sign < 0 and high < 0):
        return "reproduced"
    return "not reproduced"


def _row(
    check, source, expected, statistic, est=0.0, low=0.0, high=0.0, n=0, status="not modelled"
) -> dict:
    """One row of the checks, by :data:`COLUMNS` (a row without a measurement has zeros)."""
    return dict(
        zip(COLUMNS, [check, source, expected, statistic, est, low, high, n, status], strict=True)
    )


def _demand_utility(frame: pd.DataFrame, study: StudySpec) -> pd.Series:
    """A party's own utility of its first offer (its opening demand), in [0, 1]."""
    frac = (frame["first_offer"] - study.issue.low) / (study.issue.high - study.issue.low)
    prefers_high = frame["party"].map({p: s.prefers == "high" for p, s in study.parties.items()})
    return frac.where(prefers_high, 1.0 - frac)


def instant_acceptance_effect(
    rounds: pd.DataFrame, study: StudySpec, party: str, seed: int = 0
) -> dict:
    """Galinsky et al. 2002: after the opponent accepted one's first offer at once, one's next
    opening demand is harder. Per replicate: mean change of the opening demand after instant
    rounds minus after other rounds (replicates with both kinds of rounds)."""
    f = (
        rounds[(rounds["party"] == party) & rounds["active"]]
        .sort_values(["channels", "arm", "replicate", "round"])
        .copy()
    )
    f["demand"] = _demand_utility(f, study)
    g = f.groupby(["channels", "arm", "replicate"], sort=False)
    f["next_demand"] = g["demand"].shift(-1)
    f = f.dropna(subset=["next_demand"])
    f["change"] = f["next_demand"] - f["demand"]
    per = f.groupby(["channels", "arm", "replicate", "instant"])["change"].mean().unstack("instant")
    if True not in per.columns or False not in per.columns:
        return _row(
            "instant acceptance -> harder demands",
            "Galinsky et al. 2002",
            "+",
            "change of next opening demand (instant - not)",
            status="not observable",
        )
    diff = (per[True] - per[False]).dropna().to_numpy()
    if diff.size < 3:
        return _row(
            "instant acceptance -> harder demands",
            "Galinsky et al. 2002",
            "+",
            "change of next opening demand (instant - not)",
            n=int(diff.size),
            status="not observable",
        )
    est, lo, hi = _bootstrap_mean(diff, seed)
    return _row(
        "instant acceptance -> harder demands",
        "Galinsky et al. 2002",
        "+",
        f"{party}'s change of next opening demand, after instant minus other rounds",
        est,
        lo,
        hi,
        diff.size,
        _status(lo, hi, +1),
    )


def subjective_value_effect(rounds: pd.DataFrame, party: str, seed: int = 0) -> dict:
    """Curhan et al. 2010: round-1 subjective value predicts round-2 outcomes, controlling for
    round-1 economics. OLS ``u_2 ~ 1 + SV_1 + u_1`` over relationships active in round 2;
    bootstrap CI of the SV coefficient."""
    f = rounds[rounds["party"] == party]
    r1 = f[f["round"] == 1].set_index(["channels", "arm", "replicate"])
    r2 = f[(f["round"] == 2) & f["active"]].set_index(["channels", "arm", "replicate"])
    joined = r1[["subjective_value", "utility"]].join(
        r2[["utility"]].rename(columns={"utility": "utility_2"}), how="inner"
    )
    name = "round-1 subjective value -> round-2 outcome"
    if len(joined) < 10 or joined["subjective_value"].std() == 0:
        return _row(
            name,
            "Curhan et al. 2010",
            "+",
            "OLS coefficient of SV_1 on u_2 given u_1",
            status="not observable",
        )
    x = np.column_stack([np.ones(len(joined)), joined["subjective_value"], joined["utility"]])
    y = joined["utility_2"].to_numpy()

    def coef(idx):
        """The SV coefficient of the regression on the rows ``idx``."""
        beta, *_ = np.linalg.lstsq(x[idx], y[idx], rcond=None)
        return beta[1]

    est = float(coef(np.arange(len(y))))
    gen = np.random.default_rng(seed)
    boots = np.array([coef(gen.integers(0, len(y), len(y))) for _ in range(1000)])
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return _row(
        name,
        "Curhan et al. 2010",
        "+",
        f"{party}: OLS coefficient of SV_1 on u_2 given u_1",
        est,
        float(lo),
        float(hi),
        len(y),
        _status(lo, hi, +1),
    )


def ratchet_by_sophistication(
    rounds: pd.DataFrame, kind_axis: str, opponent: str, seed: int = 0
) -> dict:
    """Chaudhuri 1998; Cooper et al. 1999: the lab ratchet is weak, i.e. human-like
    (naive) principals learn less than correct Bayesians. Measured as the opponent's mean
    belief error about the focal party after round 1, naive minus Bayesian."""
    name = "naive learners exploit revelation less"
    if kind_axis not in rounds.columns:
        return _row(
            name,
            "Chaudhuri 1998; Cooper et al. 1999",
            "+",
            "belief error after round 1, naive - bayesian",
            status="not observable",
        )
    f = rounds[(rounds["round"] == 1) & (rounds["channels"] == "all")]
    own = f[f["party"] == opponent].set_index(["arm", "replicate", kind_axis])
    other = f[f["party"] != opponent].set_index(["arm", "replicate", kind_axis])
    err = (own["belief_mean"] - other["reservation_value"]).abs().rename("err").reset_index()
    wide = err.pivot_table(index=["arm", "replicate"], columns=kind_axis, values="err")
    if not {"naive", "bayesian"} <= set(wide.columns):
        return _row(
            name,
            "Chaudhuri 1998; Cooper et al. 1999",
            "+",
            "belief error after round 1, naive - bayesian",
            status="not observable",
        )
    diff = (wide["naive"] - wide["bayesian"]).dropna().to_numpy()
    est, lo, hi = _bootstrap_mean(diff, seed)
    return _row(
        name,
        "Chaudhuri 1998; Cooper et al. 1999",
        "+",
        f"{opponent}'s belief error after round 1, naive minus bayesian",
        est,
        lo,
        hi,
        diff.size,
        _status(lo, hi, +1),
    )


def direction_checks(rounds: pd.DataFrame, study: StudySpec, seed: int = 0) -> pd.DataFrame:
    """All §3 directions: measured where this study can speak to them, labelled otherwise."""
    focal = study.arms.party
    opponent = next(p for p in study.parties if p != focal)
    rows = [*_measured(rounds, study, opponent, seed), *_unmeasured(study)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _measured(rounds: pd.DataFrame, study: StudySpec, opponent: str, seed: int) -> list[dict]:
    """The directions measured on the rounds table (each ``"not observable"`` when the
    study's design cannot show it): instant acceptance (the opponent is the one whose first
    offers get accepted), subjective value (only with the behavioural module on), and the
    weak ratchet of human-like learners (only when a sweep axis sets a learner's kind)."""
    rows = [instant_acceptance_effect(rounds, study, opponent, seed)]
    if study.channels.subjective_value:
        rows.append(subjective_value_effect(rounds[rounds["channels"] == "all"], opponent, seed))
    else:
        rows.append(
            _row(
                "round-1 subjective value -> round-2 outcome",
                "Curhan et al. 2010",
                "+",
                "behavioural module off in this study",
                status="not observable",
            )
        )
    kind_axis = next((a for a in study.sweep_axes if a.endswith("params.kind")), "")
    rows.append(ratchet_by_sophistication(rounds, kind_axis, opponent, seed))
    return rows


def _unmeasured(study: StudySpec) -> list[dict]:
    """The directions the rounds table cannot test, each with the reason: the study's design
    hides it, the behavioural module's formula imposes its sign (``"by construction"``), the
    model has no such mechanism (``"not modelled"``); and the ultimatum share, which is the
    engine's equilibrium (no fairness motive), so it cannot match the human 40%."""
    imposed = "by construction" if study.channels.subjective_value else "not observable"
    impasse = (
        "an impasse ends the relationship in this study"
        if study.rounds.end_on_disagreement
        else "not measured"
    )
    labelled = (
        ("impasse -> further impasse", "O'Connor et al. 2005; Reb 2010", impasse, "not observable"),
        (
            "humiliation -> retaliation",
            "Brown 1968",
            "face term lowers SV; negative SV raises the next demand",
            imposed,
        ),
        (
            "happy-looking opponent -> lower felt success",
            "Thompson, Valley & Kramer 1995",
            "displayed-satisfaction term lowers SV",
            imposed,
        ),
        (
            "face-threat sensitivity -> less joint gain",
            "White et al. 2004",
            "no face-threat-sensitivity trait in the model",
            "not modelled",
        ),
        (
            "flexible terms -> shading",
            "Fehr, Hart & Zehnder 2011",
            "no shading after agreement in the model",
            "not modelled",
        ),
    )
    rows = [
        _row(check, source, "+", what, status=status) for check, source, what, status in labelled
    ]
    offer = 1.0 - theory.rubinstein(0.9, 0.9, horizon=1)
    rows.append(
        _row(
            "ultimatum offers ~40%, 16% rejected",
            "Oosterbeek et al. 2004",
            "0.40",
            "responder's share in the engine's ultimatum equilibrium (no fairness motive)",
            offer,
            offer,
            offer,
            1,
            "not reproduced",
        )
    )
    return rows
