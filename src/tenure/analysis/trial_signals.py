"""Which sign-up answers and first-week behaviours predict that a trial buys.

A business decides what its trial form asks and what its onboarding pushes. This analysis
answers both from its own history, one row per trial:

* **Form answers**: every free attribute of the ``trials`` table (e.g. ``signup_role``,
  ``signup_use_case``) and the account attributes known at sign-up (``channel``, ``industry``,
  ``size``, ``country``). For each question, the purchase rate of every answer with a Wilson
  interval, a chi-square test of the question and a Fisher test per answer, corrected together
  for multiple testing (:func:`tenure.analysis.segment_churn` with purchase as the outcome).
* **First-week behaviour**: from the events of the first ``first_days`` days of the trial
  (``[started_at, started_at + first_days)``): events, active days, active users, features used,
  and whether each feature was used at all. Only trials that had not bought by then are kept for
  this part: a trial that bought on day 3 would otherwise "predict" its own purchase with the use
  it made as a customer.
* **Which matters more**: a grouped, regularised logistic regression
  (:class:`tenure.analysis.regression.ChurnRegression`, outcome "purchase") on the answers alone,
  the behaviours alone and both, each trained on the earlier trials (by start date) and scored
  on the later ``test_share`` of them; the ROC AUC of each tells how much a question is worth
  against simply watching the first week. The effects of the model with both are given in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import ibis
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from tenure.analysis.regression import ChurnRegression
from tenure.analysis.segments import SegmentChurn, segment_churn
from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse

__all__ = ["TrialSignals", "trial_rows", "trial_signals"]

#: Account attributes a sign-up form can ask for (used when present in ``accounts``).
SIGNUP_ATTRIBUTES = ("channel", "industry", "size", "country")
_TRIAL_COLUMNS = {"account_id", "started_at", "ends_at", "converted_at"}


def trial_rows(warehouse: Warehouse, *, first_days: int = 7) -> tuple[pd.DataFrame, list[str],
                                                                     list[str]]:
    """One row per trial: its answers, first-week behaviour and whether it bought.

    Returns
    -------
    (frame, answers, behaviours)
        ``frame`` has ``account_id``, ``started_at``, ``purchased`` (a paid line started, i.e.
        ``converted_at`` is set), ``bought_within_first_days`` and the answer and behaviour
        columns named in the two lists.
    """
    if not warehouse.has_table("trials"):
        raise WarehouseError("the warehouse has no trials table, so there is no trial to "
                             "analyse; add trials.csv (account_id, started_at, ends_at, "
                             "converted_at; see docs/data-model.md) to the export and run "
                             "`tenure load`.")
    trials = warehouse.table("trials")
    frame = trials.to_pandas()
    frame["account_id"] = frame["account_id"].astype(str)
    answers = [c for c in frame.columns if c not in _TRIAL_COLUMNS]
    if warehouse.has_table("accounts"):
        accounts = warehouse.table("accounts")
        present = [c for c in SIGNUP_ATTRIBUTES if c in accounts.columns]
        attrs = accounts.select("account_id", *present).to_pandas()
        attrs["account_id"] = attrs["account_id"].astype(str)
        frame = frame.merge(attrs, on="account_id", how="left")
        answers += [c for c in present if c not in answers]
    started = pd.to_datetime(frame["started_at"])
    converted = pd.to_datetime(frame["converted_at"])
    frame["purchased"] = converted.notna()
    frame["bought_within_first_days"] = converted < started + pd.Timedelta(days=first_days)

    behaviours: list[str] = []
    if warehouse.has_table("events"):
        events = warehouse.table("events")
        windows = ibis.memtable(pd.DataFrame({
            "account_id": frame["account_id"],
            "since": started,
            "until": started + pd.Timedelta(days=first_days),
        }))
        e = events.mutate(account_id=events.account_id.cast("string"))
        joined = e.join(windows, [e.account_id == windows.account_id,
                                  e.occurred_at >= windows.since,
                                  e.occurred_at < windows.until])
        day = joined.occurred_at.date()
        summary = joined.group_by([joined.account_id, joined.since]).aggregate(
            events_first_days=joined.count(),
            active_days_first_days=day.nunique(),
            active_users_first_days=joined.user_id.nunique(),
            features_first_days=joined.event_name.nunique(),
        ).to_pandas()
        used = joined.group_by([joined.account_id, joined.since, joined.event_name]).aggregate(
            n=joined.count()
        ).to_pandas()
        wide = (used.assign(flag=1.0)
                .pivot_table(index=["account_id", "since"], columns="event_name", values="flag",
                             fill_value=0.0))
        wide.columns = [f"used_{c}" for c in wide.columns]
        summary = summary.merge(wide.reset_index(), on=["account_id", "since"], how="left")
        summary["since"] = pd.to_datetime(summary["since"])
        frame = frame.assign(since=started).merge(summary, on=["account_id", "since"],
                                                  how="left").drop(columns="since")
        behaviours = [c for c in summary.columns if c not in {"account_id", "since"}]
        frame[behaviours] = frame[behaviours].fillna(0.0)
    frame = frame.sort_values(["started_at", "account_id"], kind="mergesort")
    return frame.reset_index(drop=True), answers, behaviours


def _known_outcomes(frame: pd.DataFrame, end: date) -> pd.DataFrame:
    """The trials whose outcome is known by ``end`` (the first day without data)."""
    end_day = pd.Timestamp(end)
    bought = pd.to_datetime(frame["converted_at"]) < end_day
    over = pd.to_datetime(frame["ends_at"]) <= end_day
    frame = frame.assign(purchased=bought,
                         bought_within_first_days=frame["bought_within_first_days"] & bought)
    return frame[bought | over].reset_index(drop=True)


@dataclass(frozen=True)
class TrialSignals:
    """Result of :func:`trial_signals`.

    Attributes
    ----------
    questions
        One row per form question: ``question``, ``levels``, ``chi2``, ``p_value``,
        ``cramers_v``, ``significant`` (the per-question test of :func:`segment_churn`).
    answers
        One row per (question, answer): ``trials``, ``bought``, ``purchase_rate`` with its
        interval (``ci_low``, ``ci_high``), ``rest_purchase_rate`` (every other answer),
        ``rate_ratio``, ``p_value``, ``q_value`` and ``significant``.
    models
        One row per feature set (``answers``, ``first_week``, ``both``): ``train_trials``,
        ``test_trials``, ``roc_auc`` on the later trials, and ``note``: why there is no
        AUC (null when there is one).
    effects
        Effects of the ``both`` model, strongest first, with a sentence each.
    first_days
        Length of the first-week window in days.
    """

    questions: pd.DataFrame
    answers: pd.DataFrame
    models: pd.DataFrame
    effects: pd.DataFrame
    first_days: int


def _varying(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The ``columns`` that take more than one value in ``frame``: one that never varies (no
    trial used the product in its first days, a question every trial answered alike) cannot
    predict anything and the regression refuses a design with nothing in it."""
    return [c for c in columns if frame[c].nunique(dropna=False) > 1]


