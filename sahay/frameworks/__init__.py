"""The results framework as data: programme, strategies, indicators, targets and baselines."""
