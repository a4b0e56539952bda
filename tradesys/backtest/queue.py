"""Where our order stands in its price level's queue when the recorded level shrinks.

The recording shows each level's total (market-by-price), not its orders. Our order joins the back of its
level; traded volume at the level reaches it only after everything ahead of it (the matching engine's FIFO
does that). When the level shrinks without a trade, someone cancelled, and the model says how much of it was
ahead of us:

- ``prob`` (the default): the share ahead is f(ahead) / (f(ahead) + f(behind)) with f(x) = x ** power
  (power 3 by default), the probabilistic queue-position estimator of M. Rigtorp, "Estimating order queue
  position" (2013), as hftbacktest's ``PowerProbQueueModel`` implements it
  (https://hftbacktest.readthedocs.io/en/latest/reference/queue_models.html). Just after joining, nearly
  every cancel is ahead of us; near the front, nearly all are behind.
- ``risk_averse``: every cancel is behind us, unless the level shrinks below what was ahead (hftbacktest's
  ``RiskAverseQueueModel``): we advance only on trades, the most conservative fill estimate.

The share is applied as an expectation (no random draw), so a backtest's fills do not depend on its seed.
"""

from __future__ import annotations

from dataclasses import dataclass

MODELS = ("prob", "risk_averse")


class QueueModelError(ValueError):
    pass


@dataclass(frozen=True)
class QueueModel:
    kind: str = "prob"
    power: float = 3.0

    def __post_init__(self):
        if self.kind not in MODELS:
            raise QueueModelError(f"backtest.queue.model: {self.kind!r}: it is one of {', '.join(MODELS)}")
        if not 0 < self.power <= 10:
            raise QueueModelError(f"backtest.queue.power: {self.power}: between 0 and 10")

    def split(self, decrease: int, ahead: int, behind: int) -> int:
        """How much of ``decrease`` (a level's shrinking, not a trade) comes out of the ``ahead`` quantity;
        the rest comes out of ``behind``. Never more than either side holds."""
        if self.kind == "risk_averse":
            share = 0.0
        else:
            front, back = float(ahead) ** self.power, float(behind) ** self.power
            share = front / (front + back) if front + back else 1.0
        from_ahead = round(decrease * share)
        return min(ahead, max(from_ahead, decrease - behind))
