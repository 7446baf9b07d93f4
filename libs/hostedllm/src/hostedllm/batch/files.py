"""A batch job's input rows (JSONL or Parquet) and its resumable output (Parquet part files).

Results are written as they complete, one ``part-<time>-<random>.parquet`` per finished chunk of rows
(unique across processes; written to a temporary name, then renamed, so a killed job leaves no half
file); a job run again with the same output folder skips the ids already there. Parquet needs
``pyarrow`` (``pip install 'hostedllm[batch]'``).

>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "in.jsonl").write_text(json.dumps({"id": "a", "input": "Hi"}) + "\\n")
>>> list(read_rows(folder / "in.jsonl"))
[{'id': 'a', 'input': 'Hi'}]
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from hostedllm.errors import ConfigurationError

#: The columns of every result row.
RESULT_COLUMNS = (
    "id",
    "output",
    "error_type",
    "error",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost",
    "currency",
)


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
        import pyarrow.parquet  # type: ignore[import-untyped]
    except ImportError:
        raise ConfigurationError("Parquet needs pyarrow: pip install 'hostedllm[batch]'.") from None
    return pyarrow


def read_rows(path: str | Path, *, id_key: str = "id", input_key: str = "input") -> Iterator[dict[str, Any]]:
    """Each row of a JSONL or Parquet file as ``{"id": ..., "input": ...}`` (ids as strings, each once)."""
    path = Path(path)
    seen: set[str] = set()
    for number, record in enumerate(_records(path), start=1):
        if not isinstance(record, Mapping) or input_key not in record:
            raise ConfigurationError(f"{path} row {number} has no {input_key!r} field.")
        row_id = str(record.get(id_key, number))
        if row_id in seen:
            raise ConfigurationError(f"{path} row {number} repeats the id {row_id!r}; ids must be unique.")
        seen.add(row_id)
        yield {"id": row_id, "input": record[input_key]}


def _records(path: Path) -> Iterator[Any]:
    if path.suffix == ".parquet":
        for batch in _pyarrow().parquet.ParquetFile(path).iter_batches():
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    raise ConfigurationError(f"{path} line {number} is not JSON.") from None


class ResultFolder:
    """The output of one job: Parquet part files in ``folder``, written as chunks finish.

    Parameters:
        folder: where the parts go (created if missing); the same folder resumes a job.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ConfigurationError(f"{self.folder} is a file; give a folder for the results.")
        self.folder.mkdir(parents=True, exist_ok=True)

    def parts(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.parquet"))

    def done_ids(self) -> set[str]:
        """The ids already written (a resumed job skips them)."""
        parquet = _pyarrow().parquet
        parts = (parquet.read_table(part, columns=["id"])["id"].to_pylist() for part in self.parts())
        return {str(row_id) for ids in parts for row_id in ids}

    def write(self, results: Sequence[Mapping[str, Any]]) -> Path | None:
        """One part file holding ``results`` (written whole, then renamed into place)."""
        if not results:
            return None
        pyarrow = _pyarrow()
        columns = {name: [_cell(name, result.get(name)) for result in results] for name in RESULT_COLUMNS}
        table = pyarrow.table(columns, schema=_schema(pyarrow))
        path = self.folder / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"  # unique across workers
        temporary = path.with_suffix(".parquet.tmp")
        pyarrow.parquet.write_table(table, temporary)
        os.replace(temporary, path)
        return path

    def read(self) -> list[dict[str, Any]]:
        """Every result written so far."""
        parquet = _pyarrow().parquet
        return [row for part in self.parts() for row in parquet.read_table(part).to_pylist()]


def _schema(pyarrow: Any) -> Any:
    """One schema for every part, so the folder reads as one table (Ray Data, pandas, DuckDB)."""
    kinds = {"input_tokens": pyarrow.int64(), "output_tokens": pyarrow.int64(), "total_tokens": pyarrow.int64()}
    kinds["cost"] = pyarrow.float64()
    return pyarrow.schema([(name, kinds.get(name, pyarrow.string())) for name in RESULT_COLUMNS])


def _cell(name: str, value: Any) -> Any:
    """Outputs that are not text (vectors, objects) are stored as JSON text, so every part has one schema."""
    if name == "output" and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return value
