import os
import subprocess
import sys


def test_processes_starting_together_share_one_generated_secret_key(tmp_path):
    code = "import qlvb.settings as s; print(s.SECRET_KEY)"
    env = {**os.environ, "QLVB_DATA_DIR": str(tmp_path / "data")}
    env.pop("QLVB_SECRET_KEY", None)
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert len(keys) == 1 and len(keys.pop()) > 40
    key_file = tmp_path / "data" / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in (tmp_path / "data").iterdir() if p.name.startswith(".secret")] == []
