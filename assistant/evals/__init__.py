"""Evals: YAML conversations run through the real conversation core, scored per category.

    cases = load_cases([Path("evals/cases")])
    run = EvalRunner(settings, catalog).run(cases)
    run.summary.failing(thresholds)      # categories under their threshold

`assistant eval` (see `command.py`) runs them from the terminal and in CI.
"""
