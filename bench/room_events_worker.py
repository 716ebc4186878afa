"""The room-events benchmark's worker: worker.py as is, or (--risk-scorer blocklists, a diagnostic
only) with campaign grants scored by the blocklists alone, to show what the rest of the path does
when the velocity features of the full risk scorer are taken out of the tick. Never used outside
the benchmark; the benchmark's JSON line says which scorer ran."""

import asyncio
import os

if os.environ.get("BENCH_RISK_SCORER") == "blocklists":
    from activities import campaign_grants
    from risk.scorer import RulesScorer

    _blocklists = RulesScorer()
    campaign_grants.get_scorer = lambda: _blocklists

import worker  # noqa: E402  (after the optional patch)

if __name__ == "__main__":
    asyncio.run(worker.main())
