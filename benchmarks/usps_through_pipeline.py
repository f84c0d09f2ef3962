"""Real digits nobody here drew: USPS read by a Semeion-trained network.

USPS digits (grey 16x16, filling the height but not the width of the box)
look different from Semeion's (black and white, stretched to touch all
four borders). A network trained on Semeion is shown the 2,007 USPS test
digits twice: as raw pixels, and after the Semeion preprocessing of
``barenet.images`` (crop to the ink, stretch to 16x16, binarise at 127),
the steps ``barenet predict`` applies to a picture. The script prints both
accuracies.

    python benchmarks/usps_through_pipeline.py [--epochs 500] [--seed 0]

The network is the seed experiment's (256-30-20-10 sigmoid, full-batch
gradient descent, learning rate 1, L2 0.1), trained on all 1,593 Semeion
digits. Data come from the cache (``BARENET_DATA``).
"""

from __future__ import annotations

import argparse

import numpy as np

from barenet import Network, TrainConfig, accuracy, load_semeion, train
from barenet.data import load_usps
from barenet.images import preprocess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    semeion, usps = load_semeion(), load_usps()
    net = Network([256, 30, 20, 10], seed=args.seed)
    config = TrainConfig(epochs=args.epochs, lr=1.0, l2=0.1, seed=args.seed)
    train(net, semeion.X, semeion.y, config)

    _, test = usps.own_split()
    X, y = usps.X[test], usps.y[test]
    seen = np.array([preprocess(row.reshape(16, 16), "semeion").x for row in X])
    raw = accuracy(y, net.predict(X))
    piped = accuracy(y, net.predict(seen))
    print(
        f"Semeion-trained 256-30-20-10, {args.epochs} iterations, seed "
        f"{args.seed}; USPS test digits: {len(y)}"
    )
    print(f"  raw USPS pixels               {raw:.2%}")
    print(f"  through the Semeion pipeline  {piped:.2%}")


if __name__ == "__main__":
    main()
