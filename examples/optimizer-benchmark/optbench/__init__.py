"""optbench: the tasks, optimizers and training job of the optimizer benchmark.

A package, so that type ids (`optbench.train.train`, `optbench.tasks.digits.digits`)
stay the same wherever the example is run from. The experiment process imports it
without numpy: numpy and scikit-learn are imported by the jobs only.
"""
