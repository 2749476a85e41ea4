"""`python -m xpm.scheduler.run <job folder>`: run one job (the code is in `jobprocess`).

This command is a contract: every launcher runs it, and SLURM job scripts and jobs
started with `fork=False` have it written in them, so it keeps this module path.
"""

from xpm.scheduler.jobprocess import main

if __name__ == "__main__":
    main()
