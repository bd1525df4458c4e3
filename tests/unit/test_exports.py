from esf_monitor.exports import export_cutoffs


def test_export_cutoffs_are_june_december_and_latest():
    months = [f"2024-{m:02d}" for m in range(3, 13)] + ["2025-01", "2025-02"]
    assert export_cutoffs(months) == ["2024-06", "2024-12", "2025-02"]


def test_export_cutoffs_latest_is_a_june():
    assert export_cutoffs(["2024-05", "2024-06"]) == ["2024-06"]
    assert export_cutoffs([]) == []
