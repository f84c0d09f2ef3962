"""Benchmarks: barenet against other implementations, side by side.

``barenet bench`` (see ``barenet.cli.bench``) trains the same network
from the same starting weights on the same rows with each contender,
each in a process of its own with the same number of threads, and prints
per contender: the time (median of several runs), samples per second,
GFLOP/s and the share of the machine's matrix-product peak measured in
the same run, peak memory, barenet's speed-up, and how far the final
weights are from barenet's.

Counting the arithmetic
-----------------------
For a network of layer widths n_0, n_1, ..., n_L, one training pass over
one row costs, in matrix products,

    forward          2 n_(l-1) n_l    for every layer l
    weight gradient  2 n_(l-1) n_l    for every layer l
    error below      2 n_(l-1) n_l    for every layer l but the first

so FLOPs = rows x epochs x 2 (3 sum_l n_(l-1) n_l - n_0 n_1). The seed
experiment (256-30-20-10, 1493 rows, 500 iterations) is 26.5 GFLOP; one
MNIST epoch of 784-512-256-10 is 144.4 GFLOP. Activations, costs and the
optimizer's update are not counted: they are a few operations per unit
or per weight, against hundreds per weight in the products.

Modules: ``experiments`` (what is run, its data and its FLOPs),
``contenders`` (barenet, the per-sample loop, scikit-learn, PyTorch),
``worker`` (one measurement in a fresh process), ``runner`` (rounds of
measurements), ``report`` (tables and the scaling figure).
"""
