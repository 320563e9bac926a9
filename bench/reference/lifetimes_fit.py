"""The `lifetimes` reference for `precis ltv fit`: the same orders CSV (customer_id,date,amount), the
same work (per-customer summary, BG/NBD and Gamma-Gamma fits), the same JSON out.

Run by `npm run bench -- ltv-vs-lifetimes` when Python can import lifetimes (0.11.3, with numpy,
scipy, pandas and autograd); PYTHONPATH may point at an unpacked copy. Times are in weeks (days / 7),
as `precis ltv fit --unit weeks` models them; several rows of a customer on one day are one order.
"""

import json
import sys

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data


def main(path: str) -> None:
    orders = pd.read_csv(path, dtype={"customer_id": str}, parse_dates=["date"])
    summary = summary_data_from_transaction_data(
        orders, "customer_id", "date", monetary_value_col="amount", freq="D"
    )
    frequency = summary["frequency"]
    recency = summary["recency"] / 7.0
    age = summary["T"] / 7.0
    bg = BetaGeoFitter(penalizer_coef=0.0)
    bg.fit(frequency, recency, age)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = GammaGammaFitter(penalizer_coef=0.0)
    gg.fit(repeat["frequency"], repeat["monetary_value"])
    print(
        json.dumps(
            {
                "customers": int(len(summary)),
                "bgnbd": {k: float(v) for k, v in bg.params_.items()},
                "gammaGamma": {k: float(v) for k, v in gg.params_.items()},
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
