"""The tutorial's code: a dataset, a model, and the tasks that learn and evaluate it.

Each module is imported by the experiment (to build configurations) and by the job
processes (to run them); numpy and scikit-learn are imported only where a task computes,
so planning an experiment, or finding it done, stays quick.
"""
