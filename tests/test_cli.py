"""The project staff's commands: validate before upload, upload atomically, refuse bad files."""

import shutil
from pathlib import Path

from typer.testing import CliRunner

from esf_monitor.cli import app

HANDCALC = Path(__file__).parent / "fixtures" / "handcalc"
runner = CliRunner()


def _setup(data_dir: Path) -> Path:
    shutil.copytree(HANDCALC / "reference", data_dir / "reference")
    return HANDCALC / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"


def test_validate_accepts_a_good_file_and_upload_places_it_atomically(data_dir):
    good = _setup(data_dir)
    args = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
    result = runner.invoke(app, ["validate", str(good), *args])
    assert result.exit_code == 0, result.output
    assert "ANGENOMMEN" in result.output.upper()
    result = runner.invoke(app, ["upload", str(good), *args])
    assert result.exit_code == 0, result.output
    placed = data_dir / "landing" / "HC-ALPHA" / "participants" / "2024-06.csv"
    assert placed.read_bytes() == good.read_bytes()
    assert [p.name for p in placed.parent.iterdir()] == ["2024-06.csv"]  # no temp file left


def test_validate_and_upload_refuse_a_bad_file_with_a_report(data_dir, tmp_path):
    good = _setup(data_dir)
    lines = good.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "export.csv"
    bad.write_text("\n".join([lines[0]] + [lines[1].replace(",f,", ",w,", 1)] + lines[2:]) + "\n",
                   encoding="utf-8")
    args = ["--provider", "HC-ALPHA", "--type", "participants", "--month", "2024-06"]
    result = runner.invoke(app, ["validate", str(bad), *args, "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "gender" in result.output and "'w'" in result.output
    assert (tmp_path / "r" / "export.errors.csv").exists()
    result = runner.invoke(app, ["upload", str(bad), *args])
    assert result.exit_code == 1
    assert not (data_dir / "landing" / "HC-ALPHA").exists()
