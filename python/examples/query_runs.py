# Query runs back as pandas DataFrames (lists of dicts without pandas).
#   RUNBOARD_API=http://127.0.0.1:4000/graphql python3 query_runs.py
import runboard

api = runboard.Api()  # RUNBOARD_API, RUNBOARD_API_KEY (or RUNBOARD_API_KEY_FILE)
runs = api.runs(
    "fashion-mnist-torch",
    where="config.lr >= 0.01 AND metrics.val_acc > 0.5",
    order_by="metrics.val_acc DESC",
)
print(runs[["name", "status", "config.lr", "metrics.val_acc"]])

best = api.run(runs["id"][0])
print(best.history(keys=["loss", "val_acc"]))  # one row per step

print(api.compare(list(runs["id"][:3]), keys=["val_acc"]))  # final and best value per run
