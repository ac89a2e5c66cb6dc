"""Read runs back: `runboard.Api().runs(...)` with the server's filter language, `run.history()`,
`compare()`. Results are pandas DataFrames when pandas is importable, lists of dicts otherwise
(`as_frame=False` forces lists)."""

from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _settings
from ._transport import ApiError, GraphQL
from ._wire import decode_value

PAGE = 500  # the server's largest runs page
HISTORY_PAGE = 10_000  # within the server's query cost limit (3 per point, 50,000)

RUN_FIELDS = """id name status tags config createdAt startedAt finishedAt experiment { name }
  metrics { key lastValue }"""
RUNS = f"""query($filter: RunFilter, $orderBy: [RunOrder!], $first: Int, $after: String) {{
  runs(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {{
    pageInfo {{ endCursor hasNextPage }} nodes {{ {RUN_FIELDS} }} }} }}"""
RUN = f"query($id: ID!) {{ run(id: $id) {{ {RUN_FIELDS} }} }}"
HISTORY = """query($id: ID!, $key: String!, $after: Int, $first: Int) {
  run(id: $id) { history(key: $key, afterStep: $after, first: $first) { step value wallTime } } }"""
COMPARE = """query($ids: [ID!]!, $keys: [String!], $diff: Boolean) { compareRuns(runIds: $ids, keys: $keys) {
  runs { id name } config(differencesOnly: $diff) { path values }
  metrics { key goal bestRunId results { runId final finalStep best bestStep } } } }"""

OrderBy = Union[str, Sequence[str], None]


def _pandas() -> Any:
    try:
        import pandas  # noqa: PLC0415 (optional)

        return pandas
    except ImportError:
        return None


def _frame(rows: List[Dict[str, Any]], as_frame: Optional[bool]) -> Any:
    pd = _pandas() if as_frame is not False else None
    if as_frame and pd is None:
        raise ImportError("runboard: as_frame=True needs pandas")
    return pd.DataFrame(rows) if pd is not None else rows


def flatten(value: Any, prefix: str) -> Dict[str, Any]:
    """{"optimizer": {"lr": 1e-3}} -> {"<prefix>.optimizer.lr": 1e-3}; lists stay values."""
    if isinstance(value, dict) and value:
        out: Dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}"))
        return out
    return {prefix: value}


def order_by(spec: OrderBy) -> Optional[List[Dict[str, str]]]:
    """"metrics.val_acc DESC", "-metrics.val_acc" (descending) or "config.lr" (ascending), or a list of them."""
    if spec is None:
        return None
    out = []
    for item in [spec] if isinstance(spec, str) else spec:
        parts = item.split()
        field, direction = parts[0], (parts[1].upper() if len(parts) > 1 else "ASC")
        if field.startswith("-"):
            field, direction = field[1:], "DESC"
        if direction not in ("ASC", "DESC") or len(parts) > 2:
            raise ValueError(f"runboard: order_by {item!r}: expected '<field> [ASC|DESC]' or '-<field>'")
        out.append({"field": field, "direction": direction})
    return out


def run_row(node: Dict[str, Any]) -> Dict[str, Any]:
    """One run as a flat row: its fields, `config.<path>` and `metrics.<key>` (latest value)."""
    row = {
        "id": node["id"],
        "name": node["name"],
        "experiment": node["experiment"]["name"],
        "status": node["status"],
        "tags": node["tags"],
        "createdAt": node["createdAt"],
        "startedAt": node["startedAt"],
        "finishedAt": node["finishedAt"],
    }
    for k, v in (node.get("config") or {}).items():
        row.update(flatten(v, f"config.{k}"))
    for m in node.get("metrics") or []:
        row[f"metrics.{m['key']}"] = decode_value(m["lastValue"])
    return row


class ApiRun:
    """A run read from the server."""

    def __init__(self, api: "Api", node: Dict[str, Any]):
        self._api = api
        self.id: str = node["id"]
        self.name: str = node["name"]
        self.status: str = node["status"]
        self.experiment: str = node["experiment"]["name"]
        self.tags: List[str] = node["tags"]
        self.config: Dict[str, Any] = node["config"]
        self.summary: Dict[str, Any] = {m["key"]: decode_value(m["lastValue"]) for m in node["metrics"]}

    def __repr__(self) -> str:
        return f"<runboard.ApiRun {self.name} {self.status} id={self.id}>"

    def history(self, keys: Optional[Iterable[str]] = None, as_frame: Optional[bool] = None) -> Any:
        """Every logged point of `keys` (default: all the run's metrics), one row per step: `step` and one
        column per key (None where a key has no point at that step). NaN/±Infinity come back as floats."""
        return self._api.history(self.id, keys, as_frame)


