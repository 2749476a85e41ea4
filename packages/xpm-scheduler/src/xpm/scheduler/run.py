"""`python -m xpm.scheduler.run <job folder>`: run one job (see `jobprocess`)."""

from xpm.scheduler.jobprocess import main

if __name__ == "__main__":
    main()
