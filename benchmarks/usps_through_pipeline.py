"""Real digits nobody here drew: USPS read by a Semeion-trained network.

USPS digits (grey 16x16, filling the height but not the width of the box)
look different from Semeion's (black and white, stretched to touch all
four borders). A network trained on Semeion is shown the 2,007 USPS test
digits twice: as raw pixels, and after the Semeion preprocessing of
``barenet.images`` (crop to the ink, stretch to 16x16 but across at most
twice as much as down, binarise at 127),
the steps ``barenet predict`` applies to a picture. The script prints both
accuracies, then the share of USPS's 1s read as 1 through the pipeline
and through the same pipeline without its cap on the stretch across.

    python benchmarks/usps_through_pipeline.py [--epochs 500] [--seed 0]

The network is the seed experiment's (256-30-20-10 sigmoid, full-batch
gradient descent, learning rate 1, L2 0.1), trained on all 1,593 Semeion
digits. Data come from the cache (``BARENET_DATA``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from barenet import Network, TrainConfig, accuracy, load_semeion, train
from barenet.data import load_usps
from barenet.images import GEOMETRIES, find_ink, fit, preprocess


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
    uncapped = replace(GEOMETRIES["semeion"], max_stretch=None)
    stretched = np.array(
        [fit(find_ink(row.reshape(16, 16))[0], uncapped).ravel() for row in X]
    )
    raw = accuracy(y, net.predict(X))
    guesses = net.predict(seen)
    ones = y == 1
    print(
        f"Semeion-trained 256-30-20-10, {args.epochs} iterations, seed "
        f"{args.seed}; USPS test digits: {len(y)}"
    )
    print(f"  raw USPS pixels               {raw:.2%}")
    print(f"  through the Semeion pipeline  {accuracy(y, guesses):.2%}")
    label = f"its {ones.sum()} 1s read as 1"
    print(
        f"  {label:<30}{np.mean(guesses[ones] == 1):.2%} "
        f"(without the cap on stretching across: "
        f"{np.mean(net.predict(stretched[ones]) == 1):.2%})"
    )


if __name__ == "__main__":
    main()