class Api:
    def __init__(self, url: Optional[str] = None, key: Optional[str] = None, timeout: float = 60.0):
        """`url`: the GraphQL endpoint (default RUNBOARD_API / RUNBOARD_SERVER); `key`: default RUNBOARD_API_KEY
        or the file RUNBOARD_API_KEY_FILE names."""
        self._gql = GraphQL(_settings.graphql_url(url), _settings.api_key(key), timeout)

    def query(self, query: str, variables: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Any GraphQL query (contract/schema.graphql); returns `data`, raises ApiError on errors."""
        return self._gql.request(query, variables)

    def runs(
        self,
        experiment: Optional[str] = None,
        where: Optional[str] = None,
        order_by: OrderBy = None,
        *,
        status: Optional[Sequence[str]] = None,
        tags: Optional[Sequence[str]] = None,
        archived: Optional[bool] = False,
        limit: Optional[int] = None,
        as_frame: Optional[bool] = None,
    ) -> Any:
        """Runs matching `where` (the filter language: `config.lr < 1e-4 AND metrics.val_acc > 0.9`), sorted
        by `order_by` (server default: newest first), all pages; one row per run (see run_row)."""
        return _frame([run_row(n) for n in self._run_nodes(experiment, where, order_by, status, tags, archived, limit)], as_frame)

    def run(self, run_id: str) -> ApiRun:
        node = self._gql.request(RUN, {"id": run_id})["run"]
        if node is None:
            raise KeyError(f"runboard: no run {run_id}")
        return ApiRun(self, node)

    def run_objects(self, experiment: Optional[str] = None, where: Optional[str] = None, order_by: OrderBy = None, **kw: Any) -> List[ApiRun]:
        """Like runs(), as ApiRun objects (for .history())."""
        nodes = self._run_nodes(experiment, where, order_by, kw.get("status"), kw.get("tags"), kw.get("archived", False), kw.get("limit"))
        return [ApiRun(self, n) for n in nodes]

    def _run_nodes(self, experiment, where, order, status, tags, archived, limit) -> List[Dict[str, Any]]:  # noqa: ANN001
        filt: Dict[str, Any] = {"archived": archived}
        if experiment:
            filt["experimentName"] = experiment
        if where:
            filt["where"] = where
        if status:
            filt["status"] = list(status)
        if tags:
            filt["tags"] = list(tags)
        nodes: List[Dict[str, Any]] = []
        after = None
        page_size = PAGE
        while limit is None or len(nodes) < limit:
            first = page_size if limit is None else max(1, min(page_size, limit - len(nodes)))
            variables = {"filter": filt, "orderBy": order_by(order), "first": first, "after": after}
            try:
                page = self._gql.request(RUNS, variables)["runs"]
            except ApiError as e:
                # Each run's metrics are costed by its real key count: runs with many keys need smaller pages.
                if e.code != "QUERY_TOO_COMPLEX" or first == 1:
                    raise
                page_size = max(1, first // 2)
                continue
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        return nodes

    def history(self, run_id: str, keys: Optional[Iterable[str]] = None, as_frame: Optional[bool] = None) -> Any:
        keys = list(keys) if keys is not None else sorted(self.run(run_id).summary)
        by_step: Dict[int, Dict[str, Any]] = {}
        for key in keys:
            after = None
            while True:
                variables = {"id": run_id, "key": key, "after": after, "first": HISTORY_PAGE}
                points = self._gql.request(HISTORY, variables)["run"]["history"]
                for p in points:
                    by_step.setdefault(p["step"], {"step": p["step"]})[key] = decode_value(p["value"])
                if len(points) < HISTORY_PAGE:
                    break
                after = points[-1]["step"]
        rows = [{"step": s, **{k: by_step[s].get(k) for k in keys}} for s in sorted(by_step)]
        return _frame(rows, as_frame)

    def compare(
        self,
        run_ids: Sequence[str],
        keys: Optional[Sequence[str]] = None,
        differences_only: bool = True,
        as_frame: Optional[bool] = None,
    ) -> Any:
        """Runs side by side (compareRuns): per run, the config values that differ (`config.<path>`) and each
        metric's final and best value (`<key>.final`, `<key>.best`; best by the metric's goal)."""
        variables = {"ids": list(run_ids), "keys": list(keys) if keys is not None else None, "diff": differences_only}
        c = self._gql.request(COMPARE, variables)["compareRuns"]
        rows = [{"id": r["id"], "name": r["name"]} for r in c["runs"]]
        for cfg in c["config"]:
            for row, v in zip(rows, cfg["values"]):
                row[f"config.{cfg['path']}"] = v
        for m in c["metrics"]:
            for row, res in zip(rows, m["results"]):
                row[f"{m['key']}.final"] = decode_value(res["final"])
                row[f"{m['key']}.best"] = decode_value(res["best"])
        return _frame(rows, as_frame)