def _fit_auc(train: pd.DataFrame, test: pd.DataFrame, columns: list[str],
             y: str) -> tuple[float, ChurnRegression | None, str | None]:
    """ROC AUC on ``test`` of a regression fitted on ``train``, the model, and when there is
    no AUC the reason in words."""
    varying = _varying(train, columns)
    if not varying:
        return float("nan"), None, ("none of its features varies among the earlier trials"
                                    if columns else "it has no feature")
    for part, label in ((train, "earlier"), (test, "later")):
        if part[y].nunique() < 2:
            return float("nan"), None, (f"the {label} trials ({len(part):,}) all had the same "
                                        "outcome")
    model = ChurnRegression(n_bootstrap=0, outcome_label="purchase")
    model.fit(train[varying], train[y])
    return (float(roc_auc_score(test[y], model.predict_proba(test[varying])[:, 1])), model,
            None)


def trial_signals(warehouse: Warehouse, *, first_days: int = 7, test_share: float = 0.3,
                  alpha: float = 0.05, n_bootstrap: int = 200,
                  data_end: date | None = None) -> TrialSignals:
    """What predicts that a trial buys: form answers, first-week behaviour, and both.

    Parameters
    ----------
    warehouse
        Warehouse with ``trials`` (and, for behaviour, ``events``).
    first_days
        Days from the trial's start whose behaviour is used.
    test_share
        Share of the latest trials (by start date) held out to compare the feature sets.
    alpha
        False discovery rate of the per-answer tests.
    n_bootstrap
        Bootstrap refits for the intervals of the effects (0 skips them).
    data_end
        First day without data (``tenure analyze trials`` passes ``--data-end`` or the inferred
        end, :func:`tenure.measures.find_data_end`). A purchase on or after it is not known
        yet, and a trial still running at it without a purchase is left out: its outcome is
        not known yet either. None: every trial as recorded.
    """
    if first_days < 1:
        raise InputError(f"first_days must be at least 1 (found {first_days}).")
    if not 0 < test_share < 1:
        raise InputError(f"test_share must be between 0 and 1 (found {test_share}).")
    frame, answers, behaviours = trial_rows(warehouse, first_days=first_days)
    if frame.empty:
        raise InputError("the trials table is empty; load a trials file with one row per trial "
                         "(account_id, started_at, ends_at, converted_at) to analyse trial "
                         "conversion.")
    if data_end is not None:
        frame = _known_outcomes(frame, data_end)
    if frame["purchased"].nunique() < 2:
        raise InputError("every trial has the same outcome (all bought or none did); there is "
                         "nothing to learn about what predicts a purchase yet.")
    form = frame[answers].astype("string")
    segments: SegmentChurn = segment_churn(
        frame.assign(**{c: form[c] for c in answers}), outcome="purchased",
        attributes=answers, alpha=alpha,
    )
    # Behaviour is only fair for trials still undecided at the end of the window.
    undecided = frame[~frame["bought_within_first_days"]].reset_index(drop=True)
    cut = int(np.floor(len(undecided) * (1 - test_share)))
    train, test = undecided.iloc[:cut], undecided.iloc[cut:]
    model_rows = []
    both_model = None
    for name, columns in (("answers", answers), ("first_week", behaviours),
                          ("both", answers + behaviours)):
        data_train = train.assign(**{c: train[c].astype("string") for c in answers})
        data_test = test.assign(**{c: test[c].astype("string") for c in answers})
        auc, model, note = _fit_auc(data_train, data_test, columns, "purchased")
        if name == "first_week" and not behaviours:
            note = ("the warehouse has no events table; load an events file to read the "
                    "trials' first days")
        elif name == "first_week" and note and "varies" in note:
            note = (f"product use in the first {first_days} days is the same for every earlier "
                    "trial (most often: no events recorded during the trials)")
        if name == "both":
            both_model = model
        model_rows.append({"features": name, "train_trials": len(train),
                           "test_trials": len(test), "roc_auc": auc, "note": note})
    effects = pd.DataFrame()
    if both_model is not None:
        full = undecided.assign(**{c: undecided[c].astype("string") for c in answers})
        effects = ChurnRegression(n_bootstrap=n_bootstrap, outcome_label="purchase").fit(
            full[_varying(full, answers + behaviours)], full["purchased"]
        ).effects_
    answers_table = segments.levels.rename(columns={
        "attribute": "question", "level": "answer", "observations": "trials", "churned": "bought",
        "churn_rate": "purchase_rate", "rest_churn_rate": "rest_purchase_rate",
    })
    return TrialSignals(
        questions=segments.attributes.rename(columns={"attribute": "question"}),
        answers=answers_table,
        models=pd.DataFrame(model_rows), effects=effects, first_days=first_days,
    )

