"""Parsing dags/tmall_feed_nightly.py is cheap: no heavy library, no pipeline module, no database, network,
Variable or Connection access.

The DAG processor re-parses the file every 30 s by default, so it is imported here the way Airflow
does (by path), in a fresh interpreter, with sockets, database connections, Variables and Connections
refused.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "tmall_feed_nightly.py"
HEAVY = ("pandas", "pyarrow", "numpy", "great_expectations", "deep_translator", "deepl", "opencc",
         "currency_converter", "openpyxl", "python_calamine", "pipeline")

PARSE = """
import importlib.util, json, socket, sqlite3, sys, time

started = time.perf_counter()
from airflow.sdk import dag, task
sdk_imported = time.perf_counter()

import sqlalchemy.engine
from airflow.sdk import BaseHook, Connection, Variable
refused = []
def refuse(*args, **kwargs):
    refused.append(repr(args[:2]))
    raise OSError("network, database, Variable or Connection access while parsing")
socket.socket.connect = sqlite3.connect = sqlalchemy.engine.Engine.connect = refuse
Variable.get = Connection.get = BaseHook.get_connection = refuse

guarded = time.perf_counter()
spec = importlib.util.spec_from_file_location("tmall_feed_nightly", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
parsed = time.perf_counter()
print(json.dumps({"sdk_s": sdk_imported - started, "dag_s": parsed - guarded, "refused": refused,
                  "modules": sorted(sys.modules)}))
"""


def _parse_in_fresh_interpreter(airflow_home: Path) -> dict:
    env = {**os.environ, "AIRFLOW_HOME": str(airflow_home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    done = subprocess.run([sys.executable, "-c", PARSE, str(DAG_FILE)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_parsing_imports_nothing_heavy_and_touches_no_database_or_network(tmp_path):
    parse = _parse_in_fresh_interpreter(tmp_path / "airflow")
    assert parse["refused"] == []
    assert [m for m in parse["modules"] if m.split(".")[0] in HEAVY] == []
    assert parse["dag_s"] < 1.0, f"parsing took {parse['dag_s']:.2f} s beyond importing airflow.sdk"
