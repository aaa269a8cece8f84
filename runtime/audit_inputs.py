"""What the audit log keeps beside each decision so that a replay can decide it again.

The inputs of a decision are the order (already in the entry), the clock (the entry's
``time``) and the Snapshot it was decided on: ``snapshot`` below, in the PolicyTest
``state`` shape that ``Snapshot.from_dict`` reads back exactly. It is compact by
construction: ``snapshot_for`` keeps quotes only for the order's root and the roots held.

One thing in a Snapshot depends on the policy it was built for: the equity peak a
trailing drawdown measures from is the intraday high-water mark, or the end-of-day
mark for a policy that trails end of day (``AccountState.snapshot_for``). When the two
differ, ``peaks`` keeps both, so that a replay under rules that trail the other way
measures from the mark the runtime would have used (``policy/replay.py``).
"""

from __future__ import annotations

from typing import Any

from ordergate.policy import Snapshot
from ordergate.runtime.book import AccountState


def decision_inputs(state: AccountState, snapshot: Snapshot) -> dict[str, Any]:
    inputs: dict[str, Any] = {"snapshot": snapshot.to_dict()}
    intraday = state.peak_equity if state.peak_equity is not None else state.start_balance
    end_of_day = state.eod_peak if state.eod_peak is not None else state.start_balance
    if intraday != end_of_day:
        inputs["peaks"] = {"intraday": intraday, "end_of_day": end_of_day}
    return inputs
