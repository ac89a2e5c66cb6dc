# A Keras script logging to Runboard: the one added line is the callback.
#   RUNBOARD_API=http://127.0.0.1:4000/graphql python3 keras_fit.py
import keras
import numpy as np

import runboard
from runboard.keras import RunboardCallback

x = np.random.default_rng(0).random((256, 8), dtype=np.float32)
y = (x.sum(axis=1) > 4).astype("float32")
model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy", metrics=["accuracy"])

runboard.init(experiment="keras-demo", config={"lr": 1e-3, "epochs": 3})
model.fit(x, y, epochs=3, validation_split=0.25, callbacks=[RunboardCallback()])  # <- the added line
