# A PyTorch training loop on Fashion-MNIST that logs every epoch to Runboard.
# Debian: apt-get install python3-torch dataset-fashion-mnist; then
#   RUNBOARD_API=http://127.0.0.1:4000/graphql python3 train_fashion_mnist.py
import gzip
import json
import os

import numpy as np
import torch
from torch import nn

import runboard

DATA = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def load(kind: str, n: int):
    with gzip.open(f"{DATA}/{kind}-images-idx3-ubyte.gz") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28 * 28)[:n]
    with gzip.open(f"{DATA}/{kind}-labels-idx1-ubyte.gz") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return torch.tensor(x, dtype=torch.float32) / 255, torch.tensor(y, dtype=torch.long)


config = {"lr": 0.05, "batch": 64, "hidden": 64, "epochs": 3, "train_images": 2000, "val_images": 500}
torch.manual_seed(0)
x_train, y_train = load("train", config["train_images"])
x_val, y_val = load("t10k", config["val_images"])
model = nn.Sequential(nn.Linear(28 * 28, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
optimizer = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)
loss_fn = nn.CrossEntropyLoss()

with runboard.init(experiment="fashion-mnist-torch", config=config, tags=["pytorch"]) as run:
    for epoch in range(config["epochs"]):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for i in range(0, len(x_train), config["batch"]):
            xb, yb = x_train[i : i + config["batch"]], y_train[i : i + config["batch"]]
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
            correct += (out.argmax(1) == yb).sum().item()
            seen += len(xb)
        model.eval()
        with torch.no_grad():
            out = model(x_val)
            val_loss = loss_fn(out, y_val).item()
            val_acc = (out.argmax(1) == y_val).float().mean().item()
        metrics = {"loss": total / seen, "acc": correct / seen, "val_loss": val_loss, "val_acc": val_acc}
        run.log(metrics, step=epoch)
        print(json.dumps({"run": run.id, "epoch": epoch, **metrics}), flush=True)
