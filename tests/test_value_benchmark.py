"""The /impact benchmark builds its synthetic server and measures it (here at a tiny size)."""

from __future__ import annotations

import json

from benchmarks.impact import main


def test_the_impact_benchmark_runs_and_prints_its_measurements(capsys):
    assert main(["--members", "300", "--thanks", "3000", "--intros", "100", "--repeat", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rows"]["members"] == 300 and result["rows"]["thanks"] == 3000
    # About 90 of the 730 days: roughly an eighth of the thanks.
    assert 200 < result["period_90_days"]["thanks_in_period"] < 600
    assert result["all_time"]["thanks_in_period"] == 3000
    assert result["period_90_days"]["total_s"] > 0 and isinstance(result["target_met"], bool)
