"""How often the churn analysis finds each planted segment effect: a power study over seeds.

``tests/test_planted_drivers.py`` checks two seeds; this script says how large the demo business
must be for that check to hold for (nearly) any seed. For each seed it simulates the business,
loads it, builds the weekly churn training set and runs the analysis ahead of the decision
(lead 30 days, 90-day window, as the test does), then prints each planted industry and channel
level's odds ratio and bootstrap interval, and how many seeds put the interval above 1.

Usage: ``python bench/planted_power.py --accounts 6000 --seeds 1 2 3 4 5 [--bootstrap 50]``
(about 30 s a seed at 6,000 accounts on 2 cores).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tenure.analysis import analyze_churn
from tenure.analysis.ahead import ahead_outcome, churn_ahead
from tenure.models.training_set import training_set
from tenure.simulate import simulate
from tenure.simulate.drivers import CHANNEL_CHURN, INDUSTRY_CHURN
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

LEAD_DAYS, WINDOW_DAYS = 30, 90

#: The planted segment levels, read from the simulator's own coefficients.
PLANTED = [f"industry={name}" for name in INDUSTRY_CHURN] + [
    f"channel={name}" for name in CHANNEL_CHURN
]


def one_seed(seed: int, accounts: int, bootstrap: int) -> dict[str, tuple[float, float, float]]:
    """``{level: (odds ratio, interval low, interval high)}`` of the planted levels."""
    with tempfile.TemporaryDirectory(prefix="tenure-power-") as tmp:
        folder = Path(tmp)
        simulate(folder / "data", accounts=accounts, months=36, seed=seed, event_scale=0.1)
        with Warehouse(folder / "warehouse.duckdb") as wh:
            load_directory(wh, folder / "data")
            frame = training_set(wh, horizons=(30, LEAD_DAYS + WINDOW_DAYS),
                                 exclude_pending_cancellations=False)
    rows = churn_ahead(frame, lead_days=LEAD_DAYS, horizon_days=WINDOW_DAYS)
    result = analyze_churn(rows, outcome=ahead_outcome(LEAD_DAYS, WINDOW_DAYS),
                           n_bootstrap=bootstrap, random_state=0)
    effects = result.effects.set_index("feature")
    return {level: tuple(float(effects.loc[level, c]) for c in ("odds_ratio", "ci_low", "ci_high"))
            for level in PLANTED}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=6000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--bootstrap", type=int, default=50, help="bootstrap resamples per fit")
    args = parser.parse_args()

    found = dict.fromkeys(PLANTED, 0)
    print(f"{args.accounts:,} accounts, lead {LEAD_DAYS} days, {WINDOW_DAYS}-day window, "
          f"{args.bootstrap} bootstrap resamples")
    print("seed  " + "  ".join(f"{level:>28}" for level in PLANTED) + "  seconds")
    for seed in args.seeds:
        started = time.perf_counter()
        levels = one_seed(seed, args.accounts, args.bootstrap)
        cells = []
        for level in PLANTED:
            ratio, low, high = levels[level]
            found[level] += low > 1
            cells.append(f"{ratio:5.2f} ({low:4.2f}-{high:4.2f}){' *' if low > 1 else '  '}")
        print(f"{seed:>4}  " + "  ".join(f"{c:>28}" for c in cells)
              + f"  {time.perf_counter() - started:7.1f}")
    print("interval above 1 (*): " + ", ".join(
        f"{level} {found[level]} of {len(args.seeds)}" for level in PLANTED))


if __name__ == "__main__":
    main()
